"""The demo consultation: RPIK Kota Palangka Raya 2022-2042, its criteria and its plan.

Made as an organiser would: created, its criteria described, the plan imported from
rpik-palangka-raya.md through the outline importer, the participants added, then published.
"""

from datetime import datetime, time, timedelta
from pathlib import Path

from consult.auth.models import Role, User
from consult.demo.accounts import DEPARTMENT
from consult.extensions import db
from consult.plans import services as plans_services
from consult.plans.importer import parse_markdown
from consult.plans.models import (
    CommentVisibility,
    Consultation,
    MemberRole,
    Membership,
    ModerationMode,
)
from consult.timeutil import local_to_utc, utc_to_local, utcnow

DEMO_TITLE = "Rencana Pembangunan Industri Kota (RPIK) Palangka Raya 2022-2042"
PLAN_FILE = Path(__file__).with_name("rpik-palangka-raya.md")
SCALE = "Sangat rendah\nRendah\nSedang\nTinggi\nSangat tinggi"
SUMMARY = (
    "Pemerintah Kota Palangka Raya melalui Dinas Perdagangan, Koperasi, UKM dan Perindustrian "
    "menyusun **Rencana Pembangunan Industri Kota (RPIK) 2022-2042** sebagai pedoman bagi "
    "pemerintah dan pelaku industri. RPIK disusun sebagai pelaksanaan amanat Undang-Undang "
    "Nomor 3 Tahun 2014 tentang Perindustrian dan selaras dengan Rencana Induk Pembangunan "
    "Industri Nasional (RIPIN) berdasarkan Peraturan Pemerintah Nomor 14 Tahun 2015."
    "\n\n"
    "Kami mengundang instansi terkait, KADIN, pelaku industri dan pakar perguruan tinggi untuk "
    "memberi masukan dan penilaian atas setiap strategi, sebelum dan sesudah Focus Group "
    "Discussion (FGD). Semua masukan akan dijawab dalam matriks tanggapan."
)
SCALE_EN = "Very low\nLow\nMedium\nHigh\nVery high"
CRITERIA_DESCRIPTIONS = {
    "relevance": "Seberapa relevan strategi ini bagi industri kota?",
    "priority": "Seberapa mendesak strategi ini dilaksanakan?",
    "feasibility": "Seberapa layak strategi ini dilaksanakan?",
}
CRITERIA_EN = {  # key: (name, description) in English
    "relevance": ("Relevance", "How relevant is this strategy to the city's industry?"),
    "priority": ("Priority", "How urgently should this strategy be carried out?"),
    "feasibility": ("Feasibility", "How feasible is this strategy?"),
}


def _schedule() -> dict[str, datetime]:
    """Round local (WIB) times around today, so the demo reads like a real schedule."""
    today = utc_to_local(utcnow()).date()

    def wib(days: int, hour: int, minute: int = 0) -> datetime:
        return local_to_utc(datetime.combine(today + timedelta(days=days), time(hour, minute)))

    return {
        "pre_opens_at": wib(-3, 8),
        # Pre-FGD input closes the evening before the FGD (day 5, consult/fgd/demo.py);
        # post-FGD input opens after it.
        "pre_closes_at": wib(4, 23, 59),
        "post_opens_at": wib(6, 8),
        "post_closes_at": wib(25, 23, 59),
    }


def seed_consultation(users: dict[str, User]) -> Consultation:
    """The published demo consultation, its organiser and every demo participant as members."""
    organiser = users["organiser@example.org"]
    consultation = plans_services.create_consultation(
        organiser,
        {
            "title": DEMO_TITLE,
            "summary": SUMMARY,
            "department": DEPARTMENT,
            "comment_visibility": CommentVisibility.ALL,
            "moderation_mode": ModerationMode.POST,
            **_schedule(),
        },
    )
    for criterion in plans_services.criteria_of(consultation):
        plans_services.update_criterion(
            criterion,
            organiser,
            {
                "label": criterion.label,
                "description": CRITERIA_DESCRIPTIONS[criterion.key],
                "scale_labels": SCALE,
                "label_en": CRITERIA_EN[criterion.key][0],
                "description_en": CRITERIA_EN[criterion.key][1],
                "scale_labels_en": SCALE_EN,
            },
        )
    parsed = parse_markdown(PLAN_FILE.read_text(encoding="utf-8"))
    if parsed.problems:
        raise ValueError(f"{PLAN_FILE.name}: {[p.kind for p in parsed.problems]}")
    plans_services.apply_outline(consultation, parsed.outline, organiser)
    for user in users.values():
        if user.role == Role.PARTICIPANT:
            db.session.add(
                Membership(
                    consultation_id=consultation.id, user_id=user.id, role=MemberRole.PARTICIPANT
                )
            )
    db.session.flush()
    return plans_services.publish_consultation(consultation, organiser)
