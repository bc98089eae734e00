"""Example input for the demo consultation: what the four demo stakeholders said and rated."""

from typing import TYPE_CHECKING

from sqlalchemy import select

from consult.extensions import db
from consult.feedback import services
from consult.feedback.models import CommentType, InputSource
from consult.plans.models import Chapter, Phase, Section, Strategy
from consult.plans.services import criteria_of

if TYPE_CHECKING:  # the demo package imports this step, not the other way round
    from consult.demo import Demo

# (author email, strategy index, type, body, proposed wording, reference, paragraph index)
COMMENTS = [
    (
        "kadin@example.org",
        0,
        CommentType.SUPPORT,
        "KADIN Kota Palangka Raya **mendukung** strategi ini. Anggota kami siap bermitra "
        "dalam penyediaan bahan baku lokal, terutama rotan dan kayu olahan.",
        "",
        "",
        0,
    ),
    (
        "industri@example.org",
        0,
        CommentType.CHANGE,
        "Target pengurangan impor bahan baku terlalu tinggi untuk lima tahun pertama, "
        "karena pasokan bahan penolong masih dari luar Kalimantan.",
        "Mengurangi ketergantungan impor bahan baku dan bahan penolong secara bertahap, "
        "sebesar 10 persen pada tahun 2027 dan 25 persen pada tahun 2032.",
        "Data pembelian bahan baku anggota asosiasi, 2021-2022",
        0,
    ),
    (
        "akademisi@example.org",
        0,
        CommentType.QUESTION,
        "Indikator apa yang dipakai untuk mengukur ketergantungan impor? Apakah nilai impor "
        "menurut data BPS atau volume bahan baku per sektor?",
        "",
        "",
        None,
    ),
    (
        "dinas@example.org",
        1,
        CommentType.OBJECTION,
        "Strategi ini belum selaras dengan RIPIN: pembangunan kawasan industri perlu "
        "kajian tata ruang (RTRW) terlebih dahulu sebelum lokasi ditetapkan.",
        "",
        "PP 14/2015 tentang RIPIN 2015-2035; Perda RTRW Kota Palangka Raya",
        None,
    ),
    (
        "akademisi@example.org",
        1,
        CommentType.OTHER,
        "Universitas Palangka Raya bersedia membantu menyusun kajian kelayakan kawasan "
        "industri, termasuk analisis dampak lingkungan di lahan gambut.",
        "",
        "",
        None,
    ),
    (
        "kadin@example.org",
        2,
        CommentType.CHANGE,
        "IKM perlu pendampingan pemasaran digital, bukan hanya pelatihan produksi.",
        "Meningkatkan kontribusi IKM melalui pelatihan produksi, sertifikasi halal dan SNI, "
        "serta pendampingan pemasaran digital dan ekspor.",
        "",
        None,
    ),
]
# (author, index of the comment replied to, type, body)
REPLIES = [
    (
        "dinas@example.org",
        1,
        CommentType.OTHER,
        "Terima kasih. Usulan target bertahap akan dibahas pada FGD mendatang.",
    ),
    (
        "kadin@example.org",
        2,
        CommentType.SUPPORT,
        "Setuju, indikatornya perlu jelas. KADIN mengusulkan nilai impor per sektor.",
    ),
    (
        "industri@example.org",
        3,
        CommentType.SUPPORT,
        "Kami sependapat; kepastian lokasi penting bagi investor.",
    ),
]
# Ratings per author: values for strategies 0..2, per criterion (None = cannot judge).
RATINGS = {
    "kadin@example.org": [[5, 4, 4], [4, 4, 3], [5, 5, 4]],
    "industri@example.org": [[4, 3, 2], [4, 3, None], [5, 4, 4]],
    "akademisi@example.org": [[4, 4, 3], [3, 3, 2], [4, 4, 4]],
    "dinas@example.org": [[5, 5, 4], [5, 4, 3], [4, 4, 5]],
}


def seed_example_input(demo: "Demo") -> None:
    """A demo step: example comments, replies and pre-FGD ratings from the demo stakeholders,
    and one comment recorded at the FGD on a participant's behalf."""
    consultation, users = demo.consultation, demo.users
    strategies = list(
        db.session.scalars(
            select(Strategy)
            .join(Section)
            .join(Chapter)
            .where(Chapter.consultation_id == consultation.id)
            .order_by(Chapter.position, Section.position, Strategy.position)
            .limit(3)
        )
    )
    criteria = criteria_of(consultation)
    made = [
        services.add_comment(
            strategies[index],
            users[email],
            {
                "type": ctype,
                "body": body,
                "proposed_wording": wording,
                "reference": reference,
                "paragraph_index": paragraph,
            },
            phase=Phase.PRE,
            consultation=consultation,
        )
        for email, index, ctype, body, wording, reference, paragraph in COMMENTS
    ]
    for email, target, ctype, body in REPLIES:
        services.add_comment(
            strategies[COMMENTS[target][1]],
            users[email],
            {"type": ctype, "body": body, "parent": made[target]},
            phase=Phase.PRE,
            consultation=consultation,
        )
    for email, per_strategy in RATINGS.items():
        for strategy, values in zip(strategies, per_strategy, strict=True):
            given = {c.id: v for c, v in zip(criteria, values, strict=True)}
            services.set_ratings(strategy, criteria, users[email], given, Phase.PRE)
    services.record_on_behalf(
        strategies[-1],
        demo.organiser,
        {
            "type": CommentType.SUPPORT,
            "body": "Disampaikan secara lisan pada FGD: pelaku industri meminta "
            "pelatihan ekspor dilaksanakan di Palangka Raya.",
        },
        phase=Phase.PRE,
        source=InputSource.FGD,
        member=users["industri@example.org"],
    )
