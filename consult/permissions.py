"""Who may do what: pure functions (user, object) -> bool, shared by views and templates.

Views call them through `require`, which aborts; templates get them from a context processor,
so what a page offers and what the server accepts never disagree. A rule that queries need
too has its SQL twin here, beside it (`can_manage`: `managed_consultation_ids`, `manager_ids`).
"""

from flask import abort, has_request_context, request
from sqlalchemy import Select, false, or_, select

from consult.auth.models import Role, User
from consult.extensions import db
from consult.plans.models import (
    Consultation,
    ConsultationState,
    MemberRole,
    Membership,
    Visibility,
)


def _memberships() -> dict:
    # Cached on the request, not the user object: identity-mapped users outlive a request.
    return request.environ.setdefault("rembuk.memberships", {}) if has_request_context() else {}


def remember_membership(user: User, consultation: Consultation, membership) -> None:
    """Record a membership (or None) loaded together with its consultation, saving a query."""
    _memberships()[(user.id, consultation.id)] = membership


def membership_of(user: User, consultation: Consultation) -> Membership | None:
    """The user's membership in a consultation, looked up once per request."""
    if not getattr(user, "is_authenticated", False):
        return None
    cache = _memberships()
    key = (user.id, consultation.id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(Membership).where(
                Membership.consultation_id == consultation.id, Membership.user_id == user.id
            )
        )
    return cache[key]


def is_admin(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role == Role.ADMIN)


def can_create_consultation(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_organiser)


def can_manage(user: User, consultation: Consultation) -> bool:
    """Organisers of this consultation, and admins, run it (edit, invite, moderate, export)."""
    if is_admin(user):
        return True
    membership = membership_of(user, consultation)
    return membership is not None and membership.role == MemberRole.ORGANISER


can_moderate = can_manage


def managed_consultation_ids(user: User) -> Select:
    """SQL twin of can_manage: a select of the ids of the consultations the user runs."""
    if is_admin(user):
        return select(Consultation.id)
    if not getattr(user, "is_authenticated", False):
        return select(Consultation.id).where(false())
    return select(Membership.consultation_id).where(
        Membership.user_id == user.id, Membership.role == MemberRole.ORGANISER
    )


def manager_ids(consultation: Consultation) -> Select:
    """SQL twin of can_manage: a select of the ids of the users who run the consultation."""
    organisers = select(Membership.user_id).where(
        Membership.consultation_id == consultation.id, Membership.role == MemberRole.ORGANISER
    )
    return organisers.union(select(User.id).where(User.role == Role.ADMIN))


def can_view(user: User, consultation: Consultation) -> bool:
    """Members see a consultation once it is published; its organisers see drafts too."""
    if can_manage(user, consultation):
        return True
    if consultation.state == ConsultationState.DRAFT:
        return False
    return membership_of(user, consultation) is not None


def may_vote_in_room(state: ConsultationState, role: MemberRole | None) -> bool:
    """can_view for the room's tap, from the columns its one statement reads: a member of a
    published (or closed) consultation, or an organiser of a draft."""
    return role is not None and (role == MemberRole.ORGANISER or state != ConsultationState.DRAFT)


def may_run_room(user: User, role: MemberRole | None) -> bool:
    """can_manage for the projector's poll, from the membership role its statement reads."""
    return is_admin(user) or role == MemberRole.ORGANISER


# --- the public: anyone not invited, signed in or not ----------------------------------------

PUBLIC_STATES = (ConsultationState.PUBLISHED, ConsultationState.CLOSED)
PUBLIC_VISIBILITIES = (Visibility.READ, Visibility.INPUT)


def can_read_publicly(consultation: Consultation) -> bool:
    """The one rule for readers who are not members (anonymous or signed in): a consultation
    its organisers made public, once published and until archived. Everything else about it
    stays a 404 to them, exactly as for an invited-only consultation."""
    return consultation.visibility in PUBLIC_VISIBILITIES and consultation.state in PUBLIC_STATES


def publicly_readable():
    """SQL twin of can_read_publicly: a condition on Consultation."""
    # Equalities, not IN: SQLAlchemy expands an IN list anew on every execution, which cost a
    # public page's 304 statement more than SQLite took to run it.
    return or_(*(Consultation.visibility == value for value in PUBLIC_VISIBILITIES)) & or_(
        *(Consultation.state == value for value in PUBLIC_STATES)
    )


def can_register_publicly(consultation: Consultation) -> bool:
    """Anyone may register (or, signed in, join) to give input: public input, published."""
    return (
        consultation.visibility == Visibility.INPUT
        and consultation.state == ConsultationState.PUBLISHED
    )


def shows_public_author_names(user: User, consultation: Consultation) -> bool:
    """Whether a reader sees authors' names: members do as today; the public only when the
    consultation's setting allows. E-mail addresses are never shown to the public."""
    return consultation.public_author_names or can_view(user, consultation)


def can_participate(user: User, consultation: Consultation) -> bool:
    """May submit input now: invited, not suspended, consultation published."""
    if consultation.state != ConsultationState.PUBLISHED:
        return False
    membership = membership_of(user, consultation)
    return membership is not None and membership.suspended_at is None


def can_manage_accounts(user: User) -> bool:
    return is_admin(user)


def can_confirm_erasure(user: User, subject: User) -> bool:
    """Admins, and organisers of a consultation the person takes part in, erase an account."""
    if not getattr(user, "is_authenticated", False) or user.id == subject.id:
        return False
    if is_admin(user):
        return True
    if not user.is_organiser:
        return False
    organised = select(Membership.consultation_id).where(
        Membership.user_id == user.id, Membership.role == MemberRole.ORGANISER
    )
    shared = select(Membership.id).where(
        Membership.user_id == subject.id, Membership.consultation_id.in_(organised)
    )
    return db.session.scalar(shared.limit(1)) is not None


def require(allowed: bool, status: int = 403) -> None:
    """Abort with `status` unless allowed."""
    if not allowed:
        abort(status)


def require_view(user: User, consultation: Consultation) -> None:
    """404, not 403, so an uninvited participant cannot tell the consultation exists."""
    require(can_view(user, consultation), 404)


def require_manage(user: User, consultation: Consultation) -> None:
    """404 to those who cannot see it at all; 403 to members who may not manage it."""
    require_view(user, consultation)
    require(can_manage(user, consultation), 403)


TEMPLATE_PERMISSIONS = {
    "can_manage": can_manage,
    "can_moderate": can_moderate,
    "can_view": can_view,
    "can_participate": can_participate,
    "can_create_consultation": can_create_consultation,
    "can_manage_accounts": can_manage_accounts,
    "can_read_publicly": can_read_publicly,
    "can_register_publicly": can_register_publicly,
}


def can_edit_comment(user: User, comment, consultation: Consultation) -> bool:
    """Authors edit or withdraw their own online comments while the consultation is open."""
    from consult.feedback.models import CommentStatus

    return bool(
        getattr(user, "is_authenticated", False)
        and comment.author_id == user.id
        and comment.entered_by_id is None
        and consultation.state == ConsultationState.PUBLISHED
        and comment.status in (CommentStatus.PUBLISHED, CommentStatus.PENDING)
    )


def can_flag_comment(user: User, comment) -> bool:
    """Signed-in users may flag others' published comments for the moderators."""
    from consult.feedback.models import CommentStatus

    return bool(
        getattr(user, "is_authenticated", False)
        and comment.status == CommentStatus.PUBLISHED
        and comment.author_id != user.id
    )


class CommentControls:
    """can_edit_comment and can_flag_comment for one reader on one page of comments, decided
    once: per comment only its author, recorder and status are left to compare."""

    __slots__ = ("reader_id", "editable", "flaggable")

    def __init__(self, user: User, consultation: Consultation):
        from consult.feedback.models import CommentStatus

        signed_in = bool(getattr(user, "is_authenticated", False))
        self.reader_id = user.id if signed_in else None
        self.editable = (
            (CommentStatus.PUBLISHED, CommentStatus.PENDING)
            if signed_in and consultation.state == ConsultationState.PUBLISHED
            else ()
        )
        self.flaggable = (CommentStatus.PUBLISHED,) if signed_in else ()

    def may_edit(self, author_id: int | None, entered_by_id: int | None, status) -> bool:
        return author_id == self.reader_id and entered_by_id is None and status in self.editable

    def may_flag(self, author_id: int | None, status) -> bool:
        return status in self.flaggable and author_id != self.reader_id


def can_record_input(user: User, consultation: Consultation) -> bool:
    """Organisers may record input given at the FGD or on paper until the archive."""
    return can_manage(user, consultation) and consultation.state != ConsultationState.ARCHIVED


TEMPLATE_PERMISSIONS.update(
    can_edit_comment=can_edit_comment,
    can_flag_comment=can_flag_comment,
    can_record_input=can_record_input,
)


def can_revise_plan(user: User, consultation: Consultation) -> bool:
    """Organisers publish revised texts of the plan until the consultation is archived."""
    return can_manage(user, consultation) and consultation.state != ConsultationState.ARCHIVED


TEMPLATE_PERMISSIONS.update(can_revise_plan=can_revise_plan)
