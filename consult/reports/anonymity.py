"""Anonymised figures that hold against filtering and subtraction (k = ANONYMITY_MIN_GROUP_SIZE).

The rules, applied wherever an anonymised export shows a figure:

1. Primary suppression: an aggregate computed from fewer than k people (raters, including
   "cannot judge") is not shown - neither its count nor its mean, median, interval or
   distribution. An aggregate of nobody has nothing to hide and shows as empty.
2. Complementary suppression: within one breakdown (the stakeholder groups of one strategy,
   criterion and phase), the suppressed groups together must count at least k people, or the
   total minus the shown groups would give them back. So the next smallest shown group is
   suppressed too, until they do; when no group is left to suppress, the total is suppressed.
3. Filters never reveal more: a breakdown is judged on all its groups, and an export filtered
   to one group shows that group's figures only where the whole breakdown shows them.
4. A stakeholder group with fewer than k members of the consultation is never named beside a
   person (comments, pseudonyms, participants): its members show no group.
"""

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consult.auth.models import User
from consult.extensions import db
from consult.plans.models import Consultation, MemberRole, Membership

# What a suppressed cell shows instead of its figure.
SUPPRESSED = _l("(suppressed)")


def min_group_size() -> int:
    """k: the fewest people a figure of an anonymised export may be computed from."""
    return int(current_app.config["ANONYMITY_MIN_GROUP_SIZE"])


def too_few(people: int, k: int) -> bool:
    """Primary suppression: some people, but fewer than k (nobody hides nobody)."""
    return 0 < people < k


@dataclass(frozen=True)
class Suppression:
    """What one breakdown may not show: some of its groups, perhaps its total."""

    groups: frozenset
    total: bool

    def hides(self, group: Hashable) -> bool:
        return group in self.groups


def suppress_breakdown(
    sizes: Mapping[Hashable, int], k: int, small_groups: Collection[Hashable] = ()
) -> Suppression:
    """Primary and complementary suppression of one breakdown: people per group -> hidden.

    `small_groups` have fewer than k members and are hidden whatever their count. Ties between
    equally small groups are broken by their keys (None, those without a group, first), so
    the result is repeatable.
    """
    total = sum(sizes.values())
    if too_few(total, k):
        return Suppression(frozenset(sizes), True)
    hidden = {g for g, people in sizes.items() if g in small_groups or too_few(people, k)}
    # Hiding a group of nobody adds nobody to the hidden ones: only groups with people help.
    candidates = sorted(
        (people, g is not None, g) for g, people in sizes.items() if g not in hidden and people
    )
    while hidden and sum(sizes[g] for g in hidden) < k:
        if not candidates:
            return Suppression(frozenset(hidden), True)
        hidden.add(candidates.pop(0)[2])
    return Suppression(frozenset(hidden), False)


def group_member_counts(consultation: Consultation) -> dict[int | None, int]:
    """Participants of the consultation per stakeholder group (None: those without a group)."""
    query = (
        select(User.group_id, func.count(Membership.id))
        .join(User, Membership.user_id == User.id)
        .where(
            Membership.consultation_id == consultation.id,
            Membership.role == MemberRole.PARTICIPANT,
        )
        .group_by(User.group_id)
    )
    return dict(db.session.execute(query).all())


def named_groups(member_counts: Mapping[int | None, int], k: int) -> set[int | None]:
    """Groups that may be named beside a person: at least k members (rule 4)."""
    return {group for group, members in member_counts.items() if members >= k}


def notes(k: int) -> list[str]:
    """The rules in words, for the note every anonymised export carries."""
    return [
        _(
            "Anonymised export: names are pseudonyms that hold within this export only; "
            "e-mails, organisations and positions are removed."
        ),
        _(
            "Figures computed from fewer than %(k)d people are shown as %(marker)s.",
            k=k,
            marker=str(SUPPRESSED),
        ),
        _(
            "Where a suppressed group could be worked out from the total and the other "
            "groups, the next smallest group is suppressed too (or the total)."
        ),
        _(
            "Filtering to one stakeholder group shows its figures only where the whole "
            "breakdown shows them; the comments and participants of a group with fewer than "
            "%(k)d members are not exported filtered by that group.",
            k=k,
        ),
        _(
            "Comments and participants of stakeholder groups with fewer than %(k)d members "
            "show no group.",
            k=k,
        ),
    ]
