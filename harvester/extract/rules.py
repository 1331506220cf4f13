"""The boilerplate and page-state rules, compiled once from boilerplate_rules.toml.

Every module that judges text (cleaning, the page-state classifier, captions, title
boxes) receives the one `Rules` object built here; nothing re-reads the file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import resources

try:  # Python 3.11+
    import tomllib
except ModuleNotFoundError:  # pragma: no cover - 3.10 needs tomli
    import tomli as tomllib  # type: ignore[no-redef]


@dataclass(frozen=True)
class BylineRules:
    """Where dates and authors are read in the byline zone (rules [bylines]); see bylines.py."""

    date_label: re.Pattern[str]
    label_window: int
    author_patterns: tuple[re.Pattern[str], ...]
    trailing: re.Pattern[str]
    not_names: tuple[str, ...]
    surnames: frozenset[str]
    compound_surnames: tuple[str, ...]
    weight_meta: float
    weight_labelled: float
    weight_info: float
    weight_timed: float
    weight_loose: float
    weight_htmldate: float
    weight_date: float

    @classmethod
    def from_table(cls, table: dict) -> "BylineRules":
        weights = table.get("weights", {})
        return cls(
            date_label=re.compile(table.get("date_label", "(?!)"), re.I),
            label_window=int(table.get("label_window", 12)),
            author_patterns=tuple(re.compile(p, re.I) for p in table.get("author_patterns", [])),
            trailing=re.compile(table.get("trailing", "(?!)")),
            not_names=tuple(table.get("not_names", [])),
            surnames=frozenset("".join(table.get("surnames", "").split())),
            compound_surnames=tuple(table.get("compound_surnames", [])),
            weight_meta=float(weights.get("meta", 4)), weight_labelled=float(weights.get("labelled", 3)),
            weight_info=float(weights.get("info", 2.5)), weight_timed=float(weights.get("timed", 2)),
            weight_loose=float(weights.get("loose", 1.5)), weight_htmldate=float(weights.get("htmldate", 1.5)),
            weight_date=float(weights.get("date", 1)),
        )


@dataclass(frozen=True)
class StatusRules:
    """Thresholds of the page-state classifier (rules [status]); see status.py for their use."""

    short_page: int = 600
    min_body_chars: int = 60
    text_block_chars: int = 80
    link_share_max: float = 0.6
    list_min_items: int = 5
    list_item_share: float = 0.6
    list_max_prose: int = 2
    list_fragment_min: int = 10
    headline_only_lines: int = 8
    headline_max: int = 40
    headline_link_min: int = 6
    headline_link_max: int = 120
    item_extra_max: int = 160
    search_min_results: int = 3
    video_min_text: int = 20
    deleted_markers: tuple[str, ...] = ()
    blocked_markers: tuple[str, ...] = ()
    listing_types: frozenset[str] = frozenset()
    article_types: frozenset[str] = frozenset()
    teaser_end: re.Pattern[str] | None = None
    link_bar_links: int = 3
    link_bar_share: float = 0.8
    link_run: int = 3
    run_min_lines: int = 4
    run_chars: int = 120

    @classmethod
    def from_table(cls, table: dict) -> "StatusRules":
        """Values from the TOML table; a key the table lacks keeps its default."""
        values: dict = {}
        for f in fields(cls):
            if f.name not in table:
                continue
            value = table[f.name]
            if f.name.endswith("_markers"):
                value = tuple(value)
            elif f.name.endswith("_types"):
                value = frozenset(v.lower() for v in value)
            elif f.name == "teaser_end":
                value = re.compile(value, re.I)
            values[f.name] = value
        return cls(**values)


@dataclass
class Rules:
    """Compiled form of boilerplate_rules.toml."""

    tail_headings: frozenset[str]
    tail_min_position: float
    tail_max_len: int
    tail_patterns: list[re.Pattern[str]]
    next_article: frozenset[str]
    # a tail heading followed by the article's own running text is an inline widget's label
    # ('Read more' expander, a 'Recommended' box mid-story): see cleaning.article_continues
    tail_continue_paragraphs: int
    tail_continue_share: float
    tail_running_chars: int
    lifts: list[tuple[str, re.Pattern[str], int]]
    lead_lifts: list[tuple[str, re.Pattern[str], float]]  # field, pattern at a paragraph's head, max position
    credit_key: re.Pattern[str]
    credit_max_len: int
    credit_max_value: int
    credit_fields: dict[str, str]
    ends_article: frozenset[str]
    end_min_position: float
    ends_article_strong: frozenset[str]
    end_strong_min_position: float
    drops: list[tuple[str, re.Pattern[str], int, float, float]]  # name, pattern, max_len, min/max position
    nav_words: frozenset[str]
    nav_max_len: int
    trims: list[tuple[str, re.Pattern[str]]]
    box_labels: frozenset[str] = frozenset()
    pager_words: frozenset[str] = frozenset()
    pager_patterns: list[re.Pattern[str]] = field(default_factory=list)
    pager_min_markers: int = 2
    title_labels: dict[str, str] = field(default_factory=dict)  # label (lower-case) -> "zh" | "en"
    title_box_max: int = 160
    # no <h1>: a heading (<h2>-<h6>, a "title" class) followed by the info line is the headline
    info_heading_max: int = 120       # characters of such a heading
    info_heading_siblings: int = 3    # elements after it where the info line may stand
    info_heading_candidates: int = 30 # such headings looked at, in page order
    credit_value_reject: list[re.Pattern[str]] = field(default_factory=list)
    search_path_words: frozenset[str] = frozenset()
    search_params: frozenset[str] = frozenset()
    search_markers: list[re.Pattern[str]] = field(default_factory=list)
    glossary_headings: frozenset[str] = frozenset()
    glossary_item: re.Pattern[str] | None = None
    notice_label: re.Pattern[str] | None = None
    staff_code: re.Pattern[str] | None = None
    box_line: re.Pattern[str] | None = None
    caption_markers: list[re.Pattern[str]] = field(default_factory=list)
    caption_max: int = 120
    credit_phrases: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    status: StatusRules = field(default_factory=lambda: StatusRules())
    bylines: BylineRules = field(default_factory=lambda: BylineRules.from_table({}))




@lru_cache(maxsize=None)
def load_rules(text: str | None = None) -> Rules:
    """Compile the packaged rules (or a given TOML text, for tests) once."""
    if text is None:
        text = resources.files("harvester.extract").joinpath("boilerplate_rules.toml").read_text("utf-8")
    data = tomllib.loads(text)
    flags = re.I | re.S
    credits = data["credits"]
    fields_map = {k.lower(): v for k, v in credits.get("fields", {}).items()}
    keys = sorted(credits["editor_keys"] + list(credits.get("fields", {})), key=len, reverse=True)
    # '英文编辑 Amy Liu', '本期编辑 张三': an editing key may carry a qualifier in front of it
    qualifiers = sorted(credits.get("qualifiers", []), key=len, reverse=True)
    editor_keys = sorted(credits["editor_keys"], key=len, reverse=True)
    qualified = (f"(?:{'|'.join(map(re.escape, qualifiers))})(?:{'|'.join(map(re.escape, editor_keys))})|"
                 if qualifiers else "")
    return Rules(
        tail_headings=frozenset(h.lower() for h in data["tail"]["headings"]),
        tail_min_position=float(data["tail"].get("min_position", 0.3)),
        tail_max_len=int(data["tail"].get("max_len", 24)),
        tail_patterns=[re.compile(p, flags) for p in data["tail"].get("patterns", [])],
        next_article=frozenset(w.lower() for w in data["tail"].get("next_article", [])),
        tail_continue_paragraphs=int(data["tail"].get("continue_paragraphs", 2)),
        tail_continue_share=float(data["tail"].get("continue_share", 0.5)),
        tail_running_chars=int(data["tail"].get("running_chars", 120)),
        lifts=[(r["field"], re.compile(r["pattern"], flags), int(r.get("max_len", 200))) for r in data["lift"]],
        lead_lifts=[(r["field"], re.compile(r["pattern"], re.S), float(r.get("max_position", 0.1)))
                    for r in data.get("lead_lift", [])],
        credit_key=re.compile(r"(?:^|(?<=[\s|｜/,，;；、(（\[【]))(" + qualified + "|".join(map(re.escape, keys)) +
                              r")(?=\s*(?:[:：/|｜丨]|\s|$)|[\u4e00-\u9fff])\s*[:：/|｜丨]?\s*", re.I),
        credit_max_len=int(credits.get("max_len", 90)),
        credit_max_value=int(credits.get("max_value_len", 16)),
        credit_fields=fields_map,
        ends_article=frozenset(k.lower() for k in credits.get("ends_article", [])),
        end_min_position=float(credits.get("end_min_position", 0.5)),
        ends_article_strong=frozenset(k.lower() for k in credits.get("ends_article_strong", [])),
        end_strong_min_position=float(credits.get("end_strong_min_position", 0.25)),
        drops=[(r["name"], re.compile(r["pattern"], flags), int(r.get("max_len", 10_000)),
                float(r.get("min_position", 0.0)), float(r.get("max_position", 1.0))) for r in data["drop"]],
        nav_words=frozenset(w.lower() for w in data["nav"]["words"]),
        nav_max_len=int(data["nav"].get("max_len", 60)),
        trims=[(r["name"], re.compile(r["pattern"], flags)) for r in data["trim"]],
        box_labels=frozenset(data.get("boxes", {}).get("labels", [])),
        pager_words=frozenset(w.lower() for w in data.get("listing", {}).get("pager_words", [])),
        pager_patterns=[re.compile(p, re.I) for p in data.get("listing", {}).get("pager_patterns", [])],
        pager_min_markers=int(data.get("listing", {}).get("min_markers", 2)),
        title_labels={**{lab.lower(): "zh" for lab in data.get("titles", {}).get("zh_labels", [])},
                      **{lab.lower(): "en" for lab in data.get("titles", {}).get("en_labels", [])}},
        title_box_max=int(data.get("titles", {}).get("max_len", 160)),
        info_heading_max=int(data.get("titles", {}).get("info_heading_max", 120)),
        info_heading_siblings=int(data.get("titles", {}).get("info_heading_siblings", 3)),
        info_heading_candidates=int(data.get("titles", {}).get("info_heading_candidates", 30)),
        credit_value_reject=[re.compile(p) for p in credits.get("value_reject", [])],
        search_path_words=frozenset(w.lower() for w in data.get("search", {}).get("path_words", [])),
        search_params=frozenset(w.lower() for w in data.get("search", {}).get("params", [])),
        search_markers=[re.compile(p, re.I) for p in data.get("search", {}).get("markers", [])],
        glossary_headings=frozenset(w.lower() for w in data.get("glossary", {}).get("headings", [])),
        glossary_item=re.compile(data["glossary"]["item"], re.I) if data.get("glossary", {}).get("item") else None,
        notice_label=re.compile(data["notice"]["label"], re.I) if data.get("notice", {}).get("label") else None,
        staff_code=re.compile(credits["staff_code"]) if credits.get("staff_code") else None,
        box_line=re.compile(credits["box_line"], re.I) if credits.get("box_line") else None,
        credit_phrases=[(ph["key"], re.compile(ph["pattern"], re.I)) for ph in credits.get("phrases", [])],
        caption_markers=[re.compile(p, re.I) for p in data.get("captions", {}).get("markers", [])],
        caption_max=int(data.get("captions", {}).get("max_len", 120)),
        status=StatusRules.from_table(data.get("status", {})),
        bylines=BylineRules.from_table(data.get("bylines", {})),
    )


#: the packaged rules, compiled once: what every extraction step is handed
RULES = load_rules()
