"""The demo's stakeholder groups and accounts; every demo password is DEMO_PASSWORD."""

from sqlalchemy import select

from consult.auth.models import Role, User
from consult.auth.passwords import hash_password
from consult.auth.services import ensure_default_groups
from consult.extensions import db

DEMO_PASSWORD = "rembuk-demo-2042"  # nosec B105 - published demo password, demo data only
DEPARTMENT = "Dinas Perdagangan, Koperasi, UKM dan Perindustrian Kota Palangka Raya"

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


def seed_accounts() -> dict[str, User]:
    """The default groups and the demo accounts (existing ones are kept), by e-mail."""
    groups = {group.name: group for group in ensure_default_groups()}
    password_hash = hash_password(DEMO_PASSWORD)
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
