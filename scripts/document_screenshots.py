"""Sample official documents of the demo consultation, and their README screenshots.

Seeds the demo into a temporary SQLite database, sets a letterhead and signatories, renders
the rekapitulasi masukan and a berita acara to PDF (kept in test-artifacts/documents/) and
turns one page of each into a PNG in docs/screenshots/ with pdftoppm (poppler-utils).

    .venv/bin/python scripts/document_screenshots.py
"""

import shutil
import subprocess  # nosec B404 - pdftoppm with fixed arguments
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from config import TestingConfig  # noqa: E402
from consult import create_app  # noqa: E402
from consult.extensions import db  # noqa: E402

OUT = ROOT / "test-artifacts" / "documents"
SHOTS = ROOT / "docs" / "screenshots"


def sample_record(consultation):
    from consult.documents.fgd import ActionRecord, AgendaRecord, AttendeeRecord, MeetingRecord

    people = [
        ("Siti Rahmawati", "KADIN Kota Palangka Raya", "Wakil Ketua", "KADIN"),
        ("H. Ahmad Fauzi", "CV Rotan Borneo", "Direktur", "Pelaku industri"),
        ("Dr. Yuliana Dewi", "Universitas Palangka Raya", "Dosen", "Akademisi"),
        ("Budi Santoso, S.T.", "Bappedalitbang", "Kepala Bidang", "Instansi pemerintah"),
        ("Maria Ulfah", "IKM Anyaman Dayak", "Pemilik", "Pelaku industri"),
    ]
    return MeetingRecord(
        title="FGD Penyusunan Rencana Pembangunan Industri Kota Palangka Raya",
        consultation_title=consultation.title,
        starts_at=datetime(2022, 11, 30, 2, 0),
        ends_at=datetime(2022, 11, 30, 5, 30),
        venue="Aula Dinas Perdagangan, Koperasi, UKM dan Perindustrian",
        agenda=[
            AgendaRecord("Pembukaan dan arahan Kepala Dinas"),
            AgendaRecord("Paparan rancangan RPIK Bab III: strategi dan program"),
            AgendaRecord("Diskusi dan tanggapan pemangku kepentingan"),
        ],
        attendees=[
            AttendeeRecord(
                name,
                organisation,
                position,
                group,
                walk_in=(n == 4),
                checked_in_at=datetime(2022, 11, 30, 1, 40 + n),
            )
            for n, (name, organisation, position, group) in enumerate(people)
        ],
        agreements=[
            "Rotan dan karet ditetapkan sebagai komoditas unggulan prioritas hilirisasi.",
            "Data IKM dimutakhirkan bersama KADIN sebelum penetapan Perda RPIK.",
            "Insentif pajak daerah bagi industri pengolahan dikaji oleh Bapenda.",
        ],
        actions=[
            ActionRecord("Memutakhirkan data IKM", "Bidang Perindustrian", date(2022, 12, 15))
        ],
    )


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="rembuk-docs-"))
    config = type(
        "SampleConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.sqlite'}"},
    )
    app = create_app(config)
    OUT.mkdir(parents=True, exist_ok=True)
    with app.app_context():
        upgrade()
        from consult.demo import seed
        from consult.documents.fgd import PaperOptions, build_official_record
        from consult.documents.model import Signature
        from consult.documents.models import DocumentSettings, Signatory
        from consult.documents.pdf import render_pdf, render_pdf_in_parts
        from consult.documents.rekapitulasi import RekapOptions, build_rekapitulasi
        from consult.documents.services import letterhead_of

        consultation = seed()
        settings = DocumentSettings(
            consultation_id=consultation.id,
            short_name="RPIK Palangka Raya",
            institution="PEMERINTAH KOTA PALANGKA RAYA",
            unit="DINAS PERDAGANGAN, KOPERASI, UKM DAN PERINDUSTRIAN",
            address="Jl. Tjilik Riwut Km. 5,5 Palangka Raya, Kalimantan Tengah 73112",
            contact="Telepon (0536) 3221234 · dpkukmp@palangkaraya.go.id",
            place="Palangka Raya",
            paper="A4",
        )
        head = Signatory(
            consultation_id=consultation.id,
            name="Dr. Ir. Bambang Sutrisno, M.Si.",
            position="Kepala Dinas Perdagangan, Koperasi, UKM dan Perindustrian",
            rank="Pembina Utama Muda (IV/c)",
            nip="19700101 199503 1 001",
        )
        db.session.add_all([settings, head])
        db.session.commit()
        rekap = build_rekapitulasi(
            consultation,
            RekapOptions(number="500/123/DPKUKMP/XI/2022", signatory_id=head.id),
        )
        (OUT / "rekapitulasi.pdf").write_bytes(render_pdf_in_parts(rekap))
        options = PaperOptions(
            letterhead=letterhead_of(settings),
            place="Palangka Raya",
            number="005/045/BA-FGD/DPKUKMP/XI/2022",
            chair=Signature(
                name="Ir. Hendra Gunawan",
                position="Kepala Bidang Perindustrian",
                nip="19750505 200003 1 002",
            ),
            note_taker=Signature(name="Rina Marlina, S.E.", position="Analis Industri"),
            acknowledged_by=Signature(
                name=head.name, position=head.position, rank=head.rank, nip=head.nip
            ),
        )
        record = build_official_record(sample_record(consultation), options)
        (OUT / "berita-acara.pdf").write_bytes(render_pdf(record))
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, page in (("rekapitulasi", 2), ("berita-acara", 1)):
        prefix = OUT / f"{name}-page"
        subprocess.run(  # nosec B603 B607 - fixed arguments, our own files
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                str(page),
                "-l",
                str(page),
                "-singlefile",
                str(OUT / f"{name}.pdf"),
                str(prefix),
            ],
            check=True,
        )
        shutil.copy(f"{prefix}.png", SHOTS / f"id-document-{name}.png")
    shutil.rmtree(folder, ignore_errors=True)
    print("written:", *sorted(p.name for p in SHOTS.glob("id-document-*.png")))


if __name__ == "__main__":
    main()
