"""The parts of a long PDF joined as they come, each page with a footer drawn over it.

pypdf's PdfWriter and qpdf both hold every page of the joined document until they save: about
320 MB at the 8,453 pages of the 50,000-comment rekapitulasi (docs/benchmarks.md). Here each
part's objects are written to the output as soon as the part is read, so memory follows one
part. The footers ("Halaman X dari Y") can only be laid out once the page count is known:
each page names a footer object whose number is reserved when the page is written, and the
footers are written at the end. Streams that need nothing else (the fonts and the logo,
embedded again in every part) are written once and shared.

The objects are pypdf's; only the file's frame (objects, cross-reference table, trailer) is
written here, as the PDF 1.7 specification (ISO 32000-1, 7.5) lays it out.
"""

import hashlib
import io
import zlib
from array import array
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

_PAGE_TREE, _CATALOGUE = 1, 2
_FOOTER = NameObject("/RembukFooter")


def _ref(number: int) -> IndirectObject:
    return IndirectObject(number, 0, None)


def _stream(data: bytes) -> StreamObject:
    stream = StreamObject()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    stream.set_data(zlib.compress(data))
    return stream


def _refers(value: PdfObject) -> bool:
    """Whether the value names another object."""
    if isinstance(value, IndirectObject):
        return True
    if isinstance(value, DictionaryObject):
        return any(_refers(item) for item in value.values())
    if isinstance(value, ArrayObject):
        return any(_refers(item) for item in value)
    return False


class PdfJoin:
    """A PDF written to out part by part: add_part for each part in order, add_footers for
    each once the page count is known, then finish."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self._start = out.tell()
        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        # Machine integers, not Python objects: they live as long as the document, and small
        # objects kept between two layouts can hold on to memory the layouts free.
        self._offsets = array("q", [0] * (_CATALOGUE + 1))  # by object number
        self._last = _CATALOGUE
        self._pages = array("q")
        self._footers = array("q")
        self._footers_written = 0
        self._shared: dict[bytes, int] = {}  # a self-contained stream's digest → its number
        # Each page's own drawing is enclosed in q ... Q, so the footer is drawn in the page's
        # untransformed space, whatever the drawing left behind.
        self._before = self._write_new(_stream(b"q\n"))
        self._after = self._write_new(_stream(b"Q q " + _FOOTER.encode() + b" Do Q\n"))

    @property
    def page_count(self) -> int:
        return len(self._pages)

    def add_part(self, pdf: bytes) -> list[tuple[float, float]]:
        """Writes a part's pages and all they use; returns their sizes (width, height)."""
        reader = PdfReader(io.BytesIO(pdf))
        numbers: dict[int, int] = {}  # the part's object numbers → the joined file's
        for page in reader.pages:  # numbered first: a link may point to a later page
            numbers[page.indirect_reference.idnum] = self._reserve()
        sizes = []
        for page in reader.pages:
            number, footer = numbers[page.indirect_reference.idnum], self._reserve()
            self._pages.append(number)
            self._footers.append(footer)
            self._write(number, self._page(page, numbers, footer))
            sizes.append((float(page.mediabox.width), float(page.mediabox.height)))
        return sizes

    def add_footers(self, pdf: bytes) -> None:
        """Writes the footers of the next pages: one page of pdf over each, as a form."""
        reader = PdfReader(io.BytesIO(pdf))
        numbers: dict[int, int] = {}
        for page in reader.pages:
            drawn = (ref.get_object().get_data() for ref in self._content_refs(page))
            form = _stream(b"".join(drawn))
            form[NameObject("/Type")] = NameObject("/XObject")
            form[NameObject("/Subtype")] = NameObject("/Form")
            form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in page.mediabox)
            resources = page.raw_get("/Resources") if "/Resources" in page else DictionaryObject()
            form[NameObject("/Resources")] = self._copy(resources, numbers)
            self._write(self._footers[self._footers_written], form)
            self._footers_written += 1

    def finish(self, title: str) -> None:
        """Writes what closes the PDF: its page tree, catalogue, information and
        cross-reference table."""
        if self._footers_written != len(self._footers):
            raise ValueError("every page needs its footer before the PDF is finished")
        self._write(
            _PAGE_TREE,
            DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Pages"),
                    NameObject("/Kids"): ArrayObject(_ref(n) for n in self._pages),
                    NameObject("/Count"): NumberObject(len(self._pages)),
                }
            ),
        )
        catalogue = {NameObject("/Type"): NameObject("/Catalog")}
        catalogue[NameObject("/Pages")] = _ref(_PAGE_TREE)
        self._write(_CATALOGUE, DictionaryObject(catalogue))
        info = self._write_new(
            DictionaryObject(
                {
                    NameObject("/Title"): TextStringObject(title),
                    NameObject("/Producer"): TextStringObject("Rembuk"),
                }
            )
        )
        table_at = self.out.tell() - self._start
        self.out.write(f"xref\n0 {self._last + 1}\n0000000000 65535 f \n".encode())
        for number in range(1, self._last + 1):
            self.out.write(f"{self._offsets[number]:010d} 00000 n \n".encode())
        self.out.write(
            f"trailer\n<< /Size {self._last + 1} /Root {_CATALOGUE} 0 R /Info {info} 0 R >>\n"
            f"startxref\n{table_at}\n%%EOF\n".encode()
        )

    # --- objects ---------------------------------------------------------------------------

    def _reserve(self) -> int:
        self._last += 1
        self._offsets.append(0)
        return self._last

    def _write(self, number: int, value: PdfObject) -> None:
        self._offsets[number] = self.out.tell() - self._start
        self.out.write(f"{number} 0 obj\n".encode())
        value.write_to_stream(self.out)
        self.out.write(b"\nendobj\n")

    def _write_new(self, value: PdfObject) -> int:
        number = self._reserve()
        self._write(number, value)
        return number

    @staticmethod
    def _content_refs(page) -> list:
        """The page's content streams as the part names them: none, one or an array."""
        contents = page.raw_get("/Contents") if "/Contents" in page else ArrayObject()
        if isinstance(contents, IndirectObject) and isinstance(contents.get_object(), list):
            contents = contents.get_object()
        return list(contents) if isinstance(contents, ArrayObject) else [contents]

    def _page(self, page, numbers: dict[int, int], footer: int) -> DictionaryObject:
        copy = DictionaryObject()
        for key, value in page.items():
            if key not in ("/Parent", "/Contents", "/Resources"):
                copy[key] = self._copy(value, numbers)
        copy[NameObject("/Parent")] = _ref(_PAGE_TREE)
        own = (self._copy(ref, numbers) for ref in self._content_refs(page))
        copy[NameObject("/Contents")] = ArrayObject([_ref(self._before), *own, _ref(self._after)])
        # The page's own resources, the footer added beside the forms it may already use.
        resources = page["/Resources"] if "/Resources" in page else DictionaryObject()
        copied = DictionaryObject(
            {k: self._copy(v, numbers) for k, v in resources.items() if k != "/XObject"}
        )
        forms = resources["/XObject"] if "/XObject" in resources else DictionaryObject()
        forms = DictionaryObject({k: self._copy(v, numbers) for k, v in forms.items()})
        forms[_FOOTER] = _ref(footer)
        copied[NameObject("/XObject")] = forms
        copy[NameObject("/Resources")] = copied
        return copy

    def _copy(self, value, numbers: dict[int, int]):
        """The value as written in the joined file: the objects it names written too, under
        the joined file's numbers."""
        if isinstance(value, IndirectObject):
            number = numbers.get(value.idnum)
            if number is None:
                number = self._copy_object(value.get_object(), value.idnum, numbers)
            return _ref(number)
        if isinstance(value, StreamObject):  # direct streams do not occur; kept whole if so
            return value
        if isinstance(value, DictionaryObject):
            return DictionaryObject({k: self._copy(v, numbers) for k, v in value.items()})
        if isinstance(value, ArrayObject):
            return ArrayObject(self._copy(item, numbers) for item in value)
        return value

    def _copy_object(self, value, idnum: int, numbers: dict[int, int]) -> int:
        if isinstance(value, StreamObject) and not _refers(value):
            # Read as stored (still compressed), as pypdf's own writer reads it.
            raw = value._data
            digest = hashlib.sha256(repr(sorted(value.items())).encode() + raw).digest()
            if digest not in self._shared:
                self._shared[digest] = self._write_new(self._stream_copy(value, raw, numbers))
            numbers[idnum] = self._shared[digest]
            return numbers[idnum]
        number = numbers[idnum] = self._reserve()  # before its parts: a cycle ends here
        if isinstance(value, StreamObject):
            self._write(number, self._stream_copy(value, value._data, numbers))
        else:
            self._write(number, self._copy(value, numbers))
        return number

    def _stream_copy(self, value: StreamObject, raw: bytes, numbers) -> StreamObject:
        copy = StreamObject()
        for key, item in value.items():
            if key != "/Length":
                copy[key] = self._copy(item, numbers)
        copy.set_data(raw)
        return copy
