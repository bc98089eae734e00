"""Demo step: the RPIK consultation is public to read and give input, with a few comments from
people of the city who registered themselves (two approved, one waiting for the organiser)."""

from typing import TYPE_CHECKING

from sqlalchemy import select

from consult.auth.models import User
from consult.auth.passwords import hash_password
from consult.demo.accounts import DEMO_PASSWORD
from consult.extensions import db
from consult.feedback import services as feedback_services
from consult.feedback.models import CommentType
from consult.moderation.services import approve_comment
from consult.plans.models import Chapter, Phase, Section, Strategy, Visibility
from consult.plans.services import criteria_of
from consult.public.services import join_publicly, public_group

if TYPE_CHECKING:  # the demo package imports this step, not the other way round
    from consult.demo import Demo

PUBLIC_DEMO_EMAIL = "warga@example.org"

# (email, name, city, organisation, type, body, approved)
PUBLIC_COMMENTS = [
    (
        PUBLIC_DEMO_EMAIL,
        "Rina Warga",
        "Kota Palangka Raya",
        "",
        CommentType.SUPPORT,
        "Sebagai perajin rotan rumahan saya mendukung strategi ini, asal pelatihan dan "
        "bantuan alat juga menjangkau usaha kecil di kelurahan, bukan hanya pabrik besar.",
        True,
    ),
    (
        "forum.warga@example.org",
        "Yusuf Hamdani",
        "Kota Palangka Raya",
        "Forum Warga Jekan Raya",
        CommentType.QUESTION,
        "Bagaimana dampak kawasan industri terhadap banjir di sekitar Sungai Kahayan? "
        "Mohon kajian lingkungannya dibuka untuk masyarakat.",
        True,
    ),
    (
        "mahasiswa@example.org",
        "Dewi Lestari",
        "Kabupaten Pulang Pisau",
        "",
        CommentType.OTHER,
        "Perlu ada kuota magang bagi lulusan SMK dan perguruan tinggi setempat di "
        "industri yang dibangun.",
        False,
    ),
]


def _person(email: str, name: str, city: str, organisation: str) -> User:
    user = User(
        email=email,
        name=name,
        city=city,
        organisation=organisation,
        group_id=public_group().id,
        password_hash=hash_password(DEMO_PASSWORD),
    )
    db.session.add(user)
    db.session.flush()
    return user


def seed_public_input(demo: "Demo") -> None:
    """A demo step: make the consultation public and add the public comments above."""
    consultation = demo.consultation
    consultation.visibility = Visibility.INPUT
    strategy = db.session.scalar(
        select(Strategy)
        .join(Section)
        .join(Chapter)
        .where(Chapter.consultation_id == consultation.id)
        .order_by(Chapter.position, Section.position, Strategy.position)
        .limit(1)
    )
    criteria = criteria_of(consultation)
    for email, name, city, organisation, ctype, body, approved in PUBLIC_COMMENTS:
        person = _person(email, name, city, organisation)
        demo.users[email] = person
        join_publicly(person, consultation)
        comment = feedback_services.add_comment(
            strategy, person, {"type": ctype, "body": body}, phase=Phase.PRE
        )
        if approved:
            approve_comment(comment, demo.organiser)
        # Rated like anyone's: each gives the strategy a middling-to-high mark.
        values = {c.id: 3 + (len(name) + c.id) % 3 for c in criteria}
        feedback_services.set_ratings(strategy, criteria, person, values, Phase.PRE)
