"""Safe Markdown: markdown-it renders, nh3 (Ammonia) removes anything dangerous."""

import functools

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# No raw HTML from authors; links and images only with safe schemes.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)
_ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "del",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to sanitised HTML, safe to put in a page as it is."""
    if not text:
        return Markup("")
    return _render_markdown(str(text))


@functools.lru_cache(maxsize=4096)
def _render_markdown(text: str) -> Markup:
    # A pure function of the text, so a cached result is never out of date.
    html = _md.render(text)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # nosec B704 - sanitised by nh3 just above


def split_paragraphs(text: str | None) -> list[str]:
    """Split Markdown into its top-level blocks, the unit comments are anchored to."""
    if not text:
        return []
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return [block for block in blocks if block]
