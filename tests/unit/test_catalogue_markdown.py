"""Descriptions: Markdown rendered, then sanitised; nothing executable survives."""

from html.parser import HTMLParser

import pytest

from app.services.markdown import render


def test_markdown_renders_with_gov_uk_classes():
    html = render("Learn **open data** with [Etalab](https://www.etalab.gouv.fr).\n\n- one\n- two")
    assert '<p class="govuk-body">' in html and "<strong>open data</strong>" in html
    assert 'href="https://www.etalab.gouv.fr"' in html and 'class="govuk-link"' in html
    assert 'rel="noopener nofollow"' in html
    assert '<ul class="govuk-list govuk-list--bullet">' in html and "<li>two</li>" in html


@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "Hello <script>alert(1)</script> world",
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    "<img src=x onerror=alert(1)>",
    "[x](JaVaScRiPt:alert(1))",
    "<iframe src=https://evil.example></iframe>",
    '<p onclick="alert(1)">hi</p>',
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
])
def test_nothing_executable_survives(source):
    tags = _tags(str(render(source)))
    assert {name for name, _ in tags} <= {"p", "a", "strong", "em"}
    for _, attrs in tags:
        assert not any(name.startswith("on") for name, _ in attrs)
        href = dict(attrs).get("href")
        assert href is None or href.startswith(("http://", "https://", "mailto:"))


def _tags(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element the browser would build from ``html``, with its attributes."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Parser().feed(html)
    return found


def test_raw_html_is_shown_as_text_not_dropped_silently():
    assert "&lt;script&gt;" in render("<script>alert(1)</script>")


def test_headings_and_images_are_reduced_to_text():
    html = render("# Big title\n\n![logo](https://example.org/logo.png)")
    assert "<h1" not in html and "Big title" in html and "<img" not in html


def test_empty_description_is_empty():
    assert render("") == "" and render(None) == "" and render("  \n") == ""
