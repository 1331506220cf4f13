"""The metadata cascade: site templates in order, then what any page has.

The WeChat template (when the page is one) speaks first, then the portal template, then
generic fallbacks (og:site_name, <title>); each field takes the first non-empty answer.
"""
from __future__ import annotations

from harvester.extract.dom import Doc, node_text
from harvester.extract.portal import PortalTemplate, site_from_title, strip_site_suffix
from harvester.extract.rules import RULES
from harvester.extract.template import Metadata, Template
from harvester.extract.wechat import WeChatTemplate

WECHAT = WeChatTemplate()
PORTAL = PortalTemplate(RULES)


def templates_for(doc: Doc) -> list[Template]:
    """The templates that apply to this page, most specific first."""
    return [WECHAT, PORTAL] if WECHAT.matches(doc) else [PORTAL]


def metadata_cascade(doc: Doc, templates: list[Template]) -> Metadata:
    """First non-empty value per field: site templates in order, then generic fallbacks."""
    meta = Metadata()
    for template in templates:
        meta.fill_from(template.metadata(doc))
    meta.fill_from(fallback_metadata(doc))
    return meta

def fallback_metadata(doc: Doc) -> Metadata:
    """Whatever any page has: og:site_name, an element marked as the source, the outlet printed before
    the time under the headline, the <title>'s site part."""
    title = node_text(doc.tree.find(".//title"))
    return Metadata(title=strip_site_suffix(title, doc.meta_value("og:site_name")) if title else None,
                    source=doc.meta_value("og:site_name", "application-name") or PORTAL.source_element(doc)
                    or PORTAL.unlabelled_source(doc) or site_from_title(title, PORTAL.headline(doc)) or None)
