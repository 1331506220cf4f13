"""English news pages the Chinese-first rules used to lose: short briefs and roundups on link-heavy
sites came out `not_article`, and a 'Read more' expander or a 'Recommended' box inside a story cut
the rest of the story. Every page here is invented; the shapes are those of real English news sites."""
from __future__ import annotations

from harvester.extract import extract
from harvester.extract.blocks import Block
from harvester.extract.cleaning import clean
from harvester.extract.rules import RULES
from harvester.page import Page

_SECTIONS = ("World Politics Business Technology Science Health Sports Entertainment Opinion Travel Style "
             "Food Video Podcasts Weather").split()
URL = "https://lantern.example/2021/03/03/ferry-fares/"


def _site(body: str, og_type: str = "article") -> str:
    """A news page whose menus, sidebar and footer hold far more (linked) text than its story."""
    nav = "".join(f'<li><a href="/section/{w.lower()}/">{w}</a></li>' for w in _SECTIONS)
    side = "".join(f'<li><a href="/2021/03/0{k % 9 + 1}/story-{k}/">Council weighs plan number {k} for the '
                   f'river bridges</a></li>' for k in range(18))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Ferry fares rise | The Lantern'
            f'</title><meta property="og:type" content="{og_type}"></head><body><header><nav><ul>{nav}</ul>'
            f'</nav></header><main><article><h1>Ferry fares rise</h1>{body}</article></main><aside><h3>Most read'
            f'</h3><ul>{side}</ul></aside><footer><ul>{nav}</ul></footer></body></html>')


def _extract(html: str):
    return extract(Page(body=html.encode("utf-8"), url=URL))


POINTS = [f"Route {k} fares go up by ten cents at peak times" for k in range(1, 7)]
BULLETS = "<div class='story'><p>What changes on Monday:</p><ul>" + "".join(f"<li>{x}</li>" for x in POINTS) + \
    "</ul></div>"
ROUNDUP = "<div class='story'>" + "".join(
    f'<p><a href="/2021/03/0{k}/item/">Harbour board approves works item {k}</a> — a note on what it costs.</p>'
    for k in range(1, 8)) + "</div>"


def test_short_story_of_plain_points_on_a_link_heavy_page_is_an_article():
    """No paragraph is long enough to be a text block and most of the page is links, but the body
    itself is plain text: not a links-only page, declared article or not."""
    for og_type in ("article", "website"):
        art = _extract(_site(BULLETS, og_type))
        assert art.status == "article", (og_type, art.status_reason)
        body = [p.text for p in art.paragraphs]
        assert POINTS[0] in body and POINTS[-1] in body


def test_roundup_of_linked_items_declared_an_article_is_an_article():
    """A roundup (or a live blog) reads like a list of links; the publisher's og:type article outweighs that."""
    art = _extract(_site(ROUNDUP))
    assert art.status == "article", art.status_reason
    assert any("works item 7" in p.text for p in art.paragraphs)


def test_undeclared_list_of_story_links_is_still_no_article():
    """Without the publisher's word the same list of story links is an index."""
    assert _extract(_site(ROUNDUP, og_type="website")).status == "not_article"


STORY = [
    "The harbour board voted on Tuesday to raise ferry fares by ten cents, the first rise in six years, "
    "citing the cost of fuel and of the crews who run the night boats.",
    "Commuters at the north pier said they had expected a rise, though several asked why the weekend "
    "fares would go up as well when the boats run half empty.",
    "The board said the extra money would pay for two quieter boats, due next spring, and for longer "
    "opening hours at the ticket office on the south side of the harbour.",
    "A public meeting on the timetable will be held at the town hall next month, and written comments "
    "can be sent to the board until the end of April.",
]


def _blocks(lines: list[str]) -> list[Block]:
    return [Block(text=t) for t in lines]


def test_read_more_expander_inside_a_story_is_dropped_alone():
    """'Read more' after the opening paragraphs of a mobile story expands the rest of it."""
    for label in ("Read more", "Recommended", "Trending"):
        out = clean(_blocks(STORY[:2] + [label] + STORY[2:]), RULES)
        assert [b.text for b in out.blocks] == STORY, label
        assert label in out.removed


def test_trailing_list_of_headlines_is_still_cut():
    """After the story, the same heading over headlines (one with a summary) ends the article."""
    tail = ["Council weighs new river bridge", "Night buses return to the ring road",
            "The ring road reopens after a week of repairs, the council said on Monday, with two lanes open."]
    for label in ("Read more", "Related stories", "You may also like"):
        out = clean(_blocks(STORY + [label] + tail), RULES)
        assert [b.text for b in out.blocks] == STORY, label
        assert tail[0] in out.removed and tail[-1] in out.removed


def test_history_section_or_author_box_is_no_wechat_account_page():
    """id="history" and a '…profile_info' class mark WeChat's account page only on WeChat's own pages;
    on a news site they are a story's 'History' section and an author box."""
    story = "".join(f"<p>{t}</p>" for t in STORY[:2])
    for extra in ('<h2 id="history">How the ferries began</h2><p>The first two steamers crossed the harbour in '
                  '1902, from a single wooden pier that still stands.</p>',
                  '<div class="author-profile_info"><p>Mara Quill covers transport for the paper.</p></div>'):
        art = _extract(_site(story + extra))
        assert art.status == "article", art.status_reason
        assert art.paragraphs[0].text == STORY[0]


def test_recaptcha_notice_on_a_short_page_is_no_block():
    """'This site is protected by reCAPTCHA' under a short story's comment form is no captcha wall."""
    html = ("<html><head><title>Ferry fares rise</title></head><body><h1>Ferry fares rise</h1>"
            + "".join(f"<p>{t}</p>" for t in STORY[:2])
            + "<form><p>This site is protected by reCAPTCHA and the Google Privacy Policy applies.</p></form>"
            "</body></html>")
    art = _extract(html)
    assert art.status == "article", art.status_reason


def test_index_page_whose_json_ld_lists_its_stories_is_still_no_article():
    """JSON-LD that lists the page's stories (an ItemList of NewsArticle entries) is no declaration
    that the page is one article."""
    entries = ",".join(f'{{"@type": "NewsArticle", "headline": "Harbour board approves works item {k}"}}'
                       for k in range(1, 8))
    ld = f'<script type="application/ld+json">{{"@type": "ItemList", "itemListElement": [{entries}]}}</script>'
    html = _site(ROUNDUP, og_type="website").replace("</head>", ld + "</head>")
    assert _extract(html).status == "not_article"
    ld_only = f'<script type="application/ld+json">[{entries}]</script>'
    html = _site(ROUNDUP, og_type="website").replace("</head>", ld_only + "</head>")
    assert _extract(html).status == "not_article"


def test_info_lines_go_but_sentences_that_start_like_them_stay():
    """'Updated: …' and 'Posted on …' info lines are furniture; a sentence that opens with 'Published'
    and a date, and an interview's 'Reporter: …?' question, are the story."""
    info = ["Updated: Mar. 3, 2021 10:20 p.m. (UTC+8)", "Posted on March 3, 2021",
            "By Mara Quill in Harbourtown | The Lantern | Updated: 2021-03-03 10:20 Share"]
    story = ["Published March 3, 2021, the report found that fares rose faster than wages.",
             "Reporter: Do you expect the fares to rise again next year?"]
    out = clean(_blocks([STORY[0], *info, *story, STORY[1]]), RULES)
    kept = [b.text for b in out.blocks]
    assert kept == [STORY[0], *story, STORY[1]]


def test_roundup_items_between_its_paragraphs_stay():
    """A roundup's linked items (paragraphs or a list) between its introduction and its closing words
    are the article's; trafilatura keeps them and so do we. Page furniture lists stand elsewhere."""
    intro = ("<p>Here is what the harbour board decided on Tuesday, item by item, with links to the full "
             "report on each decision.</p>")
    outro = ("<p>The board meets again in April, when it will vote on the timetable for the night boats and "
             "the weekend services.</p>")
    linked = [f'<a href="/2021/03/0{k}/item/">Harbour board approves works item {k}</a>' for k in range(1, 8)]
    for middle in ("".join(f"<p>{a} — money is set aside for it.</p>" for a in linked),
                   "<ul>" + "".join(f"<li>{a}: money is set aside for it.</li>" for a in linked) + "</ul>"):
        art = _extract(_site(intro + middle + outro))
        body = " ".join(p.text for p in art.paragraphs)
        assert all(f"works item {k}" in body for k in range(1, 8)), middle[:40]
        assert "Council weighs plan number" not in body  # the sidebar's list is not the article's


def test_ad_slot_labels_inside_a_story_go():
    """'Advertisement' over an ad slot and 'Story continues below advertisement' are no story text;
    a sentence about advertising is."""
    labels = ["ADVERTISEMENT", "Story continues below advertisement"]
    sentence = "Advertisement revenue at the harbour board fell sharply last year."
    out = clean(_blocks([STORY[0], labels[0], STORY[1], labels[1], sentence, STORY[2]]), RULES)
    assert [b.text for b in out.blocks] == [STORY[0], STORY[1], sentence, STORY[2]]


def test_site_logo_in_h1_is_not_the_headline():
    """A site whose logo is an <h1> ('The Lantern' over 'Ferry fares rise - The Lantern'): the story's
    own <h1> is the headline, and the logo is no title."""
    html = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>Ferry fares rise - The Lantern</title>'
            '<meta property="og:site_name" content="The Lantern"></head><body><header><h1><a href="/">The Lantern'
            '</a></h1></header><article><h1>Ferry fares rise</h1>' + "".join(f"<p>{t}</p>" for t in STORY)
            + "</article></body></html>")
    art = _extract(html)
    assert art.title == "Ferry fares rise"
    assert all(p.text != "The Lantern" for p in art.paragraphs)


def test_credit_link_under_a_photo_is_no_caption():
    """A <figcaption> that is only the photographer's credit link is not put back as a caption."""
    figure = ('<figure><img src="/img/pier.jpg" alt=""><figcaption class="credit"><a href="https://photos.example/'
              'mq/77">Mara Quill/Lantern Photos</a></figcaption></figure>')
    art = _extract(_site(f"<p>{STORY[0]}</p>{figure}" + "".join(f"<p>{t}</p>" for t in STORY[1:])))
    assert not any("Lantern Photos" in p.text for p in art.paragraphs)
    assert [p.text for p in art.paragraphs if p.role == "body"][-1] == STORY[-1]
