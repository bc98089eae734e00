"""Long PDFs joined part by part (consult/documents/pdf_join.py)."""

import io

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from consult.documents.pdf_join import PdfJoin

A4 = (595.28, 841.89)


def _part(*texts: str, landscape: bool = False) -> bytes:
    size = "A4 landscape" if landscape else "A4"
    pages = "".join(f'<p style="break-after: page">{text}</p>' for text in texts)
    style = f"@page {{ size: {size} }} body {{ font-family: 'DejaVu Sans' }}"
    return HTML(string=f"<style>{style}</style>{pages}").write_pdf()


def _footers(first: int, total: int, count: int) -> bytes:
    texts = [f"Halaman {n} dari {total}" for n in range(first, first + count)]
    return _part(*texts)


def _words(page) -> str:
    return " ".join(page.extract_text().split())


def _joined(*parts: bytes, title: str = "Rekapitulasi") -> PdfReader:
    out = io.BytesIO()
    joined = PdfJoin(out)
    sizes = [joined.add_part(part) for part in parts]
    first = 1
    for part_sizes in sizes:
        joined.add_footers(_footers(first, joined.page_count, len(part_sizes)))
        first += len(part_sizes)
    joined.finish(title)
    return PdfReader(out, strict=True)


def test_parts_are_joined_in_order_each_page_with_its_footer():
    reader = _joined(_part("Bab satu", "Bab dua"), _part("Bab tiga", landscape=True))
    pages = [_words(page) for page in reader.pages]
    assert len(pages) == 3
    chapters = ("satu", "dua", "tiga")
    for number, (text, chapter) in enumerate(zip(pages, chapters, strict=True), start=1):
        assert f"Bab {chapter}" in text and f"Halaman {number} dari 3" in text
    widths = [round(float(page.mediabox.width), 2) for page in reader.pages]
    assert widths == [A4[0], A4[0], A4[1]]


def test_the_joined_file_carries_its_title_escaped():
    title = "Rekap (uji) \\ masukan — ü"
    reader = _joined(_part("Isi"), title=title)
    assert reader.metadata.title == title


def _growth_per_part(part: bytes, times: int) -> list[int]:
    joined = PdfJoin(io.BytesIO())
    written = [joined.out.tell()]
    for _ in range(times):
        joined.add_part(part)
        written.append(joined.out.tell())
    return [after - before for before, after in zip(written, written[1:], strict=False)]


def test_each_part_is_written_out_as_it_is_added_not_held_until_the_end():
    # pypdf's PdfWriter held every joined page until it saved: about 320 MB at 8,453 pages.
    part = _part(*(f"Halaman isi {n}" for n in range(6)))
    grown = _growth_per_part(part, 3)
    assert grown[0] > 0.8 * len(part)
    assert all(later > 0.3 * len(part) for later in grown[1:])


def test_streams_shared_by_parts_are_written_once():
    # Every part embeds the same fonts again: the joined file keeps them once.
    part = _part("Sama di setiap bagian")
    first, *later = _growth_per_part(part, 3)
    assert all(size < first / 2 for size in later)
    reader = _joined(part, part)
    assert [_words(page) for page in reader.pages] == [
        "Sama di setiap bagian Halaman 1 dari 2",
        "Sama di setiap bagian Halaman 2 dari 2",
    ]


def test_a_page_without_its_footer_is_refused():
    joined = PdfJoin(io.BytesIO())
    joined.add_part(_part("Isi"))
    with pytest.raises(ValueError):
        joined.finish("x")


def test_a_page_keeps_its_own_images_beside_its_footer():
    # A letterhead logo is a form or image the page already names in its resources.
    from base64 import b64encode

    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(logo, "PNG")
    uri = "data:image/png;base64," + b64encode(logo.getvalue()).decode()
    part = HTML(string=f'<img src="{uri}" style="width: 2cm"><p>Kop surat</p>').write_pdf()
    reader = _joined(part)
    page = reader.pages[0]
    names = sorted(page["/Resources"]["/XObject"])
    assert len(names) == 2 and "/RembukFooter" in names
    assert _words(page) == "Kop surat Halaman 1 dari 1"
