"""Example input for the demo consultation: what the four demo stakeholders said and rated."""

from sqlalchemy import select

from consult.auth.models import User
from consult.extensions import db
from consult.feedback import services
from consult.feedback.models import CommentType, InputSource
from consult.plans.models import (
    Chapter,
    Consultation,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Section,
    Strategy,
)

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


def seed_example_input(consultation: Consultation) -> None:
    """Add example comments, replies and pre-FGD ratings from the demo stakeholders."""
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
    criteria = list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.consultation_id == consultation.id)
            .order_by(Criterion.position)
        )
    )
    users = {
        u.email: u for u in db.session.scalars(select(User).where(User.email.in_(list(RATINGS))))
    }
    if not strategies:
        return
    _ensure_members(consultation, users.values())
    made = []
    for email, index, ctype, body, wording, reference, paragraph in COMMENTS:
        author = users.get(email)
        if author is None:
            made.append(None)
            continue
        data = {
            "type": ctype,
            "body": body,
            "proposed_wording": wording,
            "reference": reference,
            "paragraph_index": paragraph,
        }
        made.append(
            services.add_comment(
                strategies[index % len(strategies)],
                author,
                data,
                phase=Phase.PRE,
                consultation=consultation,
            )
        )
    for email, target, ctype, body in REPLIES:
        parent = made[target] if target < len(made) else None
        if users.get(email) is None or parent is None:
            continue
        services.add_comment(
            strategies[COMMENTS[target][1] % len(strategies)],
            users[email],
            {"type": ctype, "body": body, "parent": parent},
            phase=Phase.PRE,
            consultation=consultation,
        )
    for email, per_strategy in RATINGS.items():
        rater = users.get(email)
        if rater is None:
            continue
        for strategy, values in zip(strategies, per_strategy, strict=False):
            given = {c.id: v for c, v in zip(criteria, values, strict=False)}
            services.set_ratings(strategy, criteria, rater, given, Phase.PRE)
    organiser = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.consultation_id == consultation.id,
            Membership.role == MemberRole.ORGANISER,
        )
        .limit(1)
    )
    if organiser is not None and users.get("industri@example.org") is not None:
        services.record_on_behalf(
            strategies[-1],
            organiser,
            {
                "type": CommentType.SUPPORT,
                "body": "Disampaikan secara lisan pada FGD: pelaku industri meminta "
                "pelatihan ekspor dilaksanakan di Palangka Raya.",
            },
            phase=Phase.PRE,
            source=InputSource.FGD,
            member=users["industri@example.org"],
        )


def _ensure_members(consultation: Consultation, users) -> None:
    member_ids = set(
        db.session.scalars(
            select(Membership.user_id).where(Membership.consultation_id == consultation.id)
        )
    )
    for user in users:
        if user.id not in member_ids:
            db.session.add(Membership(consultation_id=consultation.id, user_id=user.id))
    db.session.flush()
