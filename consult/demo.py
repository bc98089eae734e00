"""The Palangka Raya demo: accounts, groups and the RPIK 2022-2042 consultation.

`flask seed-demo` calls seed() on an empty database; every demo password is DEMO_PASSWORD.
"""

import importlib.util
from datetime import datetime, time, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from consult.auth.models import Role, StakeholderGroup, User
from consult.extensions import db
from consult.plans.models import (
    Chapter,
    CommentVisibility,
    Consultation,
    ConsultationState,
    Criterion,
    MemberRole,
    Membership,
    ModerationMode,
    Section,
    Strategy,
)
from consult.timeutil import local_to_utc, utc_to_local, utcnow

DEMO_PASSWORD = "rembuk-demo-2042"  # nosec B105 - published demo password, demo data only
DEMO_TITLE = "Rencana Pembangunan Industri Kota (RPIK) Palangka Raya 2022-2042"
DEPARTMENT = "Dinas Perdagangan, Koperasi, UKM dan Perindustrian Kota Palangka Raya"
GROUP_NAMES = [
    "KADIN",
    "Pelaku industri",
    "Akademisi",
    "Instansi pemerintah",
    "Asosiasi",
    "Masyarakat",
    "Lainnya",
]
SCALE = "Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi"

# (email, name, role, group, organisation, position)
ACCOUNTS = [
    ("admin@example.org", "Admin Rembuk", Role.ADMIN, None, "Pemerintah Kota Palangka Raya", ""),
    (
        "organiser@example.org",
        "Rina Handayani",
        Role.ORGANISER,
        "Instansi pemerintah",
        DEPARTMENT,
        "Kepala Bidang Perindustrian",
    ),
    (
        "kadin@example.org",
        "H. Ahmad Fauzi",
        Role.PARTICIPANT,
        "KADIN",
        "KADIN Kota Palangka Raya",
        "Wakil Ketua Bidang Perindustrian",
    ),
    (
        "industri@example.org",
        "Yohanes Dehen",
        Role.PARTICIPANT,
        "Pelaku industri",
        "CV Rotan Kahayan Lestari",
        "Direktur",
    ),
    (
        "akademisi@example.org",
        "Dr. Maria Ulfah, S.E., M.Si.",
        Role.PARTICIPANT,
        "Akademisi",
        "Fakultas Ekonomi dan Bisnis, Universitas Palangka Raya",
        "Dosen Ekonomi Pembangunan",
    ),
    (
        "dinas@example.org",
        "Bambang Sutrisno",
        Role.PARTICIPANT,
        "Instansi pemerintah",
        "Badan Perencanaan Pembangunan Daerah Kota Palangka Raya",
        "Perencana Ahli Muda",
    ),
]

SUMMARY = """\
Pemerintah Kota Palangka Raya melalui Dinas Perdagangan, Koperasi, UKM dan Perindustrian
menyusun **Rencana Pembangunan Industri Kota (RPIK) 2022-2042** sebagai pedoman bagi pemerintah
dan pelaku industri. RPIK disusun sebagai pelaksanaan amanat Undang-Undang Nomor 3 Tahun 2014
tentang Perindustrian dan selaras dengan Rencana Induk Pembangunan Industri Nasional (RIPIN)
berdasarkan Peraturan Pemerintah Nomor 14 Tahun 2015.

Kami mengundang instansi terkait, KADIN, pelaku industri dan pakar perguruan tinggi untuk
memberi masukan dan penilaian atas setiap strategi, sebelum dan sesudah Focus Group Discussion
(FGD). Semua masukan akan dijawab dalam matriks tanggapan.
"""

# Chapters: (code, title, body, [sections]); sections: (code, title, body, [strategies]);
# strategies: (code, title, description, targets, time horizon).
PLAN = [
    (
        "Bab I",
        "Pendahuluan",
        "Bab ini menjelaskan latar belakang, dasar hukum dan kedudukan RPIK Kota Palangka Raya "
        "dalam sistem perencanaan pembangunan daerah.",
        [
            (
                "1.1",
                "Latar Belakang",
                """\
Sektor industri menjadi penggerak utama pembangunan ekonomi karena mampu memberikan kontribusi
signifikan dalam peningkatan nilai tambah, lapangan kerja dan devisa, serta dalam pembentukan
daya saing daerah.

Kota Palangka Raya memiliki sumber daya lokal yang belum diolah secara optimal: rotan, kayu,
hasil perikanan air tawar, dan pangan lokal. Sebagian besar bahan baku, bahan penolong dan
barang modal industri masih didatangkan dari luar daerah, bahkan dari luar negeri.

Perubahan yang sangat cepat karena globalisasi ekonomi dan perkembangan teknologi menuntut
strategi yang tepat. Karena itu RPIK disusun bersama instansi terkait, KADIN, pelaku industri
dan pakar dari beberapa perguruan tinggi.""",
                [],
            ),
            (
                "1.2",
                "Dasar Hukum dan Keselarasan",
                """\
RPIK Kota Palangka Raya disusun berdasarkan:

- Undang-Undang Nomor 3 Tahun 2014 tentang Perindustrian;
- Peraturan Pemerintah Nomor 14 Tahun 2015 tentang Rencana Induk Pembangunan Industri
  Nasional (RIPIN) Tahun 2015-2035;
- Peraturan Presiden Nomor 2 Tahun 2018 tentang Kebijakan Industri Nasional 2020-2024;
- Rencana Pembangunan Industri Provinsi Kalimantan Tengah dan RPJMD Kota Palangka Raya.

RPIK berlaku untuk 20 tahun dan ditinjau ulang setiap 5 tahun.""",
                [],
            ),
        ],
    ),
    (
        "Bab II",
        "Visi, Misi dan Sasaran Pembangunan Industri",
        "",
        [
            (
                "2.1",
                "Visi, Misi dan Sasaran",
                """\
**Visi:** Terwujudnya industri Kota Palangka Raya yang berdaya saing, berbasis sumber daya lokal
dan berwawasan lingkungan pada tahun 2042.

Sasaran pembangunan industri adalah meningkatnya pertumbuhan industri hingga mencapai
**pertumbuhan dua digit pada tahun 2035**, sehingga kontribusi industri terhadap Produk
Domestik Bruto (PDB) mencapai **30 persen**, sejalan dengan sasaran nasional.

Sasaran lainnya: meningkatnya penguasaan pasar dalam dan luar negeri dengan mengurangi
ketergantungan terhadap impor bahan baku, bahan penolong dan barang modal serta meningkatkan
ekspor produk industri; percepatan penyebaran dan pemerataan industri ke seluruh wilayah kota;
dan meningkatnya kontribusi industri kecil terhadap pertumbuhan industri daerah dan nasional.""",
                [],
            ),
        ],
    ),
    (
        "Bab III",
        "Strategi dan Program Pembangunan Industri",
        "Strategi dikelompokkan menurut sasaran. Setiap strategi memuat target, indikator dan "
        "jangka waktu pelaksanaan.",
        [
            (
                "3.1",
                "Penguatan Struktur dan Rantai Pasok Industri",
                "Struktur industri yang kuat mengurangi ketergantungan pada impor dan menahan "
                "nilai tambah di dalam daerah.",
                [
                    (
                        "3.1.1",
                        "Substitusi impor bahan baku dan bahan penolong",
                        """\
Mengurangi ketergantungan industri terhadap bahan baku dan bahan penolong impor dengan
mengembangkan pemasok lokal dan regional, terutama untuk industri pengolahan rotan, kayu dan
pangan.

Pemerintah kota memetakan kebutuhan bahan baku per sektor, mempertemukan industri dengan
pemasok di Kalimantan Tengah, dan memberi insentif bagi industri yang beralih ke bahan baku
lokal.

Langkah ini diselaraskan dengan program peningkatan penggunaan produk dalam negeri (P3DN) dan
kebijakan substitusi impor dalam RIPIN.""",
                        "- Porsi bahan baku impor turun **25%** pada 2032 dan **40%** pada 2042\n"
                        "- Peta kebutuhan bahan baku per sektor tersedia pada 2023\n"
                        "- 30 kontrak kemitraan pemasok lokal per tahun",
                        "2023-2032",
                    ),
                    (
                        "3.1.2",
                        "Pembangunan kawasan industri dan sentra IKM",
                        """\
Menyiapkan kawasan peruntukan industri yang terpadu dengan sarana air bersih, listrik, jalan
dan pengolahan limbah, serta sentra IKM di setiap kecamatan.

Pembangunan kawasan mengikuti Rencana Tata Ruang Wilayah (RTRW) kota dan memperhatikan
kawasan lahan gambut yang dilindungi.

Kawasan dan sentra menjadi simpul percepatan penyebaran dan pemerataan industri ke seluruh
wilayah kota, tidak hanya di pusat kota.""",
                        "- 1 kawasan peruntukan industri ditetapkan dalam RTRW pada 2025\n"
                        "- 5 sentra IKM (satu per kecamatan) beroperasi pada 2030",
                        "2024-2035",
                    ),
                    (
                        "3.1.3",
                        "Substitusi impor barang modal melalui industri permesinan lokal",
                        """\
Mendorong tumbuhnya bengkel dan industri permesinan lokal yang mampu membuat dan merawat mesin
sederhana bagi IKM: mesin pengolah rotan, pengering ikan, dan peralatan pengolahan pangan.

Kerja sama dengan politeknik dan balai latihan kerja menyiapkan teknisi dan rancangan mesin
tepat guna.""",
                        "- 20 jenis mesin tepat guna diproduksi lokal pada 2035\n"
                        "- Nilai impor barang modal IKM turun 20% pada 2035",
                        "2025-2035",
                    ),
                ],
            ),
            (
                "3.2",
                "Hilirisasi Sumber Daya Lokal",
                "Mengolah sumber daya lokal menjadi produk bernilai tambah tinggi di dalam kota.",
                [
                    (
                        "3.2.1",
                        "Hilirisasi rotan dan kayu olahan",
                        """\
Mengembangkan industri barang jadi rotan dan kayu olahan (mebel, kerajinan, anyaman) dengan
desain yang sesuai pasar dalam dan luar negeri.

Bahan baku harus berasal dari sumber yang legal dan lestari, dibuktikan dengan Sistem Verifikasi
Legalitas dan Kelestarian (SVLK).

Pemerintah kota memfasilitasi pelatihan desain, kurasi produk dan pameran.""",
                        "- Ekspor produk rotan olahan naik 15% per tahun\n"
                        "- 100 IKM rotan dan kayu bersertifikat SVLK pada 2030",
                        "2023-2030",
                    ),
                    (
                        "3.2.2",
                        "Pengolahan hasil perikanan air tawar",
                        """\
Meningkatkan pengolahan ikan air tawar (ikan asin, kerupuk, abon, ikan salai) dengan standar
keamanan pangan.

Sentra pengolahan dekat sungai Kahayan dilengkapi cold storage dan pengering tenaga surya.""",
                        "- Produksi olahan ikan naik dua kali lipat pada 2032\n"
                        "- 50 IKM olahan ikan bersertifikat PIRT atau BPOM",
                        "2023-2032",
                    ),
                    (
                        "3.2.3",
                        "Industri makanan dan minuman berbasis pangan lokal",
                        """\
Mengembangkan produk makanan dan minuman khas Kalimantan Tengah berbahan pangan lokal dengan
kemasan yang menarik dan umur simpan yang lebih panjang.

Rumah produksi bersama (shared facility) disediakan bagi IKM yang belum memiliki dapur
produksi yang memenuhi standar.""",
                        "- 1 rumah produksi bersama beroperasi pada 2025\n"
                        "- 200 produk IKM pangan bersertifikat halal pada 2027",
                        "2023-2027",
                    ),
                ],
            ),
            (
                "3.3",
                "Peningkatan Ekspor dan Akses Pasar",
                "Meningkatkan penguasaan pasar dalam dan luar negeri serta ekspor produk industri.",
                [
                    (
                        "3.3.1",
                        "Fasilitasi standardisasi dan sertifikasi produk",
                        """\
Membantu industri memenuhi Standar Nasional Indonesia (SNI), sertifikasi halal dan standar
negara tujuan ekspor.

Biaya sertifikasi pertama bagi IKM dibantu melalui APBD dan kemitraan dengan KADIN.""",
                        "- 300 sertifikat (SNI, halal, PIRT) difasilitasi pada 2027\n"
                        "- Jumlah eksportir industri naik dari 5 menjadi 25 pada 2035",
                        "2023-2035",
                    ),
                    (
                        "3.3.2",
                        "Promosi dan pemasaran digital produk industri",
                        """\
Memperluas pasar melalui lokapasar (marketplace), katalog elektronik pengadaan pemerintah dan
pameran dagang nasional maupun internasional.

Produk industri lokal diutamakan dalam pengadaan barang dan jasa pemerintah kota.""",
                        "- 500 IKM berjualan daring pada 2026\n"
                        "- 40% belanja barang pemerintah kota untuk produk lokal",
                        "2023-2026",
                    ),
                ],
            ),
            (
                "3.4",
                "Penguatan Industri Kecil dan Menengah (IKM)",
                "Meningkatkan kontribusi industri kecil terhadap pertumbuhan industri daerah dan "
                "nasional.",
                [
                    (
                        "3.4.1",
                        "Pendampingan dan inkubasi wirausaha industri baru",
                        """\
Menyelenggarakan inkubator bisnis bagi wirausaha industri baru, dengan pendampingan produksi,
manajemen, keuangan dan pemasaran selama satu sampai dua tahun.

Inkubator dikelola bersama perguruan tinggi dan KADIN.""",
                        "- 50 wirausaha industri baru per tahun\n"
                        "- 70% peserta inkubasi masih berusaha setelah 3 tahun",
                        "2023-2042",
                    ),
                    (
                        "3.4.2",
                        "Akses pembiayaan bagi IKM",
                        """\
Memperluas akses IKM terhadap Kredit Usaha Rakyat (KUR), pembiayaan syariah dan modal ventura
dengan pendampingan penyusunan proposal usaha.

Pemerintah kota bekerja sama dengan bank daerah untuk skema penjaminan bagi IKM pemula.""",
                        "- Penyaluran KUR sektor industri naik 20% per tahun\n"
                        "- Skema penjaminan IKM berjalan pada 2024",
                        "2023-2028",
                    ),
                    (
                        "3.4.3",
                        "Kemitraan IKM dengan industri besar",
                        """\
Menghubungkan IKM sebagai pemasok komponen, bahan setengah jadi dan jasa bagi industri besar
dan menengah di Kalimantan Tengah.

Forum temu bisnis diselenggarakan setiap tahun bersama KADIN.""",
                        "- 25 kontrak kemitraan IKM-industri besar per tahun",
                        "2024-2035",
                    ),
                ],
            ),
            (
                "3.5",
                "Sumber Daya Manusia Industri dan Teknologi",
                "Menyiapkan tenaga kerja industri yang kompeten dan mendorong pemanfaatan "
                "teknologi.",
                [
                    (
                        "3.5.1",
                        "Pendidikan vokasi dan pelatihan berbasis kompetensi",
                        """\
Menyelaraskan kurikulum SMK, politeknik dan balai latihan kerja dengan kebutuhan industri
(link and match), termasuk program magang di industri.

Sertifikasi kompetensi kerja dilakukan bersama Lembaga Sertifikasi Profesi (LSP).""",
                        "- 2.000 tenaga kerja industri tersertifikasi pada 2030\n"
                        "- 80% lulusan vokasi bekerja dalam 1 tahun",
                        "2023-2030",
                    ),
                    (
                        "3.5.2",
                        "Riset terapan dan inovasi bersama perguruan tinggi",
                        """\
Mendorong riset terapan perguruan tinggi di Palangka Raya untuk teknologi pengolahan sumber
daya lokal, kemasan dan efisiensi energi.

Hasil riset diuji coba di sentra IKM dan dilindungi melalui hak kekayaan intelektual.""",
                        "- 10 hasil riset diterapkan di IKM per tahun\n"
                        "- 20 pendaftaran merek dan paten per tahun",
                        "2024-2042",
                    ),
                ],
            ),
        ],
    ),
    (
        "Bab IV",
        "Pelaksanaan, Pemantauan dan Evaluasi",
        "",
        [
            (
                "4.1",
                "Kelembagaan dan Pemantauan",
                """\
Pelaksanaan RPIK dikoordinasikan oleh Dinas Perdagangan, Koperasi, UKM dan Perindustrian
bersama perangkat daerah terkait, dan dipantau setiap tahun.

Hasil pemantauan dilaporkan kepada Wali Kota dan disampaikan kepada pemangku kepentingan.""",
                [
                    (
                        "4.1.1",
                        "Forum koordinasi pembangunan industri kota",
                        """\
Membentuk forum koordinasi yang beranggotakan perangkat daerah, KADIN, asosiasi industri dan
perguruan tinggi, yang bertemu sekurang-kurangnya dua kali setahun.

Forum membahas kemajuan pelaksanaan strategi dan hambatan yang dihadapi pelaku industri.""",
                        "- Forum ditetapkan dengan Keputusan Wali Kota pada 2023\n"
                        "- 2 pertemuan per tahun dengan notulen terbuka",
                        "2023-2042",
                    ),
                    (
                        "4.1.2",
                        "Sistem informasi industri daerah",
                        """\
Membangun basis data industri kota yang terhubung dengan Sistem Informasi Industri Nasional
(SIINas), untuk memantau indikator RPIK secara berkala.

Data dipublikasikan dalam bentuk dasbor terbuka bagi masyarakat.""",
                        "- 100% industri terdaftar di SIINas pada 2026\n"
                        "- Laporan indikator RPIK terbit setiap tahun",
                        "2023-2026",
                    ),
                ],
            ),
        ],
    ),
]


def _groups() -> dict[str, StakeholderGroup]:
    try:
        from consult.auth.services import ensure_default_groups
    except ImportError:  # the accounts feature may not provide it (yet)
        ensure_default_groups = None
    if ensure_default_groups is not None:
        ensure_default_groups()
    else:
        existing = {g.name for g in db.session.scalars(select(StakeholderGroup))}
        for position, name in enumerate(GROUP_NAMES, 1):
            if name not in existing:
                db.session.add(StakeholderGroup(name=name, position=position))
        db.session.flush()
    return {g.name: g for g in db.session.scalars(select(StakeholderGroup))}


def _accounts(groups: dict[str, StakeholderGroup]) -> dict[str, User]:
    password_hash = generate_password_hash(DEMO_PASSWORD)
    users = {}
    for email, name, role, group, organisation, position in ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(
                email=email,
                name=name,
                role=role,
                group=groups.get(group) if group else None,
                organisation=organisation,
                position=position,
                password_hash=password_hash,
                locale="id",
            )
            db.session.add(user)
        users[email] = user
    db.session.flush()
    return users


def _consultation(organiser: User) -> Consultation:
    # Round local (WIB) times around today, so the demo reads like a real schedule.
    today = utc_to_local(utcnow()).date()

    def wib(days: int, hour: int, minute: int = 0) -> datetime:
        return local_to_utc(datetime.combine(today + timedelta(days=days), time(hour, minute)))

    consultation = Consultation(
        title=DEMO_TITLE,
        summary=_unwrap(SUMMARY.strip()),
        department=DEPARTMENT,
        state=ConsultationState.PUBLISHED,
        pre_opens_at=wib(-3, 8),
        # Pre-FGD input closes the evening before the FGD; post-FGD input opens after it.
        pre_closes_at=wib(4, 23, 59),
        post_opens_at=wib(6, 8),
        post_closes_at=wib(25, 23, 59),
        comment_visibility=CommentVisibility.ALL,
        moderation_mode=ModerationMode.POST,
        created_by_id=organiser.id,
    )
    db.session.add(consultation)
    db.session.flush()
    for position, (key, label, description) in enumerate(
        [
            ("relevance", "Relevansi", "Seberapa relevan strategi ini bagi industri kota?"),
            ("priority", "Prioritas", "Seberapa mendesak strategi ini dilaksanakan?"),
            ("feasibility", "Kelayakan", "Seberapa layak strategi ini dilaksanakan?"),
        ]
    ):
        db.session.add(
            Criterion(
                consultation_id=consultation.id,
                key=key,
                label=label,
                description=description,
                position=position,
                scale_max=5,
                scale_labels=SCALE,
            )
        )
    _plan(consultation)
    return consultation


def _plan(consultation: Consultation) -> None:
    for chapter_position, (code, title, body, sections) in enumerate(PLAN, 1):
        chapter = Chapter(
            consultation_id=consultation.id,
            position=chapter_position,
            code=code,
            title=title,
            body=body,
        )
        db.session.add(chapter)
        db.session.flush()
        for section_position, (s_code, s_title, s_body, strategies) in enumerate(sections, 1):
            section = Section(
                chapter_id=chapter.id,
                position=section_position,
                code=s_code,
                title=s_title,
                body=_unwrap(s_body),
            )
            db.session.add(section)
            db.session.flush()
            for position, (t_code, t_title, description, targets, horizon) in enumerate(
                strategies, 1
            ):
                db.session.add(
                    Strategy(
                        section_id=section.id,
                        position=position,
                        code=t_code,
                        title=t_title,
                        description=_unwrap(description),
                        targets=targets,
                        time_horizon=horizon,
                    )
                )
    db.session.flush()


def _unwrap(text: str) -> str:
    """Join the hard-wrapped lines of each paragraph (list items stay on their own lines)."""
    blocks = []
    for block in text.split("\n\n"):
        lines = block.split("\n")
        if any(line.startswith("- ") for line in lines):
            items: list[str] = []
            for line in lines:
                if line.startswith("- ") or not items:
                    items.append(line)
                else:
                    items[-1] += " " + line.strip()
            blocks.append("\n".join(items))
        else:
            blocks.append(" ".join(line.strip() for line in lines))
    return "\n\n".join(blocks)


def seed() -> Consultation:
    """Create the demo groups, accounts and consultation (the caller commits)."""
    groups = _groups()
    users = _accounts(groups)
    existing = db.session.scalar(select(Consultation).where(Consultation.title == DEMO_TITLE))
    if existing is not None:
        return existing
    organiser = users["organiser@example.org"]
    consultation = _consultation(organiser)
    for email, user in users.items():
        if email == "admin@example.org":
            continue
        role = MemberRole.ORGANISER if user is organiser else MemberRole.PARTICIPANT
        db.session.add(Membership(consultation_id=consultation.id, user_id=user.id, role=role))
    db.session.flush()
    _seed_example_input(consultation)
    from consult.fgd.demo import seed_fgd

    seed_fgd(consultation)
    return consultation


# --- hook: example comments and ratings, provided by the feedback feature ------------------------
def _seed_example_input(consultation: Consultation) -> None:
    """Add example comments and ratings if the feedback feature provides them."""
    # Only a missing module is skipped; an error inside it must still surface.
    if importlib.util.find_spec("consult.feedback.demo") is None:
        return
    from consult.feedback.demo import seed_example_input

    seed_example_input(consultation)
