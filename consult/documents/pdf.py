"""A Document as PDF: HTML and CSS (templates/documents/) laid out by WeasyPrint.

Nothing is fetched: the logo is embedded as a data URI, fonts come from the system through
fontconfig, and the URL fetcher refuses every address that is not a data URI (a stray
<img src="http://..."> in a template can neither leak nor hang the render).
"""

import base64
import io
import itertools
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO

from flask import current_app

from consult.documents.model import Document, Links, Table

# fontTools logs every table of every font subset at INFO: thousands of lines per long document.
logging.getLogger("fontTools").setLevel(logging.WARNING)

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


_fonts = threading.local()


def _font_config():
    """WeasyPrint's font configuration, one per thread and kept: each new one leaves about
    0.3 MB of fontconfig and Pango memory behind when it goes, which a worker making
    documents all day, or a long document made in hundreds of parts, would collect."""
    from weasyprint.text.fonts import FontConfiguration

    if not hasattr(_fonts, "config"):
        _fonts.config = FontConfiguration()
    return _fonts.config


def _css_string(text: str) -> str:
    return json.dumps(text)  # a CSS string literal: quotes and backslashes escaped


def _page_label(template: str, pages: int | None = None) -> str:
    """ "Halaman {page} dari {pages}" as CSS content with page counters; with pages given,
    that number stands for {pages} (a part of a longer document counts its own pages only)."""
    parts = []
    rest = template
    while rest:
        head, sep, tail = rest.partition("{")
        if head:
            parts.append(_css_string(head))
        if not sep:
            break
        name, _, rest = tail.partition("}")
        if name == "pages":
            parts.append("counter(pages)" if pages is None else _css_string(str(pages)))
        else:
            parts.append("counter(page)")
    return " ".join(parts) or '""'


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


def _laid_out(html: str) -> bytes:
    """HTML laid out by WeasyPrint as PDF bytes: nothing fetched, the thread's fonts shared."""
    from weasyprint import HTML

    document = HTML(string=html, url_fetcher=local_fetcher(), base_url="data:,")
    return document.write_pdf(font_config=_font_config())


def render_pdf(document: Document) -> bytes:
    """The document as PDF bytes."""
    return _laid_out(render_html(document))


# --- long documents: rendered in parts, page numbers drawn over as they are joined -------

# Rows a part holds: its layout is most of a long render's memory (about 120 MB at 150 rows;
# 300 rows took 30 MB more at 5,000 comments, for 3 % fewer pages).
ROWS_PER_PART = 150


def _cut(blocks, rows_per_part: int) -> Iterator[list]:
    """The blocks in runs of about rows_per_part table rows (a long table cut between rows)."""
    current: list = []
    rows = 0
    for block in blocks:
        if not isinstance(block, Table) or len(block.rows) <= rows_per_part - rows:
            current.append(block)
            rows += len(block.rows) if isinstance(block, Table) else 0
            continue
        remaining, title = list(block.rows), block.title
        while remaining:
            room = max(rows_per_part - rows, 1)
            chunk, remaining = remaining[:room], remaining[room:]
            current.append(replace(block, rows=chunk, title=title))
            title = ""
            rows += len(chunk)
            if remaining or rows >= rows_per_part:
                yield current
                current, rows = [], 0
    if current:
        yield current


def split_parts(document: Document, rows_per_part: int = ROWS_PER_PART) -> Iterator[Document]:
    """The document cut into parts of about rows_per_part table rows each, a long table's
    header repeated. Made as they are read, and the blocks read as the parts are, so a long
    document is never all in memory. The letterhead and title open the first part, the list
    of links closes the last (one part is held back: only the next says it is not the last).
    """
    held = None
    for index, blocks in enumerate(_cut(document.blocks, rows_per_part)):
        if held is not None:
            yield held
        held = replace(document, blocks=blocks, links=Links())
        if index:
            held.letterhead, held.title, held.number, held.subtitle = None, "", "", ""
    if held is None:
        held = replace(document, blocks=[])
    held.links = document.links  # complete once every block has been read
    yield held


def _footers(document: Document, sizes: list[tuple[float, float]], first: int, total: int) -> bytes:
    """A PDF of empty pages, one per page of a part, each with its footer only: numbered from
    first, out of total."""
    width, height = PAGE_SIZES.get(document.paper, PAGE_SIZES["A4"])
    pages = "".join(f'<div class="{"wide" if w > h else "tall"}"></div>' for w, h in sizes)
    style = (
        f"@page {{ size: {width} {height}; margin: 2cm 2cm 2.2cm 2.5cm;"
        f" @bottom-right {{ content: {_page_label(document.page_label, total)};"
        ' font-family: "Liberation Sans", "DejaVu Sans", sans-serif; font-size: 8.5pt; }}'
        f" @page :first {{ counter-reset: page {first}; }}"
        f" @page wide {{ size: {height} {width}; margin: 2cm 1.5cm 2cm 1.5cm; }}"
        " .wide { page: wide; } div { break-after: page; height: 1px; }"
        " div:last-child { break-after: auto; }"
    )
    return _laid_out(f"<html><head><style>{style}</style></head><body>{pages}</body></html>")


def render_pdf_in_parts(document: Document, rows_per_part: int = ROWS_PER_PART) -> bytes:
    """The document as PDF bytes, laid out part by part (write_pdf_in_parts)."""
    out = io.BytesIO()
    write_pdf_in_parts(document, out, rows_per_part)
    return out.getvalue()


def write_pdf_in_parts(
    document: Document, out: BinaryIO, rows_per_part: int = ROWS_PER_PART
) -> None:
    """A long document written to out part by part, so WeasyPrint's layout memory is one
    part's, and joined as the parts come (pdf_join), so neither the joined pages nor the
    file are held. The footers ("Halaman X dari Y") are laid out part by part once the page
    count is known (8,453 footer pages in one pass took about 1 GB)."""
    from consult.documents.pdf_join import PdfJoin

    parts = split_parts(document, rows_per_part)
    opening = next(parts)
    second = next(parts, None)
    if second is None:  # one part: laid out in one pass, page numbers included
        out.write(render_pdf(opening))
        return
    joined = PdfJoin(out)
    sizes: list[list[tuple[float, float]]] = []
    for part in itertools.chain([opening, second], parts):
        part.page_label = ""
        sizes.append(joined.add_part(_laid_out(render_html(part))))
    first = 1
    for part_sizes in sizes:
        joined.add_footers(_footers(document, part_sizes, first, joined.page_count))
        first += len(part_sizes)
    joined.finish(document.title)
