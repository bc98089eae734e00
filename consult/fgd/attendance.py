"""Attendance (daftar hadir): check-in by search or QR code, walk-ins, counts per group.

Every function flushes and records to the audit trail; the caller commits.
"""

from collections import Counter

from sqlalchemy import func, select

from consult.auth.models import StakeholderGroup
from consult.extensions import db
from consult.fgd.models import Attendee, FgdSession


def counts_by_group(session: FgdSession) -> list[tuple[str | None, int]]:
    """(group name or None, attendees) for the session, in the groups' order; one query."""
    rows = db.session.execute(
        select(StakeholderGroup.name, StakeholderGroup.position, func.count(Attendee.id))
        .select_from(Attendee)
        .outerjoin(StakeholderGroup, StakeholderGroup.id == Attendee.group_id)
        .where(Attendee.session_id == session.id)
        .group_by(StakeholderGroup.id, StakeholderGroup.name, StakeholderGroup.position)
    ).all()
    counted = Counter()
    order = {}
    for name, position, count in rows:
        counted[name] += count
        order[name] = position
    return sorted(counted.items(), key=lambda item: (item[0] is None, order[item[0]] or 0))
