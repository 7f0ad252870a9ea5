"""Which parts of an HTML page are its content, and which are the site around it.

Retrieval over a documentation site is useless when every chunk starts with the same menu, so the
site chrome is dropped: elements that are chrome by tag (nav, header, footer, aside ...), by ARIA
role, or by an obvious class or id ("mainmenu", "fancy_toc", "breadcrumbs"). Names are a guess, so
guards keep a guess from eating the page: the main content tags and headings (whose ids are slugs
of their own text) are never dropped by name, nor is any element holding more than half the text
(a wrapper like ``<div class="page has-sidebar">``). A page that marks its content with <main> or
<article> is trusted, as long as that holds a fair share of the text.
"""

from __future__ import annotations

import re

from lxml import etree

DROP_TAGS = frozenset(
    "script style noscript nav header footer aside form template svg math iframe object embed "
    "canvas button select input textarea option map audio video dialog head title".split()
)
# Kept when inside <article>/<main>: there they hold the article's own title, not the site's.
_SITE_ONLY_TAGS = frozenset({"header"})
# Tags dropped only when they do not hold most of the page (ASP.NET wraps whole pages in <form>).
_GUARDED_TAGS = frozenset({"form"})
_DROP_ROLES = frozenset(
    "navigation banner contentinfo search menu menubar complementary toolbar dialog".split()
)
# A class or id word matches when it starts or ends with a hint: "navbar", "topnav", "mainmenu".
_HINTS = ("nav", "menu", "breadcrumb", "sidebar", "footer", "toc", "tagline")
_NOT_HINTS = frozenset({"navy"})  # a colour utility class
_NEVER_BY_HINT = frozenset({"html", "body", "main", "article", "h1", "h2", "h3", "h4", "h5", "h6"})
# Ids of these are usually slugs of their own title ("<section id='navigation'>" in a UI guide).
_CLASS_ONLY = frozenset({"section"})
_WORD = re.compile(r"[a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_MAX_DROPPED_SHARE = 0.5
_MIN_CONTENT_SHARE = 0.3

_TEXT = etree.XPath("string-length(normalize-space(.))")


def content_roots(root: etree._Element) -> list[etree._Element]:
    """The elements to read: the page's <main>, else its outermost <article>s, else <body>."""
    body = root.find("body")
    body = root if body is None else body
    total = text_length(body)
    mains = body.xpath(".//main | .//*[@role='main']")
    if mains:
        best = max(mains, key=text_length)
        if text_length(best) >= _MIN_CONTENT_SHARE * total:
            return [best]
    articles = body.xpath(".//article[not(ancestor::article)]")
    if articles and sum(text_length(a) for a in articles) >= _MIN_CONTENT_SHARE * total:
        return articles
    return [body]


class Boilerplate:
    """Decides, element by element, what to skip inside one content root."""

    def __init__(self, root: etree._Element) -> None:
        self._root_length = max(text_length(root), 1)
        self._in_content = root.tag in ("main", "article") or bool(
            root.xpath("ancestor::main | ancestor::article")
        )

    def is_dropped(self, element: etree._Element, tag: str) -> bool:
        if tag in DROP_TAGS:
            if tag in _SITE_ONLY_TAGS and (self._in_content or _inside_content(element)):
                return False
            return tag not in _GUARDED_TAGS or not self._holds_most(element)
        get = element.get
        if get("hidden") is not None or get("aria-hidden") == "true":
            return True
        style = get("style")
        if style and "display:none" in style.replace(" ", "").lower():
            return True
        if (get("role") or "").lower() in _DROP_ROLES:
            return True
        if tag in _NEVER_BY_HINT:
            return False
        names = get("class") or ""
        if tag not in _CLASS_ONLY:
            names = f"{names} {get('id') or ''}"
        return _hinted(names) and not self._holds_most(element)

    def _holds_most(self, element: etree._Element) -> bool:
        return text_length(element) > _MAX_DROPPED_SHARE * self._root_length


def text_length(element: etree._Element) -> int:
    """Characters of visible-ish text (whitespace collapsed); script text counts, cheaply."""
    return int(_TEXT(element))


def _hinted(names: str) -> bool:
    if not names.strip():
        return False
    for word in _WORD.findall(_CAMEL.sub("-", names).lower()):
        if word not in _NOT_HINTS and any(word.startswith(h) or word.endswith(h) for h in _HINTS):
            return True
    return False


def _inside_content(element: etree._Element) -> bool:
    return bool(element.xpath("ancestor::main | ancestor::article"))
