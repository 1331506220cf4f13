"""Program code in an article (<pre>, <pre><code>) keeps its line breaks and indentation."""
from harvester.extract.pipeline import extract_html
from harvester.extract.blocks import code_lines, walk_blocks
from lxml import html as lxml_html

PROSE = [
    "上周把家里的温度记录脚本重写了一遍，顺手记下几个要点。",
    "脚本每隔十分钟读一次传感器，把读数写进一个文本文件。",
    "读数超过设定的上限时，它会在终端里打印一行提醒。",
    "下一步打算把记录改存到数据库里，方便画出一周的曲线。",
]
CODE = ("def check(reading, limit=28.5):\n"
        "    if reading > limit:\n"
        "        print(f\"too warm: {reading}\")\n"
        "\n"
        "    return reading <= limit")


def _page(code_html: str) -> str:
    head, tail = ("".join(f"<p>{t}</p>" for t in part) for part in (PROSE[:2], PROSE[2:]))
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>温度记录脚本重写笔记_小站</title></head>"
            f"<body><article><h1>温度记录脚本重写笔记</h1>{head}{code_html}{tail}</article></body></html>")


def test_code_block_keeps_its_lines_and_indentation():
    art = extract_html(_page(f"<pre><code class='language-python'>{CODE}\n</code></pre>"))
    code = [p for p in art.paragraphs if p.lang == "other"]
    assert [p.text for p in code] == [CODE]
    assert all(p.text != CODE for p in art.paragraphs if p.lang != "other")
    assert not art.pairs


def test_code_lines_trims_edges_and_folds_blank_runs():
    assert code_lines("\n\n  a = 1\n\n\n  b = 2   \n\n") == "  a = 1\n\n  b = 2"


def test_walker_reads_tabs_in_pre_as_blanks():
    root = lxml_html.fromstring("<div><pre>for x in xs:\n\tprint(x)</pre></div>")
    blocks = walk_blocks(root)
    assert [(b.kind, b.text) for b in blocks] == [("code", "for x in xs:\n    print(x)")]
