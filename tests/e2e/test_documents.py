"""The organiser sets the letterhead and a signatory, then asks for the official documents
(rekapitulasi PDF and DOCX, a response letter, the FGD papers) on the official documents page:
each form leads to the job's page with its progress bar, which offers the file when it is
ready (the worker runs eagerly in the test server)."""

import io
import re

from pypdf import PdfReader

from .conftest import assert_accessible, log_in, screenshot


def _download(page, submit, timeout=180_000):
    """Submit a document form, follow the job's page to its download; back to the form."""
    form_url = page.url
    submit.click()
    page.wait_for_load_state()
    assert "/exports/" in page.url
    link = page.locator("#export-job a[href$='/download']")
    link.wait_for(timeout=timeout)  # the page reloads itself when the job is done
    with page.expect_download(timeout=timeout) as download_info:
        link.click()
    download = download_info.value
    page.goto(form_url)
    return download


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
    download = _download(page, rekap.locator("[type=submit]"))
    assert re.fullmatch(
        r"Rekapitulasi-Masukan-RPIK-Palangka-Raya-\d{4}-\d\d-\d\d\.pdf", download.suggested_filename
    )
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    first = reader.pages[0].extract_text()
    assert "PEMERINTAH KOTA PALANGKA RAYA" in first and "Halaman 1 dari" in first

    rekap.locator("select[name=format]").select_option("docx")
    assert _download(page, rekap.locator("[type=submit]")).suggested_filename.endswith(".docx")

    letter = page.locator("form[action$='/letter']")
    letter.locator("select[name=recipient]").select_option(index=1)
    download = _download(page, letter.locator("[type=submit]"))
    assert download.suggested_filename.startswith("Surat-Tanggapan-")


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
    download = _download(page, papers.locator("[type=submit]"))
    assert download.suggested_filename.startswith("Daftar-Hadir-")
    with open(download.path(), "rb") as handle:
        assert "DAFTAR HADIR" in PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()

    papers.locator("select[name=paper-paper]").select_option("minutes")
    papers.locator("select[name=paper-format]").select_option("docx")
    assert _download(page, papers.locator("[type=submit]")).suggested_filename.startswith(
        "Notulen-"
    )

    issue = page.locator("form[action$='/berita-acara']")
    issue.locator("input[name=ba-number]").fill("005/BA/DPKUKMP/XI/2026")
    _download(page, issue.locator("[type=submit]"))
    # Issued: both files of version 1 are listed on the session's page.
    assert page.locator("#issued a[href$='/berita-acara/1/docx']").count() == 1
    with page.expect_download(timeout=60_000) as download_info:
        page.locator("#issued a").first.click()
    with open(download_info.value.path(), "rb") as handle:
        text = PdfReader(io.BytesIO(handle.read())).pages[0].extract_text()
    assert "BERITA ACARA" in text and "005/BA/DPKUKMP/XI/2026" in text
