"""`harvest eval`: scoring math on tiny hand-built cases, the CLI on the fixture pages, the gate,
the real-page benchmark scorer, and the corpus and benchmark parts skipping cleanly where
../shared is absent."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evaluation import cases as ev_cases
from evaluation import gate, realbench, scoring, systems
from harvester.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "fixtures" / "pages"


def truth(**kw):
    base = {"status": "article", "body_contains": [], "boilerplate_absent": [], "pairs": []}
    return base | kw


def output(paragraphs=(), pairs=(), status="article", **kw):
    paras = [{"text": t, "lang": "en", "role": "body"} for t in paragraphs]
    return {"status": status, "paragraphs": paras, "pairs": [{"en": e, "zh": z} for e, z in pairs],
            "text_en": "\n".join(paragraphs), "text_zh": ""} | kw


# --------------------------------------------------------------------------- scoring math

def test_prf_micro_math():
    assert scoring.prf(3, 4, 6) == (0.75, 0.5, pytest.approx(0.6))
    assert scoring.prf(0, 0, 0) == (None, None, None)
    assert scoring.prf(0, 0, 5) == (None, 0.0, 0.0)
    assert scoring.prf(0, 2, 0) == (0.0, None, 0.0)


def test_pairs_match_by_prefix_and_containment_one_to_one():
    t = truth(pairs=[["The first English sentence", "第一句中文"], ["Second one", "第二句"], ["Missing", "缺失"]])
    out = output(pairs=[("The first  English sentence is long.", "第一句中文很长。"),
                        ("The first English sentence is long.", "第一句中文很长。"),  # a duplicate matches nothing
                        ("It says: Second one here", "他说第二句"),
                        ("Spurious", "多余")])
    s = scoring.score_page("p", t, out)
    assert (s.pairs_matched, s.pairs_predicted, s.pairs_expected) == (2, 4, 3)
    assert s.pairs_missed == [["Missing", "缺失"]] and len(s.pairs_spurious) == 2
    summary = scoring.summarize([s])
    assert summary.scores["pair_precision"] == 0.5
    assert summary.scores["pair_recall"] == pytest.approx(2 / 3)
    assert summary.scores["pair_f1"] == pytest.approx(2 * 2 / 7)


def test_pair_needs_both_sides():
    assert not scoring.pair_matches(["Hello world", "你好"], {"en": "Hello world", "zh": "再见"})
    assert scoring.pair_matches(["Hello  world ", "你好"], {"en": "Hello world again", "zh": "你好世界"})


def test_metadata_matching_rules():
    t = truth(title="A  title", title_zh=None, source="Daily", published="2024-03-05T07:30:00+08:00",
              editors={"编辑": "王珊", "审核": "陈刚"})
    out = output(title="A title\n", title_zh="", source="Daily News", published="2024-03-04T23:30:00+00:00",
                 editors={"编辑": " 王珊", "记者": "李清"})
    s = scoring.score_page("p", t, out)
    assert (s.meta_right, s.meta_total) == (4, 6)  # title, title_zh (absent == ""), published, 编辑
    assert {w[0] for w in s.meta_wrong} == {"source", "editors.审核"}


def test_published_datetime_rules():
    exp = "2024-03-05T07:30:00+08:00"
    assert scoring.published_matches(exp, "2024-03-05T07:30:00+08:00")
    assert scoring.published_matches(exp, "2024-03-05 07:30")  # naive is read as +08:00
    assert scoring.published_matches(exp, "2024-03-05")  # date only: the calendar date
    assert not scoring.published_matches(exp, "2024-03-05T00:00:00+08:00")
    assert not scoring.published_matches(exp, None)
    assert scoring.published_matches(None, "")
    minute = "2024-03-05T07:30+08:00"  # the byline gives minutes: any second of that minute
    assert scoring.published_matches(minute, "2024-03-05T07:30:42+08:00")
    assert not scoring.published_matches(minute, "2024-03-05T07:31:00+08:00")
    day = "2024-03-05"  # the page gives a day: any instant of that day, read in +08:00
    assert scoring.published_matches(day, "2024-03-04T20:00:00+00:00")
    assert not scoring.published_matches(day, "2024-03-05T20:00:00+00:00")


def test_body_recall_and_boilerplate_detection_everywhere():
    t = truth(body_contains=["kept sentence", "lost sentence"],
              boilerplate_absent=["Editor: X", "Share", "责任编辑", "Related"])
    out = output(paragraphs=["A kept   sentence here.", "Editor: X"], pairs=[("fine", "责任编辑：某")])
    out["text_zh"] = "Related list"
    s = scoring.score_page("p", t, out)
    assert (s.body_found, s.body_total, s.body_missed) == (1, 2, ["lost sentence"])
    assert (s.boiler_absent, s.boiler_total) == (1, 4)
    assert dict(s.boiler_present) == {"Editor: X": "paragraph", "责任编辑": "pair", "Related": "text_zh"}


def test_non_article_prediction_counts_as_empty_and_status_wrong():
    t = truth(title="T", body_contains=["x"], boilerplate_absent=["y"])
    s = scoring.score_page("p", t, output(paragraphs=["x y"], status="not_article", title="T"))
    assert not s.status_ok and s.body_found == 0 and s.boiler_absent == 1 and s.meta_right == 0
    deleted = scoring.score_page("d", {"status": "deleted", "boilerplate_absent": ["gone"]}, {"status": "deleted"})
    assert deleted.status_ok and deleted.meta_total == deleted.body_total == deleted.boiler_total == 0


def test_naive_baseline_pairs_adjacent_scripts():
    paras = ["Hello there, friends.", "你好，朋友们。", "Photo: someone", "Another English line.", "另一行中文。"]
    assert systems.naive_pairs(paras) == [{"en": paras[0], "zh": paras[1]}, {"en": paras[3], "zh": paras[4]}]


def test_gate_floors_ceilings_and_baseline_rule():
    s = scoring.summarize([scoring.score_page("p", truth(body_contains=["a", "b"]), output(paragraphs=["a"]))])
    assert s.scores["body_recall"] == 0.5
    figures = dict(s.scores) | {"articles_lost": 1}
    assert gate.check_gate(figures, {"body_recall": 0.5, "max_articles_lost": 1}) == []
    assert gate.check_gate(figures, {"body_recall": 0.51})
    assert "above its ceiling" in gate.check_gate(figures, {"max_articles_lost": 0})[0]
    assert gate.check_gate(figures, {"nonsense": 1}) and gate.check_gate(figures, {"max_nonsense": 1})
    rule = {"not_below_trafilatura": ["body_recall", "articles_lost"]}
    assert gate.check_gate(figures, rule, {"body_recall": 0.5, "articles_lost": 1}) == []
    worse = gate.check_gate(figures, rule, {"body_recall": 0.6, "articles_lost": 0})
    assert len(worse) == 2 and all("trafilatura" in w for w in worse)
    assert gate.check_gate(figures, rule, None) == []  # no baseline run: nothing to compare
    assert gate.floor_down(0.9999) == 0.999 and gate.floor_down(13 / 14) == 0.928
    assert gate.floors_for({"pages": {"body_recall": 1}}, "corpus") == {}
    assert gate.floors_for({"body_recall": 1, "_comment": "x"}, "pages") == {"body_recall": 1}


def test_floors_from_measured_figures_keep_a_margin_but_never_go_below_trafilatura():
    ours = {"f1": 0.9, "date_accuracy": 0.34, "recall": 0.752, "lost": 1, "pair_f1": None}
    theirs = {"f1": 0.72, "date_accuracy": 0.6, "recall": 0.751, "lost": 0, "pair_f1": 0.5}
    floors = gate.floors_from(ours, theirs, margin=0.02)
    assert floors["f1"] == 0.88 and floors["recall"] == 0.751  # the margin stops at trafilatura's figure
    assert floors["date_accuracy"] == 0.32  # behind trafilatura today: a floor that holds, not a gate on it
    assert floors["max_lost"] == 1 and "pair_f1" not in floors
    assert floors["not_below_trafilatura"] == ["f1", "recall"]
    assert gate.check_gate(ours, floors, theirs) == []


def test_pages_below_the_baseline_and_articles_lost():
    t = truth(body_contains=["one", "two"])
    ours = [scoring.score_page("a", t, output(paragraphs=["one"])),
            scoring.score_page("b", t, output(paragraphs=["one two"])),
            scoring.score_page("c", t, output(paragraphs=["one two"], status="not_article"))]
    theirs = [scoring.score_page(n, t, output(paragraphs=["one two"])) for n in "abc"]
    report = systems.Report(label="x", systems={"ours": ours, "trafilatura": theirs})
    assert report.below_baseline() == [("a", 0.5, 1.0), ("c", 0.0, 1.0)]
    assert report.lost() == ["c"] and report.lost("trafilatura") == []
    figures = report.figures()
    assert figures["articles_lost"] == 1 and figures["pages_below_trafilatura"] == 2
    assert systems.Report(label="x", systems={"ours": ours}).figures()["pages_below_trafilatura"] is None


# --------------------------------------------------------------------------- the CLI

def test_cli_on_fixture_pages_prints_both_columns():
    result = CliRunner().invoke(cli, ["eval", str(PAGES), "--verbose"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ours" in out and "trafilatura" in out and "naive" in out
    for label in scoring.METRIC_LABELS.values():
        assert label in out
    assert "wechat-2023-two-to-one" in out  # the per-page table


def test_cli_json_and_no_baseline():
    result = CliRunner().invoke(cli, ["eval", str(PAGES), "--format", "json", "--no-baseline"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["pages"]["summary"]) == ["ours"]
    assert data["pages"]["summary"]["ours"]["pages"] >= 26
    assert data["gate"] == []


def test_project_floors_hold_and_a_raised_floor_fails(tmp_path):
    floors = ROOT / "fixtures" / "eval_floors.json"
    ok = CliRunner().invoke(cli, ["eval", str(PAGES), "--no-baseline", "--gate", str(floors)])
    assert ok.exit_code == 0, ok.output
    data = json.loads(floors.read_text(encoding="utf-8"))
    data["pages"]["status_accuracy"] = 1.01  # above anything measurable
    raised = tmp_path / "floors.json"
    raised.write_text(json.dumps(data), encoding="utf-8")
    bad = CliRunner().invoke(cli, ["eval", str(PAGES), "--no-baseline", "--gate", str(raised)])
    assert bad.exit_code == 1
    assert "status accuracy" in bad.output and "below its floor" in bad.output


@pytest.mark.parametrize("holdout", ["holdout8", "holdout9"])
def test_holdout_floors_hold_and_pin_nothing_at_one(holdout):
    """A holdout set is held to its own section of the gate file (its directory's name), set from
    figures measured with a margin: never a pinned 1.0."""
    floors = ROOT / "fixtures" / "eval_floors.json"
    section = json.loads(floors.read_text(encoding="utf-8"))[holdout]
    assert all(v < 1.0 for k, v in section.items() if not k.startswith(("max_", "not_", "_")))
    result = CliRunner().invoke(cli, ["eval", str(ROOT / "fixtures" / holdout), "--gate", str(floors),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert holdout in data and data["gate"] == []
    assert gate.section_for(ROOT / "fixtures" / holdout, None) == "pages"


def test_write_floors_rounds_down(tmp_path):
    out = tmp_path / "f.json"
    result = CliRunner().invoke(cli, ["eval", str(PAGES), "--no-baseline", "--write-floors", str(out)])
    assert result.exit_code == 0
    floors = json.loads(out.read_text())["pages"]
    assert all(0 <= v <= 1 for v in floors.values())


@pytest.mark.parametrize("args, message", [
    (["eval", "/nonexistent/dir"], "no such directory"),
    (["eval"], "give a DIR"),
])
def test_cli_one_line_errors(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output


def test_cli_empty_dir(tmp_path):
    result = CliRunner().invoke(cli, ["eval", str(tmp_path)])
    assert result.exit_code != 0 and "no pages" in result.output


def test_a_crashing_extractor_is_a_page_failure(monkeypatch):
    def boom(case):
        raise RuntimeError("kaput")
    monkeypatch.setitem(systems.SYSTEMS, "ours", boom)
    cases = ev_cases.load_cases(PAGES)[:2]
    report = systems.evaluate(cases, baseline=False)
    assert all(s.error and "kaput" in s.error for s in report.systems["ours"])


# --------------------------------------------------------------------------- the corpus

def test_corpus_absent_is_skipped_with_a_message(monkeypatch, tmp_path):
    monkeypatch.setattr(ev_cases, "CORPUS_DIR", tmp_path / "no-corpus")
    with pytest.raises(ev_cases.EvalError, match="corpus not present"):
        ev_cases.load_corpus_cases()
    result = CliRunner().invoke(cli, ["eval", "--corpus", "--no-baseline"])
    assert result.exit_code == 0
    assert "corpus skipped" in result.output


def test_corpus_truth_files_are_well_formed():
    files = sorted((ROOT / "fixtures" / "corpus_truth").rglob("*.json"))
    assert len(files) >= 10
    for f in files:
        t = json.loads(f.read_text(encoding="utf-8"))
        assert f.relative_to(ROOT / "fixtures" / "corpus_truth").as_posix() == t["path"] + ".json"
        assert t["status"] in ("article", "deleted", "blocked", "not_article")
        if t["status"] == "article":
            assert len(t["body_contains"]) >= 3
        for bad in t["boilerplate_absent"]:
            assert not any(bad in good for good in t["body_contains"])


@pytest.mark.skipif(not ev_cases.CORPUS_DIR.is_dir(), reason="shared corpus not present")
def test_corpus_truth_strings_occur_in_the_real_pages():
    from lxml import html as lxml_html

    for case in ev_cases.load_corpus_cases():
        try:
            text = case.body.decode("utf-8")
        except UnicodeDecodeError:
            text = case.body.decode("gb18030", "replace")
        doc = lxml_html.fromstring(text)
        for node in doc.xpath("//script|//style|//noscript"):
            node.drop_tree()
        visible = scoring.norm(doc.text_content())
        for s in case.truth["body_contains"] + case.truth["boilerplate_absent"]:
            assert scoring.norm(s) in visible, f"{case.name}: {s!r} not in the page"


@pytest.mark.skipif(not ev_cases.CORPUS_DIR.is_dir(), reason="shared corpus not present")
def test_cli_corpus_reports_both_columns():
    result = CliRunner().invoke(cli, ["eval", "--corpus"])
    assert result.exit_code == 0, result.output
    assert "corpus:" in result.output and "trafilatura" in result.output


@pytest.mark.skipif(not ev_cases.CORPUS_DIR.is_dir(), reason="shared corpus not present")
def test_corpus_gate_holds_with_the_baseline_beside():
    """No real article lost, and per page our body recall is held against trafilatura's."""
    floors = ROOT / "fixtures" / "eval_floors.json"
    result = CliRunner().invoke(cli, ["eval", "--corpus", "--gate", str(floors)])
    assert result.exit_code == 0, result.output
    assert "pages where our body recall < trafilatura's" in result.output
    assert json.loads(floors.read_text(encoding="utf-8"))["corpus"]["max_articles_lost"] == 0


# --------------------------------------------------------------------------- the real-page benchmark

def test_token_prf_counts_cjk_characters_and_lowercased_words():
    assert realbench.tokens("深圳 Bay bay, 2024") == {"深": 1, "圳": 1, "bay": 2, "2024": 1}
    p, r, f = realbench.token_prf("深圳湾 bay", "深圳 bay park")
    assert (p, r) == (0.75, 0.75) and f == pytest.approx(0.75)
    assert realbench.token_prf("", "") == (1.0, 1.0, 1.0)
    assert realbench.token_prf("有", "") == (0.0, 0.0, 0.0)


def test_author_and_date_rules():
    assert realbench.author_ok("王 小明", "记者 王小明")  # one contains the other, spaces ignored
    assert not realbench.author_ok("王小明", None)
    assert realbench.author_ok("UNKNOWN", None) and not realbench.author_ok("UNKNOWN", "某人")
    assert realbench.date_ok("2005-5-7 21:23:57", "2005-05-07T00:00:00+08:00")
    assert not realbench.date_ok("2005-5-7", "2005-05-08")
    assert not realbench.date_ok("1998-3", "1998-03-01")  # no day in the answer: nothing can match it
    assert realbench.date_ok("UNKNOWN", "") and not realbench.date_ok("UNKNOWN", "2020-01-01")


PAGE = """<html><head><meta charset="utf-8"><title>湖边的早晨 - 本地新闻</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/n">新闻</a></div>
<h1>湖边的早晨</h1><div class="info">作者：林青 2021-04-06 08:30</div>
<div class="content">
<p>清晨六点，湖边的步道上已经有不少人在慢跑，几位老人在树下打太极，孩子们围着喷泉追逐。</p>
<p>管理处说，今年春天新修了两公里的木栈道，还在入口处添了饮水点和休息椅，周末人流比去年多了三成。</p>
<p>一位常来散步的居民说，她最喜欢傍晚的湖面，水鸟成群飞过，远处的灯一盏一盏亮起来。</p>
</div></body></html>"""


def write_bench(root: Path, pages: dict) -> Path:
    for folder in realbench.FOLDERS:
        (root / folder).mkdir(parents=True)
    for stem, (html, cleaned, author, date) in pages.items():
        (root / "original" / f"{stem}.html").write_text(html, encoding="utf-8")
        (root / "cleaned" / f"{stem}.txt").write_text(cleaned, encoding="utf-8")
        (root / "author" / f"{stem}.txt").write_text(author, encoding="utf-8")
        (root / "date" / f"{stem}.txt").write_text(date, encoding="utf-8")
    return root


def test_benchmark_figures_average_over_pages(tmp_path, monkeypatch):
    bench = write_bench(tmp_path / "b", {"a": ("<p>x</p>", "深圳湾 bay", "林青", "2021-04-06"),
                                         "b": ("<p>y</p>", "公园", "UNKNOWN", "UNKNOWN")})
    answers = {"a": realbench.Prediction("深圳 bay park", "记者林青", "2021-04-06T08:30:00+08:00", "article"),
               "b": realbench.Prediction("", "某人", None, "not_article")}
    monkeypatch.setitem(realbench.SYSTEMS, "ours", lambda case: answers[case.stem])
    report = realbench.evaluate_bench(realbench.load_bench(bench), baseline=False)
    figures = report.figures()
    assert figures["precision"] == pytest.approx(0.375) and figures["f1"] == pytest.approx(0.375)
    assert figures["author_accuracy"] == 0.5 and figures["date_accuracy"] == 1.0 and figures["lost"] == 1
    assert [s.lost for s in report.systems["ours"]] == [False, True]


def test_cli_detects_a_benchmark_folder_and_scores_both_systems(tmp_path):
    body = "湖边的早晨\n" + "\n".join(line[3:-4] for line in PAGE.splitlines() if line.startswith("<p>"))
    bench = write_bench(tmp_path / "bench", {"lake": (PAGE, body, "林青", "2021-04-06 08:30")})
    result = CliRunner().invoke(cli, ["eval", str(bench), "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["realbench"]
    assert set(data["summary"]) == {"ours", "trafilatura"}
    ours = data["summary"]["ours"]
    assert ours["pages"] == 1 and ours["lost"] == 0 and ours["recall"] >= 0.9
    assert data["pages"]["ours"][0]["stem"] == "lake"
    text = CliRunner().invoke(cli, ["eval", "--realbench", str(bench), "-v", "--jobs", "1"])
    assert text.exit_code == 0 and "token F1" in text.output and "lake" in text.output


def test_cli_benchmark_errors_are_one_line(tmp_path):
    (tmp_path / "half" / "original").mkdir(parents=True)
    (tmp_path / "half" / "cleaned").mkdir()
    result = CliRunner().invoke(cli, ["eval", "--realbench", str(tmp_path / "half")])
    assert result.exit_code != 0 and "missing author, date/" in result.output
    assert "Traceback" not in result.output
    missing = CliRunner().invoke(cli, ["eval", "--realbench", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "no such directory" in missing.output


@pytest.mark.skipif(not ev_cases.REALBENCH_DIR.is_dir(), reason="shared realbench not present")
def test_realbench_gate_holds_with_the_baseline_beside():
    floors = ROOT / "fixtures" / "eval_floors.json"
    result = CliRunner().invoke(cli, ["eval", "--realbench", str(ev_cases.REALBENCH_DIR), "--gate", str(floors)])
    assert result.exit_code == 0, result.output
    assert "token F1" in result.output and "trafilatura" in result.output
    section = json.loads(floors.read_text(encoding="utf-8"))["realbench"]
    assert {"f1", "author_accuracy", "date_accuracy", "max_lost", "not_below_trafilatura"} <= set(section)


def test_diff_names_the_rule_that_drops_what_trafilatura_keeps():
    """evaluation.diff: a line bare trafilatura keeps and our body drops is listed with the step that took it."""
    from evaluation.diff import diff_page

    paras = ["今年入冬以来，河口湿地迎来了大批越冬候鸟，保护站的工作人员每天清晨巡护记录鸟类数量和分布情况。",
             "保护站负责人介绍，今年观测到的黑脸琵鹭比去年多了三十多只，湿地水质改善是重要原因之一。",
             "为了减少对候鸟的干扰，湿地在越冬期间关闭了两条靠近滩涂的步道，并增设了三处观鸟屏风。",
             "责任编辑：林小雨"]
    html = ("<html><head><meta charset='utf-8'><title>河口湿地迎来越冬候鸟</title></head><body><article>"
            "<h1>河口湿地迎来越冬候鸟</h1>" + "".join(f"<p>{p}</p>" for p in paras) + "</article></body></html>")
    gold = "\n".join(paras[:3])
    d = diff_page("wetland", html.encode("utf-8"), "https://news.example.cn/a/1.html", gold=gold)
    assert d.status == "article"
    assert ("责任编辑：林小雨", "credit line") in d.lost
    assert not d.extra  # every line we keep is in the answer
