"""Markdown to safe HTML, rendered once when a lesson is saved.

Markdown is CommonMark plus tables (markdown-it-py). Raw HTML is allowed but reduced by the
nh3 allow-list: no scripts, event handlers or style attributes; links only http, https,
mailto and relative; images only from the site's media or https.
"""
from collections.abc import Callable
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass
class ImageRef:
    url: str
    width: int | None = None
    height: int | None = None


# Resolve a path written in Markdown (images/x.svg) to where the browser loads it, or None.
ImageResolver = Callable[[str], ImageRef | None]
# Resolve a "lesson:KEY" link to a URL, or None when the key is unknown.
LessonLinkResolver = Callable[[str], str | None]


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        if value.startswith("/media/") or value.startswith("https://"):
            return value
        return None
    return value


def sanitize(html: str) -> str:
    """The one allow-list every piece of user-written HTML passes through."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_attribute_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(
    source: str,
    resolve_image: ImageResolver | None = None,
    resolve_lesson: LessonLinkResolver | None = None,
) -> str:
    """Render lesson Markdown to sanitized HTML, rewriting course-relative images and lesson links."""
    md = _markdown()
    tokens = md.parse(source or "")
    for token in tokens:
        for child in token.children or []:
            if child.type == "image":
                src = str(child.attrGet("src") or "")
                ref = resolve_image(src) if resolve_image and not src.startswith("https://") else None
                if ref is not None:
                    child.attrSet("src", ref.url)
                    if ref.width and ref.height:
                        child.attrSet("width", str(ref.width))
                        child.attrSet("height", str(ref.height))
                child.attrSet("loading", "lazy")
                child.attrSet("decoding", "async")
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if href.startswith("lesson:") and resolve_lesson:
                    child.attrSet("href", resolve_lesson(href[len("lesson:"):]) or "#")
    html = md.renderer.render(tokens, md.options, {})
    return sanitize(html)


def image_paths(source: str) -> list[tuple[str, str]]:
    """(src, alt) of every image written in Markdown, for validation."""
    found = []
    for token in _markdown().parse(source or ""):
        for child in token.children or []:
            if child.type == "image":
                alt = "".join(c.content for c in child.children or [])
                found.append((str(child.attrGet("src") or ""), alt))
    return found


def link_targets(source: str) -> list[str]:
    """Every link target written in Markdown, for validation."""
    found = []
    for token in _markdown().parse(source or ""):
        for child in token.children or []:
            if child.type == "link_open":
                found.append(str(child.attrGet("href") or ""))
    return found


def plain_text(text: str) -> str:
    """Names, titles and other short user text are plain text: escaped by Jinja, never HTML."""
    return " ".join((text or "").split())
