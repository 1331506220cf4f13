"""Pages that are never articles: deleted, blocked by anti-crawl checks, or not articles.

Markers are matched only on short pages (or on WeChat's error containers) so that a
real article which merely *mentions* 环境异常 is not thrown away.
"""
from __future__ import annotations

from harvester.extract.dom import Doc, node_text

DELETED_MARKERS = (
    "该内容已被发布者删除", "此内容已被发布者删除", "此内容因违规无法查看", "该内容因违规无法查看",
    "此内容被多人投诉", "该公众号已迁移", "此帐号已被屏蔽", "此账号已被屏蔽", "此帐号已自主注销",
    "此账号已自主注销", "链接已过期", "该文章已被删除", "此文章已被删除", "内容已删除",
    "该内容已被删除", "此内容已被删除", "已停止访问该网页", "涉嫌违反相关法律法规和政策",
    "the content has been deleted", "this content has been deleted by the author",
)
BLOCKED_MARKERS = (
    "环境异常", "访问过于频繁", "完成验证后即可继续访问", "请在微信客户端打开链接", "请完成安全验证",
    "当前环境异常", "操作频繁", "请输入验证码", "验证码", "人机验证", "访问受限", "请稍后再试",
    "captcha", "access denied", "are you a robot", "unusual traffic",
)
# WeChat's message box on error pages (expired links, deletions, checks).
ERROR_XPATH = ("//*[contains(@class,'weui-msg')] | //*[contains(@class,'global_error_msg')]"
               " | //*[@id='js_verify'] | //*[contains(@class,'warn_msg')]")
SHORT_PAGE = 600  # visible characters: error and check pages are tiny
MIN_BODY_CHARS = 60  # below this an extracted "body" is not an article


def visible_text(doc: Doc, limit: int = 5000) -> str:
    """The body's text without scripts and styles, capped (only short pages matter)."""
    body = doc.tree.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    size = 0
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail and el.tail.strip():
                parts.append(el.tail.strip())
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                parts.append(piece.strip())
                size += len(piece)
        if size > limit:
            break
    return " ".join(parts)


def _has(text: str, markers: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(m.lower() in low for m in markers)


def page_status(doc: Doc) -> str | None:
    """'deleted' / 'blocked' when the page says so, else None (decided later from the body)."""
    box = " ".join(node_text(el) for el in doc.tree.xpath(ERROR_XPATH))
    text = visible_text(doc)
    if len(text) > SHORT_PAGE and not box:
        return None
    probe = box + " " + (text if len(text) <= SHORT_PAGE else "")
    if _has(probe, DELETED_MARKERS):
        return "deleted"
    if _has(probe, BLOCKED_MARKERS):
        return "blocked"
    return None


def is_listing(doc: Doc) -> bool:
    """Account history / profile pages and link lists are index pages, not articles."""
    if doc.first("//*[@id='history'] | //*[contains(@class,'profile_info')] | //*[@id='js_profile_qrcode']") is not None \
            and doc.first("//*[@id='js_content']") is None:
        return True
    return False


def body_status(n_chars: int) -> str:
    """Decide on the extracted body: too little text means not an article."""
    return "article" if n_chars >= MIN_BODY_CHARS else "not_article"
