"""Who took part in a consultation: invited and active participants, FGD attendance and
written comments per stakeholder group, and invited against public participants."""

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, union

from consult.auth.models import StakeholderGroup, User
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.plans.models import Consultation, MemberRole, Membership

# Input that counts for coverage and participation: everything not withdrawn or refused.
COUNTED_STATUSES = (CommentStatus.PUBLISHED, CommentStatus.PENDING, CommentStatus.HIDDEN)


@dataclass
class GroupParticipation:
    group: StakeholderGroup | None
    invited: int = 0
    active: int = 0
    attended: int = 0  # present at an FGD session, walk-ins included
    written: int = 0  # comments (not replies) counted in the analysis


@dataclass
class Origin:
    """Participants who were invited, or who joined through public registration: counted
    apart so the invited stakeholders' picture is not swamped by the whole city."""

    members: int = 0
    active: int = 0
    comments: int = 0
    ratings: int = 0



def participation_by_origin(consultation: Consultation) -> dict[str, Origin]:
    """Members, active members, comments and ratings of invited and of public participants,
    in one grouped query."""
    member = and_(
        Membership.consultation_id == consultation.id, Membership.role == MemberRole.PARTICIPANT
    )
    comments = (
        select(Comment.author_id, func.count(Comment.id).label("n"))
        .where(Comment.consultation_id == consultation.id, Comment.status.in_(COUNTED_STATUSES))
        .group_by(Comment.author_id)
        .subquery()
    )
    ratings = (
        select(Rating.user_id, func.count(Rating.id).label("n"))
        .where(Rating.consultation_id == consultation.id)
        .group_by(Rating.user_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Membership.is_public,
            func.count(Membership.id),
            func.count(Membership.id).filter(
                or_(comments.c.n.is_not(None), ratings.c.n.is_not(None))
            ),
            func.coalesce(func.sum(comments.c.n), 0),
            func.coalesce(func.sum(ratings.c.n), 0),
        )
        .where(member)
        .outerjoin(comments, comments.c.author_id == Membership.user_id)
        .outerjoin(ratings, ratings.c.user_id == Membership.user_id)
        .group_by(Membership.is_public)
    ).all()
    origins = {"invited": Origin(), "public": Origin()}
    for is_public, members, active, comment_count, rating_count in rows:
        origins["public" if is_public else "invited"] = Origin(
            members, active, int(comment_count), int(rating_count)
        )
    return origins


def participation_by_group(
    consultation: Consultation, groups: dict[int | None, StakeholderGroup | None]
) -> list[GroupParticipation]:
    """Invited and active (rated or commented) participants per stakeholder group, beside
    those present at the FGD (walk-ins included) and the group's written comments."""
    invited = dict(
        db.session.execute(
            select(User.group_id, func.count(Membership.id))
            .join(User, Membership.user_id == User.id)
            .where(
                Membership.consultation_id == consultation.id,
                Membership.role == MemberRole.PARTICIPANT,
            )
            .group_by(User.group_id)
        ).all()
    )
    contributors = union(
        select(Rating.user_id.label("user_id")).where(Rating.consultation_id == consultation.id),
        select(Comment.author_id.label("user_id")).where(
            Comment.consultation_id == consultation.id,
            Comment.author_id.is_not(None),
            Comment.status.in_(COUNTED_STATUSES),
        ),
    ).subquery()
    active = dict(
        db.session.execute(
            select(User.group_id, func.count(func.distinct(User.id)))
            .join(contributors, contributors.c.user_id == User.id)
            .join(
                Membership,
                and_(
                    Membership.user_id == User.id,
                    Membership.consultation_id == consultation.id,
                    Membership.role == MemberRole.PARTICIPANT,
                ),
            )
            .group_by(User.group_id)
        ).all()
    )
    from consult.fgd.attendance import attended_by_group

    attended = attended_by_group(consultation.id)
    written = dict(
        db.session.execute(
            select(Comment.group_id, func.count(Comment.id))
            .where(
                Comment.consultation_id == consultation.id,
                Comment.parent_id.is_(None),
                Comment.status.in_(COUNTED_STATUSES),
            )
            .group_by(Comment.group_id)
        ).all()
    )
    rows = [
        GroupParticipation(
            group,
            invited=invited.get(group_id, 0),
            active=active.get(group_id, 0),
            attended=attended.get(group_id, 0),
            written=written.get(group_id, 0),
        )
        for group_id, group in groups.items()
    ]
    return [r for r in rows if r.invited or r.active or r.attended or r.group is not None]
