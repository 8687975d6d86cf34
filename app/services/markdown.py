"""Markdown descriptions as safe HTML: CommonMark without raw HTML, then sanitised with nh3.

Two layers on purpose. markdown-it-py with ``html`` off escapes any HTML an author types and refuses
``javascript:`` links; nh3 (the ammonia sanitiser) then keeps only the tags and attributes listed here,
so a bug or an option changed in one layer cannot let a script through on its own.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset({"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre",
                          "blockquote"})
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
# GOV.UK Frontend styles only elements that carry its classes; the sanitiser adds them.
CLASSES = {
    "p": {"class": "govuk-body"},
    "a": {"class": "govuk-link"},
    "ul": {"class": "govuk-list govuk-list--bullet"},
    "ol": {"class": "govuk-list govuk-list--number"},
    "blockquote": {"class": "govuk-inset-text"},
}

_markdown = MarkdownIt("commonmark", {"html": False})


def render(text: str | None) -> Markup:
    """The Markdown ``text`` as sanitised HTML, safe to put in a page as it is."""
    if not text or not text.strip():
        return Markup("")
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener nofollow",
        set_tag_attribute_values=CLASSES,
    )
    return Markup(clean.strip())  # noqa: S704 - sanitised by nh3 just above
