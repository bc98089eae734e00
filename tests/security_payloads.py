"""A corpus of hostile inputs, and the checks that a page or export kept them as text.

Every payload carries a marker (XSS<n>) so a test can tell that the page really showed the
field it poisoned, rather than passing because the text never appeared at all.
"""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

SCRIPT = "<script>alert(1)</script>"
IMG_ONERROR = '"><img src=x onerror=alert(1)>'
SVG_ONLOAD = "<svg onload=alert(1)>"
IFRAME = '<iframe src="https://evil.example/"></iframe>'
TEMPLATE = "{{7*7}}"
QUOTES = '" onmouseover="alert(1)" x=\''
SINGLE_QUOTES = "' onfocus='alert(1)' autofocus x='"
JS_URL = "javascript:alert(1)"
MD_JS_LINK = "[x](javascript:alert(1))"
MD_DATA_LINK = "[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)"
MD_JS_IMAGE = "![i](javascript:alert(1))"
MD_RAW_HTML = '<a href="javascript:alert(1)">klik</a>'
FORMULA = '=HYPERLINK("http://evil.example","klik")'

# Plain-text fields: one line, short enough for a 120-character column with its marker.
LINE_PAYLOADS = (SCRIPT, IMG_ONERROR, SVG_ONLOAD, TEMPLATE, QUOTES, SINGLE_QUOTES, JS_URL)
# Markdown fields: everything at once.
MARKDOWN_PAYLOADS = (
    SCRIPT,
    IMG_ONERROR,
    SVG_ONLOAD,
    IFRAME,
    TEMPLATE,
    QUOTES,
    MD_JS_LINK,
    MD_DATA_LINK,
    MD_JS_IMAGE,
    MD_RAW_HTML,
)


def line(marker: str) -> str:
    """A one-line payload (under 120 characters) for names, titles and the like."""
    text = f"{marker} {SCRIPT}{IMG_ONERROR}{TEMPLATE}"
    assert len(text) <= 120
    return text


def line_with_quotes(marker: str) -> str:
    text = f"{marker} {QUOTES}{SVG_ONLOAD}"
    assert len(text) <= 120
    return text


def long_text(marker: str) -> str:
    """A multi-paragraph Markdown payload for bodies and descriptions."""
    return f"{marker} pembuka.\n\n" + "\n\n".join(f"{marker} {p}" for p in MARKDOWN_PAYLOADS)


# --- checking HTML ------------------------------------------------------------------------

_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
_FORBIDDEN_TAGS = {"iframe", "object", "embed", "frame", "frameset", "base"}
_EXECUTABLE_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _scheme_of(value: str) -> str:
    # Browsers ignore whitespace and control characters inside a scheme.
    return re.sub(r"[\x00-\x20]", "", value).lower()


class _Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag}> with event handler {name}={value!r}")
            if name.lower() in _URL_ATTRIBUTES and value:
                if _scheme_of(value).startswith(_EXECUTABLE_SCHEMES):
                    self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in _FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            src = dict(attrs).get("src")
            kind = (dict(attrs).get("type") or "").lower()
            if kind == "application/json":
                return  # data, not code; the CSP would not run it either
            if not src:
                self.problems.append("inline <script>")
            else:
                parts = urlsplit(src)
                if parts.scheme or parts.netloc:
                    self.problems.append(f"<script src={src!r}> not from this site")

    handle_startendtag = handle_starttag


def html_problems(html: str) -> list[str]:
    """Markup a payload could have smuggled in: event handlers, script URLs, inline code."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    problems = list(inspector.problems)
    for raw in ("<script>alert(1)", "<svg onload=", "<img src=x onerror", "<iframe src="):
        if raw in html:
            problems.append(f"raw payload {raw!r} in the page")
    return problems


def shows_text(html: str, marker: str) -> bool:
    """The page shows the marker as text (after unescaping), i.e. the field was displayed."""
    from html import unescape

    return marker in unescape(html)
