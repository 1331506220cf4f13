"""`harvest eval`: scoring math on tiny hand-built cases, the CLI on the fixture pages, the gate,
and the corpus part skipping cleanly where ../shared/corpus is absent."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester import evaluate as ev
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
    assert ev.prf(3, 4, 6) == (0.75, 0.5, pytest.approx(0.6))
    assert ev.prf(0, 0, 0) == (None, None, None)
    assert ev.prf(0, 0, 5) == (None, 0.0, 0.0)
    assert ev.prf(0, 2, 0) == (0.0, None, 0.0)


def test_pairs_match_by_prefix_and_containment_one_to_one():
    t = truth(pairs=[["The first English sentence", "第一句中文"], ["Second one", "第二句"], ["Missing", "缺失"]])
    out = output(pairs=[("The first  English sentence is long.", "第一句中文很长。"),
                        ("The first English sentence is long.", "第一句中文很长。"),  # a duplicate matches nothing
                        ("It says: Second one here", "他说第二句"),
                        ("Spurious", "多余")])
    s = ev.score_page("p", t, out)
    assert (s.pairs_matched, s.pairs_predicted, s.pairs_expected) == (2, 4, 3)
    assert s.pairs_missed == [["Missing", "缺失"]] and len(s.pairs_spurious) == 2
    summary = ev.summarize([s])
    assert summary.scores["pair_precision"] == 0.5
    assert summary.scores["pair_recall"] == pytest.approx(2 / 3)
    assert summary.scores["pair_f1"] == pytest.approx(2 * 2 / 7)


def test_pair_needs_both_sides():
    assert not ev.pair_matches(["Hello world", "你好"], {"en": "Hello world", "zh": "再见"})
    assert ev.pair_matches(["Hello  world ", "你好"], {"en": "Hello world again", "zh": "你好世界"})


def test_metadata_matching_rules():
    t = truth(title="A  title", title_zh=None, source="Daily", published="2024-03-05T07:30:00+08:00",
              editors={"编辑": "王珊", "审核": "陈刚"})
    out = output(title="A title\n", title_zh="", source="Daily News", published="2024-03-04T23:30:00+00:00",
                 editors={"编辑": " 王珊", "记者": "李清"})
    s = ev.score_page("p", t, out)
    assert (s.meta_right, s.meta_total) == (4, 6)  # title, title_zh (absent == ""), published, 编辑
    assert {w[0] for w in s.meta_wrong} == {"source", "editors.审核"}


def test_published_datetime_rules():
    exp = "2024-03-05T07:30:00+08:00"
    assert ev.published_matches(exp, "2024-03-05T07:30:00+08:00")
    assert ev.published_matches(exp, "2024-03-05 07:30")  # naive is read as +08:00
    assert ev.published_matches(exp, "2024-03-05")  # date only: the calendar date
    assert not ev.published_matches(exp, "2024-03-05T00:00:00+08:00")
    assert not ev.published_matches(exp, None)
    assert ev.published_matches(None, "")


def test_body_recall_and_boilerplate_detection_everywhere():
    t = truth(body_contains=["kept sentence", "lost sentence"],
              boilerplate_absent=["Editor: X", "Share", "责任编辑", "Related"])
    out = output(paragraphs=["A kept   sentence here.", "Editor: X"], pairs=[("fine", "责任编辑：某")])
    out["text_zh"] = "Related list"
    s = ev.score_page("p", t, out)
    assert (s.body_found, s.body_total, s.body_missed) == (1, 2, ["lost sentence"])
    assert (s.boiler_absent, s.boiler_total) == (1, 4)
    assert dict(s.boiler_present) == {"Editor: X": "paragraph", "责任编辑": "pair", "Related": "text_zh"}


def test_non_article_prediction_counts_as_empty_and_status_wrong():
    t = truth(title="T", body_contains=["x"], boilerplate_absent=["y"])
    s = ev.score_page("p", t, output(paragraphs=["x y"], status="not_article", title="T"))
    assert not s.status_ok and s.body_found == 0 and s.boiler_absent == 1 and s.meta_right == 0
    deleted = ev.score_page("d", {"status": "deleted", "boilerplate_absent": ["gone"]}, {"status": "deleted"})
    assert deleted.status_ok and deleted.meta_total == deleted.body_total == deleted.boiler_total == 0


def test_naive_baseline_pairs_adjacent_scripts():
    paras = ["Hello there, friends.", "你好，朋友们。", "Photo: someone", "Another English line.", "另一行中文。"]
    assert ev.naive_pairs(paras) == [{"en": paras[0], "zh": paras[1]}, {"en": paras[3], "zh": paras[4]}]


def test_gate_and_floors():
    s = ev.summarize([ev.score_page("p", truth(body_contains=["a", "b"]), output(paragraphs=["a"]))])
    assert s.scores["body_recall"] == 0.5
    assert ev.check_gate(s, {"body_recall": 0.5}) == []
    assert ev.check_gate(s, {"body_recall": 0.51})
    assert ev.check_gate(s, {"nonsense": 1})
    assert ev.floor_down(0.9999) == 0.999 and ev.floor_down(13 / 14) == 0.928
    assert ev.floors_for({"pages": {"body_recall": 1}}, "corpus") == {}
    assert ev.floors_for({"body_recall": 1, "_comment": "x"}, "pages") == {"body_recall": 1}


# --------------------------------------------------------------------------- the CLI

def test_cli_on_fixture_pages_prints_both_columns():
    result = CliRunner().invoke(cli, ["eval", str(PAGES), "--verbose"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "ours" in out and "trafilatura" in out and "naive" in out
    for label in ev.METRIC_LABELS.values():
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
    monkeypatch.setitem(ev.SYSTEMS, "ours", boom)
    cases = ev.load_cases(PAGES)[:2]
    report = ev.evaluate(cases, baseline=False)
    assert all(s.error and "kaput" in s.error for s in report.systems["ours"])


# --------------------------------------------------------------------------- the corpus

def test_corpus_absent_is_skipped_with_a_message(monkeypatch, tmp_path):
    monkeypatch.setattr(ev, "CORPUS_DIR", tmp_path / "no-corpus")
    with pytest.raises(ev.EvalError, match="corpus not present"):
        ev.load_corpus_cases()
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


@pytest.mark.skipif(not ev.CORPUS_DIR.is_dir(), reason="shared corpus not present")
def test_corpus_truth_strings_occur_in_the_real_pages():
    from lxml import html as lxml_html

    for case in ev.load_corpus_cases():
        try:
            text = case.body.decode("utf-8")
        except UnicodeDecodeError:
            text = case.body.decode("gb18030", "replace")
        doc = lxml_html.fromstring(text)
        for node in doc.xpath("//script|//style|//noscript"):
            node.drop_tree()
        visible = ev.norm(doc.text_content())
        for s in case.truth["body_contains"] + case.truth["boilerplate_absent"]:
            assert ev.norm(s) in visible, f"{case.name}: {s!r} not in the page"


@pytest.mark.skipif(not ev.CORPUS_DIR.is_dir(), reason="shared corpus not present")
def test_cli_corpus_reports_both_columns():
    result = CliRunner().invoke(cli, ["eval", "--corpus"])
    assert result.exit_code == 0, result.output
    assert "corpus:" in result.output and "trafilatura" in result.output
