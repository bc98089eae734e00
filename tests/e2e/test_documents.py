"""The organiser sets the letterhead and a signatory, then asks for each official document
on the organiser's pages: the rekapitulasi as PDF and DOCX, a response letter, the daftar hadir,
the notulensi and an issued berita acara. Each form leads to the job's page with its progress
bar, which offers the file when it is ready (the worker runs eagerly in the test server)."""

import io
import re

from docx import Document as WordDocument
from pypdf import PdfReader

from .conftest import assert_accessible, log_in, screenshot


def get_document(page, submit, timeout=180_000) -> tuple[str, bytes]:
    """Submit a document form, follow the job's page to its download and return the file's
    name and bytes; the page goes back to the form. The one place that knows how a document
    reaches the organiser."""
    form_url = page.url
    submit.click()
    page.wait_for_load_state()
    assert "/exports/" in page.url
    link = page.locator("#export-job a[href$='/download']")
    link.wait_for(timeout=timeout)  # the page reloads itself when the job is done
    name, content = download_link(link, timeout)
    page.goto(form_url)
    return name, content


def download_link(link, timeout=60_000) -> tuple[str, bytes]:
    """Click a link that answers with a file: its name and bytes."""
    with link.page.expect_download(timeout=timeout) as download_info:
        link.click(timeout=timeout)
    download = download_info.value
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()


def pdf_text(content: bytes) -> str:
    return PdfReader(io.BytesIO(content)).pages[0].extract_text()


def test_organiser_downloads_official_documents(live_server, new_page, demo):
    base = live_server.url
    cid = demo["consultation"]
    page = new_page("desktop")
    log_in(page, base, "organiser@example.org")
    page.goto(f"{base}/c/{cid}/manage")
    page.locator(f".organiser-tools a[href='/c/{cid}/official-documents']").click()
    page.wait_for_load_state()
    assert_accessible(page, "official documents")

    page.fill("#institution", "PEMERINTAH KOTA PALANGKA RAYA")
    page.fill("#unit", "DINAS PERDAGANGAN, KOPERASI, UKM DAN PERINDUSTRIAN")
    page.fill("#place", "Palangka Raya")
    page.fill("#short_name", "RPIK Palangka Raya")
    page.locator("form[action$='/letterhead'] [type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1

    signatory_form = page.locator("form[action$='/signatories']")
    signatory_form.locator("#name").fill("Dr. Bambang Sutrisno")
    signatory_form.locator("#position").fill("Kepala Dinas")
    signatory_form.locator("[type=submit]").click()
    page.wait_for_load_state()
    screenshot(page, "id-desktop-official-documents")

    rekap = page.locator("form[action$='/rekapitulasi']")
    rekap.locator("select[name=signatory]").select_option(
        label="Dr. Bambang Sutrisno (Kepala Dinas)"
    )
    name, content = get_document(page, rekap.locator("[type=submit]"))
    assert re.fullmatch(r"Rekapitulasi-Masukan-RPIK-Palangka-Raya-\d{4}-\d\d-\d\d\.pdf", name)
    first = pdf_text(content)
    assert "PEMERINTAH KOTA PALANGKA RAYA" in first and "Halaman 1 dari" in first

    rekap.locator("select[name=format]").select_option("docx")
    name, content = get_document(page, rekap.locator("[type=submit]"))
    assert re.fullmatch(r"Rekapitulasi-Masukan-RPIK-Palangka-Raya-\d{4}-\d\d-\d\d\.docx", name)
    word = WordDocument(io.BytesIO(content))
    assert any("REKAPITULASI" in p.text.upper() for p in word.paragraphs)

    letter = page.locator("form[action$='/letter']")
    letter.locator("select[name=recipient]").select_option(index=1)
    name, content = get_document(page, letter.locator("[type=submit]"), timeout=120_000)
    assert name.startswith("Surat-Tanggapan-") and name.endswith(".pdf")
    assert "PEMERINTAH KOTA PALANGKA RAYA" in pdf_text(content)


def test_organiser_downloads_fgd_papers_and_issues_a_berita_acara(live_server, new_page, demo):
    base = live_server.url
    cid = demo["consultation"]
    page = new_page("desktop")
    log_in(page, base, "organiser@example.org")
    page.goto(f"{base}/c/{cid}/official-documents")
    page.locator("#fgd-papers a").first.click()
    page.wait_for_load_state()
    assert_accessible(page, "FGD papers")

    papers = page.locator("form[action$='/papers']")
    name, content = get_document(page, papers.locator("[type=submit]"), timeout=120_000)
    assert name.startswith("Daftar-Hadir-")
    assert "DAFTAR HADIR" in pdf_text(content)

    papers.locator("select[name=paper-paper]").select_option("minutes")
    papers.locator("select[name=paper-format]").select_option("docx")
    name, content = get_document(page, papers.locator("[type=submit]"), timeout=120_000)
    assert name.startswith("Notulen-") and name.endswith(".docx")
    assert any("NOTULEN" in p.text.upper() for p in WordDocument(io.BytesIO(content)).paragraphs)

    issue = page.locator("form[action$='/berita-acara']")
    issue.locator("input[name=ba-number]").fill("005/BA/DPKUKMP/XI/2026")
    get_document(page, issue.locator("[type=submit]"))
    # Issued: both files of version 1 are listed on the session's page.
    assert page.locator("#issued a[href$='/berita-acara/1/docx']").count() == 1
    name, content = download_link(page.locator("#issued a").first)
    assert name.endswith(".pdf")
    text = pdf_text(content)
    assert "BERITA ACARA" in text and "005/BA/DPKUKMP/XI/2026" in text
