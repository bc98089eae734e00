"""A Document as PDF: HTML and CSS (templates/documents/) laid out by WeasyPrint.

Nothing is fetched: the logo is embedded as a data URI, fonts come from the system through
fontconfig, and the URL fetcher refuses every address that is not a data URI (a stray
<img src="http://..."> in a template can neither leak nor hang the render).
"""

import base64
import json

from flask import current_app

from consult.documents.model import Document

PAGE_SIZES = {"A4": ("210mm", "297mm"), "F4": ("215mm", "330mm")}


class FetchRefused(ValueError):
    """The document tried to load something that is not embedded in it."""


def local_fetcher():
    """WeasyPrint's URL fetcher for documents: data URIs only, anything else refused."""
    from weasyprint.urls import URLFetcher

    class DataOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith("data:"):
                raise FetchRefused(f"Documents load nothing from outside: {url[:80]}")
            return super().fetch(url, headers)

    return DataOnlyFetcher(allowed_protocols={"data"}, allow_redirects=False)


def _css_string(text: str) -> str:
    return json.dumps(text)  # a CSS string literal: quotes and backslashes escaped


def _page_label(template: str) -> str:
    """ "Halaman {page} dari {pages}" as CSS content with page counters."""
    parts = []
    rest = template
    while rest:
        head, sep, tail = rest.partition("{")
        if head:
            parts.append(_css_string(head))
        if not sep:
            break
        name, _, rest = tail.partition("}")
        parts.append("counter(pages)" if name == "pages" else "counter(page)")
    return " ".join(parts)


def render_html(document: Document) -> str:
    """The document as one HTML page with its print stylesheet."""
    width, height = PAGE_SIZES.get(document.paper, PAGE_SIZES["A4"])
    portrait, landscape = f"{width} {height}", f"{height} {width}"
    logo = document.letterhead.logo_png if document.letterhead else None
    # Straight from the Jinja environment: no request, session or context processor needed,
    # so documents render the same in a view, a task or the benchmark.
    template = current_app.jinja_env.get_template("documents/document.html")
    return template.render(
        doc=document,
        logo_uri=("data:image/png;base64," + base64.b64encode(logo).decode()) if logo else "",
        page_size=landscape if document.landscape else portrait,
        page_size_wide=landscape,
        page_label=_page_label(document.page_label),
    )


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes."""
    from weasyprint import HTML

    html = HTML(string=render_html(document), url_fetcher=local_fetcher(), base_url="data:,")
    return html.write_pdf()
