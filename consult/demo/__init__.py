"""The Palangka Raya demo: `flask seed-demo` (and the browser tests) call seed().

seed() makes the accounts and the consultation, then runs STEPS in order. A step is a function
`step(demo: Demo) -> None` that adds one kind of example content through its feature's
services (they flush; seed's caller commits). To add one, write it in your feature's `demo.py`
(e.g. `consult/fgd/demo.py: seed_fgd(demo)`) and append it to STEPS below.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from consult.auth.models import User
from consult.demo.accounts import DEMO_PASSWORD, seed_accounts
from consult.demo.consultation import DEMO_TITLE, seed_consultation
from consult.extensions import db
from consult.feedback.demo import seed_example_input
from consult.fgd.demo import seed_fgd
from consult.plans.models import Consultation
from consult.privacy.demo import accept_notice_for_demo
from consult.public.demo import seed_public_input

__all__ = ["DEMO_PASSWORD", "DEMO_TITLE", "Demo", "STEPS", "seed"]


@dataclass
class Demo:
    """What every step may build on."""

    consultation: Consultation
    users: dict[str, User]  # by e-mail: admin@, organiser@, kadin@, industri@, ...

    @property
    def organiser(self) -> User:
        return self.users["organiser@example.org"]


# Run in this order after the consultation exists.
STEPS: list[Callable[[Demo], None]] = [
    seed_example_input,  # comments, replies, ratings and input recorded at the FGD
    seed_fgd,  # an upcoming FGD session and a finished one with its record
    seed_public_input,  # public to read and give input, with comments from the public
]


def seed() -> Consultation:
    """Create the demo groups, accounts and consultation with its example content (the caller
    commits). Run again, it adds missing accounts and leaves an existing demo as it is."""
    users = seed_accounts()
    accept_notice_for_demo(users)
    existing = db.session.scalar(select(Consultation).where(Consultation.title == DEMO_TITLE))
    if existing is not None:
        return existing
    demo = Demo(consultation=seed_consultation(users), users=users)
    for step in STEPS:
        step(demo)
    return demo.consultation
