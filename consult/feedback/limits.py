"""Rate limits on comments of people who joined a consultation publicly (by address and by
account); invited participants and organisers are not limited."""

from flask import current_app, request
from flask_login import current_user
from sqlalchemy import select

from consult.extensions import db
from consult.plans.models import Membership


def public_comment_limit() -> str:
    return current_app.config["PUBLIC_COMMENT_RATE_LIMIT"]


def not_public_member() -> bool:
    """Whether the person is no one who joined this consultation publicly."""
    if not current_user.is_authenticated:
        return True
    membership = db.session.scalar(
        select(Membership.is_public).where(
            Membership.consultation_id == request.view_args["consultation_id"],
            Membership.user_id == current_user.id,
        )
    )
    return not membership


def address_key() -> str:
    return "comment-address:" + (request.remote_addr or "unknown")


def account_key() -> str:
    return f"comment-account:{current_user.get_id()}"
