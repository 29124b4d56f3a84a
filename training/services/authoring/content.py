"""Markdown to safe HTML, rendered once when a lesson is saved.

Markdown is CommonMark plus tables (markdown-it-py). Raw HTML is allowed but reduced by the
nh3 allow-list: no scripts, event handlers or style attributes; links only http, https,
mailto and relative; images only from the site's media or https. Both libraries are imported
when a text is rendered: web workers that only show stored HTML do not hold them in memory.
"""
from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from ...models import Course, CourseMedia, Lesson
from . import glossary as glossary_terms

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li",
    "mark", "ol", "p", "picture", "pre", "s", "small", "source", "span", "strong", "sub",
    "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    # Task lists ("- [ ] 检查网络") are real checkboxes; glossary terms are links.
    "input", "label",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "data-explanation"},
    "input": {"checked"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding", "srcset", "sizes"},
    "source": {"srcset", "sizes", "type"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# The only classes kept (nh3 drops any other), and an <input> is always a checkbox.
ALLOWED_CLASSES = {
    "a": {"term"},
    "ul": {"contains-task-list"},
    "li": {"task-list-item"},
    "input": {"task-list-item-checkbox"},
}
FORCED_ATTRIBUTES = {"input": {"type": "checkbox"}}


# The lesson column is at most 728 px wide; phones use the whole width.
IMAGE_SIZES = "(max-width: 760px) 100vw, 728px"


@dataclass
class ImageRef:
    url: str
    width: int | None = None
    height: int | None = None
    # (url, width) of smaller copies in the same format, and of WebP copies.
    variants: list[tuple[str, int]] = field(default_factory=list)
    webp: list[tuple[str, int]] = field(default_factory=list)


def _srcset(items: list[tuple[str, int]]) -> str:
    return ", ".join(f"{url} {width}w" for url, width in items)


def picture_html(ref: ImageRef, alt: str, title: str = "") -> str:
    """An image with explicit size (no layout jump) and srcset/WebP sources when it has copies."""
    attrs = [f'src="{escape(ref.url)}"', f'alt="{escape(alt)}"']
    if title:
        attrs.append(f'title="{escape(title)}"')
    if ref.width and ref.height:
        attrs += [f'width="{ref.width}"', f'height="{ref.height}"']
    if ref.variants:
        attrs += [f'srcset="{escape(_srcset(ref.variants + [(ref.url, ref.width or 0)]))}"',
                  f'sizes="{IMAGE_SIZES}"']
    attrs += ['loading="lazy"', 'decoding="async"']
    img = f"<img {' '.join(attrs)}>"
    if not ref.webp:
        return img
    source = (f'<source type="image/webp" srcset="{escape(_srcset(ref.webp))}" '
              f'sizes="{IMAGE_SIZES}">')
    return f"<picture>{source}{img}</picture>"


# Resolve a path written in Markdown (images/x.svg) to where the browser loads it, or None.
ImageResolver = Callable[[str], ImageRef | None]
# Resolve a "lesson:KEY" link to a URL, or None when the key is unknown.
LessonLinkResolver = Callable[[str], str | None]


def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.tasklists import tasklists_plugin

    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    # Enabled checkboxes inside their label: the learner ticks them (remembered by static/js/app.js).
    return md.use(tasklists_plugin, enabled=True, label=True)


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if value.startswith(("/media/", "https://")) else None
    if attr == "srcset":
        # Each candidate must be one of the site's own media files.
        urls = [part.strip().split(" ")[0] for part in value.split(",") if part.strip()]
        return value if urls and all(u.startswith("/media/") for u in urls) else None
    if tag == "source" and attr == "type":
        return value if value in ("image/webp", "image/jpeg", "image/png") else None
    return value


def sanitize(html: str) -> str:
    """The one allow-list every piece of user-written HTML passes through."""
    import nh3

    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     attribute_filter=_attribute_filter, link_rel="noopener noreferrer",
                     strip_comments=True, allowed_classes=ALLOWED_CLASSES,
                     set_tag_attribute_values=FORCED_ATTRIBUTES)


def _inline_tokens(tokens: list) -> list:
    return [child for token in tokens for child in token.children or []]


def _alt(image) -> str:
    return "".join(c.content for c in image.children or [])


def render_markdown(source: str, resolve_image: ImageResolver | None = None,
                    resolve_lesson: LessonLinkResolver | None = None,
                    glossary: list[dict[str, str]] | None = None, glossary_url: str = "") -> str:
    """Render lesson Markdown to sanitized HTML, rewriting course-relative images and lesson
    links, and linking the first use of each glossary term to glossary_url."""
    md = _markdown()
    tokens = md.parse(source or "")
    glossary_terms.mark_terms(tokens, glossary, glossary_url)
    for child in _inline_tokens(tokens):
        if child.type == "image":
            src = str(child.attrGet("src") or "")
            ref = resolve_image(src) if resolve_image and not src.startswith("https://") else None
            if ref is not None:
                child.type = "html_inline"
                child.content = picture_html(ref, _alt(child), str(child.attrGet("title") or ""))
                continue
            child.attrSet("loading", "lazy")
            child.attrSet("decoding", "async")
        elif child.type == "link_open":
            href = str(child.attrGet("href") or "")
            if href.startswith("lesson:") and resolve_lesson:
                child.attrSet("href", resolve_lesson(href[len("lesson:"):]) or "#")
    return sanitize(md.renderer.render(tokens, md.options, {}))


def image_paths(source: str) -> list[tuple[str, str]]:
    """(src, alt) of every image written in Markdown, for validation."""
    return [(str(child.attrGet("src") or ""), _alt(child))
            for child in _inline_tokens(_markdown().parse(source or "")) if child.type == "image"]


def link_targets(source: str) -> list[str]:
    """Every link target written in Markdown, for validation."""
    return [str(child.attrGet("href") or "")
            for child in _inline_tokens(_markdown().parse(source or "")) if child.type == "link_open"]


# ---------------------------------------------------------------- a course's lessons


def lesson_path(course_slug: str, lesson_key: str) -> str:
    """The learner's URL of a lesson (matches learn.lesson)."""
    return f"/courses/{course_slug}/lessons/{lesson_key}"


def glossary_path(course_slug: str) -> str:
    """The learner's URL of a course's glossary (matches learn.glossary)."""
    return f"/courses/{course_slug}/glossary"


def image_ref(item: CourseMedia) -> ImageRef:
    """Where the browser loads a stored image, with its size and srcset copies."""
    variants = item.variants or []
    return ImageRef(
        item.url_path, item.width, item.height,
        variants=[(f"/media/{v['name']}", v["width"]) for v in variants
                  if v["content_type"] != "image/webp"],
        webp=[(f"/media/{v['name']}", v["width"]) for v in variants
              if v["content_type"] == "image/webp"],
    )


def normalise_path(src: str) -> str:
    normalised = posixpath.normpath(src.removeprefix("./"))
    while normalised.startswith("../"):
        normalised = normalised[3:]
    return normalised


def media_resolver(course: Course):
    by_path = {m.path: m for m in course.media}

    def resolve(src: str) -> ImageRef | None:
        item = by_path.get(normalise_path(src))
        return image_ref(item) if item and item.content_type.startswith("image/") else None

    return resolve


def render_body(course: Course, body_md: str) -> str:
    """Lesson Markdown of a course as the sanitized HTML learners see."""
    keys = {l.key for l in course.lessons}
    return render_markdown(
        body_md,
        resolve_image=media_resolver(course),
        resolve_lesson=lambda key: lesson_path(course.slug, key) if key in keys else None,
        glossary=course.glossary, glossary_url=glossary_path(course.slug),
    )


def render_lesson(course: Course, lesson: Lesson) -> None:
    """Render a lesson's Markdown to its stored HTML; called whenever the Markdown is saved."""
    lesson.body_html = render_body(course, lesson.body_md)
