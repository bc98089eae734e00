"""Authorisation matrix: every route of the app x every kind of visitor.

The routes come from app.url_map, so a route added without a rule here fails
test_every_route_has_a_rule_in_the_matrix. Each rule says how to build the URL from the
fixture world (consultation A and its content), which methods to try, and what each role
gets:

  ok     200, or a redirect that is not to the login page (400/422 also for POSTs: the
         request passed the permission checks and was refused as input)
  login  a redirect to /login (anonymous visitors)
  403    a member of A without the right, or an account without the role
  404    not visible: not invited to A, organiser of another consultation only

Participants see only consultations they are invited to (404 otherwise, never 403).
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
from conftest import first_strategy
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from consult.auth.models import Invitation, Role, User
from consult.auth.services import create_invitation
from consult.auth.tokens import (
    make_checkin_token,
    make_invitation_token,
    make_reset_token,
    make_room_token,
)
from consult.documents.models import IssuedDocument, Signatory
from consult.extensions import db
from consult.feedback.models import Comment
from consult.feedback.services import add_attachment, add_comment, add_document
from consult.fgd.models import (
    AgendaItem,
    Attendee,
    CheckInMethod,
    FgdSession,
    Rsvp,
    RsvpAnswer,
    SpeakingTurn,
)
from consult.notifications import NotificationKind, notify
from consult.plans.models import (
    Chapter,
    Consultation,
    ConsultationState,
    ContentVersion,
    Criterion,
    MemberRole,
    Membership,
    Phase,
    Visibility,
)
from consult.privacy.models import ErasureRequest
from consult.privacy.notices import publish_notice
from consult.reports.export_jobs import run_export_job, submit_export
from consult.reports.exports import ExportFilters
from consult.reports.import_jobs import submit_import
from consult.timeutil import utcnow

ROLES = ("anonymous", "invited", "uninvited", "other_organiser", "organiser", "admin")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Never part of the matrix: files served as they are, and the load-test blueprint that
# exists only when BENCH_MODE is on.
EXCLUDED_ENDPOINTS = {"static", "bootstrap.static"}
EXCLUDED_BLUEPRINTS = {"bench"}


def _roles(**expected: str) -> dict[str, str]:
    missing = set(ROLES) - set(expected)
    assert not missing, missing
    return expected


# Expectation profiles shared by many routes.
PUBLIC = _roles(
    anonymous="ok", invited="ok", uninvited="ok", other_organiser="ok", organiser="ok", admin="ok"
)
SIGNED_IN = _roles(
    anonymous="login",
    invited="ok",
    uninvited="ok",
    other_organiser="ok",
    organiser="ok",
    admin="ok",
)
VIEW_A = _roles(
    anonymous="login",
    invited="ok",
    uninvited="404",
    other_organiser="404",
    organiser="ok",
    admin="ok",
)
MANAGE_A = _roles(
    anonymous="login",
    invited="403",
    uninvited="404",
    other_organiser="404",
    organiser="ok",
    admin="ok",
)
# Export jobs: only the consultation's organisers and admins; members get 404 too, so a
# job's existence is not revealed.
MANAGE_A_HIDDEN = _roles(
    anonymous="login",
    invited="404",
    uninvited="404",
    other_organiser="404",
    organiser="ok",
    admin="ok",
)
# Taking part (commenting, rating): members of A who are not suspended; an admin is not a
# member and so gives no input of their own.
PARTICIPATE_A = _roles(
    anonymous="login",
    invited="ok",
    uninvited="404",
    other_organiser="404",
    organiser="ok",
    admin="403",
)
# The author's own comment: other people see it but may not change it.
AUTHOR_ONLY = _roles(
    anonymous="login",
    invited="ok",
    uninvited="404",
    other_organiser="404",
    organiser="403",
    admin="403",
)
ORGANISERS = _roles(
    anonymous="login",
    invited="403",
    uninvited="403",
    other_organiser="ok",
    organiser="ok",
    admin="ok",
)
ADMIN_ONLY = _roles(
    anonymous="login",
    invited="403",
    uninvited="403",
    other_organiser="403",
    organiser="403",
    admin="ok",
)
OWN_NOTIFICATION = _roles(
    anonymous="login",
    invited="ok",
    uninvited="404",
    other_organiser="404",
    organiser="404",
    admin="404",
)
LANDS_ON_LOGIN = dict.fromkeys(ROLES, "login")
# The public pages of a consultation (consult/public): A is invited-only, so they do not exist
# for anyone; test_public_consultation_opens_only_its_public_pages makes A public.
NOT_PUBLIC = dict.fromkeys(ROLES, "404")
NOT_PUBLIC_SIGNED_IN = {**NOT_PUBLIC, "anonymous": "login"}
# Only an anonymous visitor lands on the login page; signed-in people are sent on.
SIGNED_IN_OR_LOGIN = SIGNED_IN


@dataclass
class Rule:
    """How to call one endpoint and what each role gets, per method."""

    args: Any = None  # callable(world) -> dict of URL values
    get: dict[str, str] | None = None
    post: dict[str, str] | None = None
    data: Any = None  # callable(world) -> form data for the POST
    query: dict[str, str] = field(default_factory=dict)

    def url_values(self, world) -> dict:
        return self.args(world) if self.args else {}

    def post_data(self, world) -> dict:
        return self.data(world) if self.data else {}


def a(**extra):
    """URL values: consultation A plus named fixture objects."""

    def build(w):
        values = {"consultation_id": w.a.id}
        for key, attribute in extra.items():
            values[key] = attribute(w) if callable(attribute) else attribute
        return values

    return build


def ids(**extra):
    def build(w):
        return {key: (value(w) if callable(value) else value) for key, value in extra.items()}

    return build


def _pdf(name="lampiran.pdf"):
    return (io.BytesIO(PDF), name)


MATRIX: dict[str, Rule] = {
    # --- public: sign-in, reset, invitation, language, health -----------------------------
    "auth.login": Rule(get=PUBLIC, post=PUBLIC),
    "auth.login_code": Rule(get=SIGNED_IN_OR_LOGIN, post=SIGNED_IN_OR_LOGIN),
    # Both end on the login page whoever asks: that is where they lead, not a refusal.
    "auth.logout": Rule(post=LANDS_ON_LOGIN),
    "auth.request_reset": Rule(
        get=PUBLIC, post=LANDS_ON_LOGIN, data=lambda w: {"email": "x@example.org"}
    ),
    "auth.reset_password": Rule(args=ids(token=lambda w: w.reset_token), get=PUBLIC, post=PUBLIC),
    "auth.accept_invitation": Rule(
        args=ids(token=lambda w: w.invitation_token), get=PUBLIC, post=PUBLIC
    ),
    "core.set_language": Rule(post=PUBLIC, data=lambda w: {"lang": "en"}),
    "core.health": Rule(get=PUBLIC),
    "core.index": Rule(get=SIGNED_IN_OR_LOGIN),
    # --- one's own account -----------------------------------------------------------------
    "auth.account": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "auth.change_email": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "auth.change_password": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "auth.enable_totp": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "auth.disable_totp": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "auth.reauth": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "feedback.my_input": Rule(get=SIGNED_IN),
    "moderation.inbox": Rule(get=SIGNED_IN),
    "moderation.notification_settings": Rule(get=SIGNED_IN, post=SIGNED_IN),
    "moderation.read_all_notifications": Rule(post=SIGNED_IN),
    "moderation.read_notification": Rule(
        args=ids(notification_id=lambda w: w.notification.id), post=OWN_NOTIFICATION
    ),
    "plans.list_consultations": Rule(get=SIGNED_IN),
    # --- accounts and groups (admins) ------------------------------------------------------
    "auth.list_users": Rule(get=ADMIN_ONLY),
    "auth.change_role": Rule(
        args=ids(user_id=lambda w: w.target.id),
        post=ADMIN_ONLY,
        data=lambda w: {"role": "admin"},
    ),
    "auth.deactivate_user": Rule(args=ids(user_id=lambda w: w.target.id), post=ADMIN_ONLY),
    "auth.reactivate_user": Rule(args=ids(user_id=lambda w: w.target.id), post=ADMIN_ONLY),
    "auth.reset_totp": Rule(args=ids(user_id=lambda w: w.target.id), post=ADMIN_ONLY),
    "auth.list_groups": Rule(get=ADMIN_ONLY, post=ADMIN_ONLY, data=lambda w: {"name": "Baru"}),
    "auth.rename_group": Rule(
        args=ids(group_id=lambda w: w.group.id),
        post=ADMIN_ONLY,
        data=lambda w: {f"g{w.group.id}-name": "Nama lain"},
    ),
    "auth.move_group": Rule(
        args=ids(group_id=lambda w: w.group.id, direction="up"), post=ADMIN_ONLY
    ),
    "auth.set_group_active": Rule(
        args=ids(group_id=lambda w: w.group.id, state="off"), post=ADMIN_ONLY
    ),
    # --- organisers across consultations ---------------------------------------------------
    "auth.outbox": Rule(get=ORGANISERS),
    "plans.new_consultation": Rule(get=ORGANISERS, post=ORGANISERS),
    "moderation.audit_log": Rule(get=ORGANISERS),
    "moderation.export_audit": Rule(post=ORGANISERS),
    "moderation.queue": Rule(
        get=_roles(
            anonymous="login",
            invited="403",
            uninvited="403",
            other_organiser="ok",
            organiser="ok",
            admin="ok",
        )
    ),
    "moderation.decide_comment": Rule(
        args=ids(comment_id=lambda w: w.comment.id),
        post=MANAGE_A,
        data=lambda w: {"action": "hide", "reason": "spam"},
    ),
    "moderation.bulk_decide": Rule(
        post=MANAGE_A,
        data=lambda w: {"action": "hide", "reason": "spam", "comment_ids": [w.comment.id]},
    ),
    # --- reading consultation A ------------------------------------------------------------
    "feedback.consultation_overview": Rule(args=a(), get=VIEW_A),
    "feedback.show_section": Rule(args=a(section_id=lambda w: w.section.id), get=VIEW_A),
    "feedback.show_strategy": Rule(args=a(strategy_id=lambda w: w.strategy.id), get=VIEW_A),
    "feedback.rate_section": Rule(args=a(section_id=lambda w: w.section.id), get=VIEW_A),
    "feedback.comment_history": Rule(args=a(comment_id=lambda w: w.comment.id), get=VIEW_A),
    "feedback.download_attachment": Rule(
        args=a(attachment_id=lambda w: w.attachment.id), get=VIEW_A
    ),
    "feedback.download_document": Rule(args=a(document_id=lambda w: w.document.id), get=VIEW_A),
    "feedback.documents": Rule(
        args=a(),
        get=VIEW_A,
        post=MANAGE_A,
        data=lambda w: {"kind": "minutes", "title": "Notulen", "file": _pdf("notulen.pdf")},
    ),
    "revisions.list_versions": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id), get=VIEW_A
    ),
    "revisions.show_version": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id, number=1), get=VIEW_A
    ),
    "reports.you_said_we_did": Rule(args=a(), get=VIEW_A),
    # --- taking part in consultation A -----------------------------------------------------
    "feedback.add_comment": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id),
        post=PARTICIPATE_A,
        data=lambda w: {"type": "other", "body": "Komentar baru."},
    ),
    "feedback.rate_strategy": Rule(
        args=a(strategy_id=lambda w: w.strategy.id),
        post=PARTICIPATE_A,
        data=lambda w: {f"c{w.criterion.id}": "4"},
    ),
    "feedback.save_section_ratings": Rule(
        args=a(section_id=lambda w: w.section.id),
        post=PARTICIPATE_A,
        data=lambda w: {f"s{w.strategy.id}-criterion_{w.criterion.id}": "4"},
    ),
    "feedback.edit_comment": Rule(
        args=a(comment_id=lambda w: w.comment.id),
        get=AUTHOR_ONLY,
        post=AUTHOR_ONLY,
        data=lambda w: {"type": "other", "body": "Diubah."},
    ),
    "feedback.withdraw_comment": Rule(args=a(comment_id=lambda w: w.comment.id), post=AUTHOR_ONLY),
    "moderation.flag_comment": Rule(
        args=a(comment_id=lambda w: w.peer_comment.id),
        get=VIEW_A,
        post=VIEW_A,
        data=lambda w: {"reason": "spam"},
    ),
    # --- running consultation A ------------------------------------------------------------
    "feedback.record_input": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id), get=MANAGE_A, post=MANAGE_A
    ),
    "feedback.record_ratings": Rule(args=a(strategy_id=lambda w: w.strategy.id), post=MANAGE_A),
    "invitations.list_participants": Rule(args=a(), get=MANAGE_A),
    "invitations.invite_one": Rule(
        args=a(),
        post=MANAGE_A,
        data=lambda w: {"name": "Tamu Baru", "email": "tamu@example.org"},
    ),
    "invitations.import_csv": Rule(args=a(), post=MANAGE_A),
    "invitations.import_csv_mapped": Rule(args=a(), post=MANAGE_A),
    "invitations.invitation_link": Rule(
        args=a(membership_id=lambda w: w.membership.id), post=MANAGE_A
    ),
    "invitations.resend_invitation": Rule(
        args=a(membership_id=lambda w: w.membership.id), post=MANAGE_A
    ),
    "moderation.participants": Rule(args=a(), get=MANAGE_A),
    "moderation.suspend_participant": Rule(
        args=a(membership_id=lambda w: w.membership.id),
        post=MANAGE_A,
        data=lambda w: {"reason": "Melanggar aturan"},
    ),
    "moderation.lift_suspension": Rule(
        args=a(membership_id=lambda w: w.membership.id), post=MANAGE_A
    ),
    "plans.manage_consultation": Rule(args=a(), get=MANAGE_A),
    "plans.edit_consultation": Rule(args=a(), get=MANAGE_A, post=MANAGE_A),
    "plans.change_state": Rule(args=a(action="close"), post=MANAGE_A),
    "plans.add_chapter": Rule(
        args=a(), get=MANAGE_A, post=MANAGE_A, data=lambda w: {"title": "Bab baru"}
    ),
    "plans.edit_chapter": Rule(
        args=a(chapter_id=lambda w: w.chapter.id),
        get=MANAGE_A,
        post=MANAGE_A,
        data=lambda w: {"title": "Bab diubah"},
    ),
    "plans.add_section": Rule(
        args=a(chapter_id=lambda w: w.chapter.id), get=MANAGE_A, post=MANAGE_A
    ),
    "plans.edit_section": Rule(
        args=a(section_id=lambda w: w.section.id), get=MANAGE_A, post=MANAGE_A
    ),
    "plans.add_strategy": Rule(
        args=a(section_id=lambda w: w.section.id), get=MANAGE_A, post=MANAGE_A
    ),
    "plans.edit_strategy": Rule(
        args=a(strategy_id=lambda w: w.strategy.id),
        get=MANAGE_A,
        post=MANAGE_A,
        data=lambda w: {"title": "Strategi diubah", "description": "Isi."},
    ),
    "plans.move_item": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id, direction="down"),
        post=MANAGE_A,
    ),
    "plans.manage_criteria": Rule(args=a(), get=MANAGE_A, post=MANAGE_A),
    "plans.edit_criterion": Rule(
        args=a(criterion_id=lambda w: w.criterion.id), get=MANAGE_A, post=MANAGE_A
    ),
    "plans.remove_criterion": Rule(args=a(criterion_id=lambda w: w.criterion.id), post=MANAGE_A),
    "reports.import_plan": Rule(args=a(), get=MANAGE_A, post=MANAGE_A),
    "plans.confirm_import": Rule(args=a(), post=MANAGE_A),
    # What an import job read: like the job's page, hidden from all but A's organisers.
    "reports.import_preview": Rule(args=a(job_id=lambda w: w.import_job.id), get=MANAGE_A_HIDDEN),
    "revisions.publish_revision": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id), get=MANAGE_A, post=MANAGE_A
    ),
    "revisions.revise_plan": Rule(args=a(), get=MANAGE_A, post=MANAGE_A),
    "revisions.confirm_revision": Rule(args=a(), post=MANAGE_A),
    "reports.analysis": Rule(args=a(), get=MANAGE_A),
    "reports.responses": Rule(args=a(), get=MANAGE_A),
    "reports.record_response": Rule(
        args=a(comment_id=lambda w: w.comment.id),
        post=MANAGE_A,
        data=lambda w: {
            f"c{w.comment.id}-disposition": "noted",
            f"c{w.comment.id}-rationale": "Ok",
        },
    ),
    "reports.answer_together": Rule(
        args=a(),
        post=MANAGE_A,
        data=lambda w: {
            "bulk-comment_ids": [w.comment.id],
            "bulk-disposition": "noted",
            "bulk-rationale": "Ok",
        },
    ),
    "reports.publish_responses": Rule(args=a(), post=MANAGE_A),
    "reports.unpublish_responses": Rule(args=a(), post=MANAGE_A),
    "reports.export": Rule(args=a(), get=MANAGE_A, post=MANAGE_A, data=lambda w: {"format": "csv"}),
    # --- personal data (consult/privacy) ----------------------------------------------------
    "privacy.show_notice": Rule(get=PUBLIC),
    "privacy.accept_notice": Rule(get=SIGNED_IN, post=SIGNED_IN, data=lambda w: {"accepted": "y"}),
    "privacy.manage_notices": Rule(
        get=ADMIN_ONLY,
        post=ADMIN_ONLY,
        data=lambda w: {"body_id": "Pemberitahuan baru.", "body_en": "New notice."},
    ),
    "privacy.download_data": Rule(post=SIGNED_IN),
    "privacy.request_erasure": Rule(
        get=SIGNED_IN, post=SIGNED_IN, data=lambda w: {"understood": "y"}
    ),
    "privacy.cancel_erasure": Rule(post=SIGNED_IN),
    "privacy.list_erasure_requests": Rule(get=ORGANISERS),
    # Only an organiser of a consultation the person takes part in, or an admin.
    "privacy.confirm_erasure": Rule(
        args=ids(request_id=lambda w: w.erasure.id),
        post=_roles(
            anonymous="login",
            invited="403",
            uninvited="403",
            other_organiser="404",
            organiser="ok",
            admin="ok",
        ),
    ),
    # --- the FGD day (consult/fgd) ----------------------------------------------------------
    "fgd.list_sessions": Rule(args=a(), get=MANAGE_A),
    "fgd.new_session": Rule(args=a(), get=MANAGE_A, post=MANAGE_A),
    "fgd.show_session": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.edit_session": Rule(
        args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A, post=MANAGE_A
    ),
    "fgd.new_agenda_item": Rule(
        args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A, post=MANAGE_A
    ),
    "fgd.edit_agenda_item": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, item_id=lambda w: w.agenda_item.id),
        get=MANAGE_A,
        post=MANAGE_A,
    ),
    "fgd.move_agenda_item": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, item_id=lambda w: w.agenda_item.id, way="up"),
        post=MANAGE_A,
    ),
    "fgd.answer_rsvp": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=PARTICIPATE_A,
        data=lambda w: {f"s{w.fgd_session.id}-answer": "attending"},
    ),
    "fgd.session_calendar": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=VIEW_A),
    "fgd.list_rsvps": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.check_in_desk": Rule(
        args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A, query={"q": "User"}
    ),
    "fgd.check_in_person": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, user_id=lambda w: w.users["invited"].id),
        post=MANAGE_A,
    ),
    "fgd.scan_qr": Rule(
        args=a(
            session_id=lambda w: w.fgd_session.id,
            token=lambda w: make_checkin_token(w.a.id, w.fgd_session.id, w.users["invited"].id),
        ),
        get=MANAGE_A,
    ),
    "fgd.add_walk_in": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=MANAGE_A,
        data=lambda w: {"walkin-name": "Tamu"},
    ),
    "fgd.list_attendance": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.attendance_counts": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.invite_walk_in": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, attendee_id=lambda w: w.walk_in.id),
        post=MANAGE_A,
    ),
    # The projector and console are the organisers'; phones in the room are members'.
    "fgd.present": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.present_state": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.console": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.control": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, action="next"), post=MANAGE_A
    ),
    "fgd.room": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=PARTICIPATE_A),
    # The signed token a member's room page carries is the credential; it shows a counter.
    "fgd.room_state": Rule(
        args=a(
            session_id=lambda w: w.fgd_session.id,
            token=lambda w: make_room_token(w.a.id, w.fgd_session.id, w.users["invited"].id),
        ),
        get=PUBLIC,
    ),
    "fgd.vote": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=PARTICIPATE_A,
        data=lambda w: {"criterion": w.criterion.id, "value": "3"},
    ),
    # Minutes, agreements and the speaking log are the note-taker's (an organiser).
    "fgd.show_minutes": Rule(args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A),
    "fgd.save_minutes": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, item_id=lambda w: w.agenda_item.id),
        post=MANAGE_A,
        data=lambda w: {f"m{w.agenda_item.id}-text": "Catatan"},
    ),
    "fgd.add_outcome": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=MANAGE_A,
        data=lambda w: {"outcome-kind": "agreement", "outcome-text": "Sepakat"},
    ),
    "fgd.add_turn": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=MANAGE_A,
        data=lambda w: {"turn-group_id": str(w.group.id)},
    ),
    "fgd.turn_to_input": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, turn_id=lambda w: w.turn.id),
        post=MANAGE_A,
    ),
    "fgd.what_changed": Rule(args=a(), get=MANAGE_A),
    "fgd.invite_delegate": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, rsvp_id=lambda w: w.rsvp.id),
        post=MANAGE_A,
        data=lambda w: {"email": "wakil@example.org"},
    ),
    "reports.exports": Rule(args=a(), get=MANAGE_A_HIDDEN),
    "reports.export_job": Rule(args=a(job_id=lambda w: w.export_job.id), get=MANAGE_A_HIDDEN),
    "reports.export_job_status": Rule(
        args=a(job_id=lambda w: w.export_job.id), get=MANAGE_A_HIDDEN
    ),
    "reports.cancel_export_job": Rule(
        args=a(job_id=lambda w: w.export_job.id), post=MANAGE_A_HIDDEN
    ),
    "reports.download_export": Rule(args=a(job_id=lambda w: w.export_job.id), get=MANAGE_A_HIDDEN),
    # --- official documents of consultation A ----------------------------------------------
    "documents.index": Rule(args=a(), get=MANAGE_A),
    "documents.save_letterhead": Rule(
        args=a(), post=MANAGE_A, data=lambda w: {"institution": "PEMERINTAH KOTA", "paper": "A4"}
    ),
    "documents.add_signatory": Rule(
        args=a(), post=MANAGE_A, data=lambda w: {"name": "Kepala Dinas", "nip": "1970"}
    ),
    "documents.remove_signatory": Rule(
        args=a(signatory_id=lambda w: w.signatory.id), post=MANAGE_A
    ),
    "documents.rekapitulasi": Rule(
        args=a(), post=MANAGE_A, data=lambda w: {"format": "pdf", "lang": "id"}
    ),
    "documents.response_letter": Rule(
        args=a(), post=MANAGE_A, data=lambda w: {"recipient": f"u{w.users['invited'].id}"}
    ),
    # An FGD session's papers: organisers of A and admins; everyone else 404.
    "documents.fgd_session": Rule(
        args=a(session_id=lambda w: w.fgd_session.id), get=MANAGE_A_HIDDEN
    ),
    "documents.fgd_paper": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=MANAGE_A_HIDDEN,
        data=lambda w: {"paper-paper": "attendance", "paper-format": "pdf", "paper-lang": "id"},
    ),
    "documents.issue_berita_acara": Rule(
        args=a(session_id=lambda w: w.fgd_session.id),
        post=MANAGE_A_HIDDEN,
        data=lambda w: {"ba-number": "005/BA/2026", "ba-lang": "id"},
    ),
    # --- public consultations (A is invited-only: nothing here) ------------------------------
    "public.overview": Rule(args=a(), get=NOT_PUBLIC),
    "public.show_item": Rule(
        args=a(kind="strategies", item_id=lambda w: w.strategy.id), get=NOT_PUBLIC
    ),
    "public.versions": Rule(
        args=a(kind="sections", item_id=lambda w: w.section.id), get=NOT_PUBLIC
    ),
    "public.you_said_we_did": Rule(args=a(), get=NOT_PUBLIC),
    "public.register": Rule(args=a(), get=NOT_PUBLIC, post=NOT_PUBLIC),
    "public.join": Rule(args=a(), post=NOT_PUBLIC_SIGNED_IN),
    "documents.issued_berita_acara": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, version=1), get=MANAGE_A_HIDDEN
    ),
    "documents.issued_berita_acara_docx": Rule(
        args=a(session_id=lambda w: w.fgd_session.id, version=1), get=MANAGE_A_HIDDEN
    ),
}


def _matrix_endpoints(app) -> list[str]:
    endpoints = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXCLUDED_ENDPOINTS:
            continue
        if rule.endpoint.split(".", 1)[0] in EXCLUDED_BLUEPRINTS:
            continue
        endpoints.add(rule.endpoint)
    return sorted(endpoints)


def _methods(app, endpoint: str) -> set[str]:
    methods = set()
    for rule in app.url_map.iter_rules(endpoint):
        methods |= set(rule.methods or ()) - {"HEAD", "OPTIONS"}
    return methods


# --- the fixture world -------------------------------------------------------------------


@pytest.fixture
def world(app, make_user, make_group, make_consultation):
    return build_world(make_user, make_group, make_consultation)


def build_world(make_user, make_group, make_consultation) -> SimpleNamespace:
    """Consultation A (published, with content, comments, an attachment, a document, a
    published response list) and consultation B run by another organiser."""
    group = make_group("KADIN")
    admin = make_user(role=Role.ADMIN)
    organiser = make_user(role=Role.ORGANISER)
    other_organiser = make_user(role=Role.ORGANISER)
    invited = make_user(group=group, password="kata-sandi-panjang-1")
    peer = make_user(group=group)
    uninvited = make_user(group=group)
    target = make_user(role=Role.PARTICIPANT)
    consultation_a = make_consultation(organiser=organiser, participants=[invited, peer])
    consultation_b = make_consultation(organiser=other_organiser, title="Konsultasi B")
    strategy = first_strategy(consultation_a)
    section = db.session.get(type(strategy.section), strategy.section_id)
    chapter = section.chapter
    criterion = db.session.scalar(
        select(Criterion).where(Criterion.consultation_id == consultation_a.id)
    )
    comment = add_comment(strategy, invited, {"body": "Komentar peserta."}, phase=Phase.PRE)
    attachment = add_attachment(
        comment,
        FileStorage(io.BytesIO(PDF), "lampiran.pdf", content_type="application/pdf"),
        invited,
    )
    peer_comment = add_comment(strategy, peer, {"body": "Komentar rekan."}, phase=Phase.PRE)
    document = add_document(
        consultation_a,
        organiser,
        FileStorage(io.BytesIO(PDF), "notulen.pdf", content_type="application/pdf"),
        "minutes",
        "Notulen FGD",
    )
    db.session.add(
        ContentVersion(
            kind="strategy",
            item_id=strategy.id,
            version=1,
            code=strategy.code,
            title=strategy.title,
            body=strategy.description,
            published_by_id=organiser.id,
        )
    )
    consultation_a.response_published_at = utcnow()
    notification = notify(invited, NotificationKind.REPLY, link="/", target="1.1.1")
    membership = db.session.scalar(
        select(Membership).where(
            Membership.consultation_id == consultation_a.id, Membership.user_id == invited.id
        )
    )
    signatory = Signatory(consultation_id=consultation_a.id, name="Kepala Dinas")
    db.session.add(signatory)
    newcomer = User(email="baru@example.org", name="Pendatang Baru")
    db.session.add(newcomer)
    db.session.flush()
    invitation = create_invitation(newcomer, organiser, consultation_a.id)
    # A published privacy notice everyone has accepted, and the peer's request for erasure.
    notice = publish_notice(admin, "Pemberitahuan privasi.", "Privacy notice.")
    for person in (admin, organiser, other_organiser, invited, peer, uninvited, target):
        person.notice_version = notice.version
    erasure = ErasureRequest(user_id=peer.id)
    db.session.add(erasure)
    fgd_session = db.session.scalar(
        select(FgdSession).where(FgdSession.consultation_id == consultation_a.id)
    )
    agenda_item = AgendaItem(session_id=fgd_session.id, position=1, strategy_id=strategy.id)
    rsvp = Rsvp(
        session_id=fgd_session.id,
        user_id=peer.id,
        answer=RsvpAnswer.DELEGATE,
        delegate_name="Wakil Rekan",
    )
    walk_in = Attendee(
        session_id=fgd_session.id,
        name="Tamu",
        email="tamu@example.org",
        method=CheckInMethod.WALK_IN,
    )
    db.session.add_all([agenda_item, rsvp, walk_in])
    db.session.flush()
    turn = SpeakingTurn(
        session_id=fgd_session.id, agenda_item_id=agenda_item.id, group_id=group.id, note="Usul"
    )
    db.session.add(turn)
    db.session.add(
        IssuedDocument(
            consultation_id=consultation_a.id,
            kind="berita_acara",
            subject_id=fgd_session.id,
            version=1,
            number="005/BA/1",
            filename="Berita-Acara-v1.pdf",
            pdf=PDF,
            docx=b"PK docx",
        )
    )
    db.session.commit()
    export_job = submit_export(consultation_a, organiser, "csv", ExportFilters(), "en")
    db.session.commit()
    run_export_job(export_job.id)  # done, its file kept
    import_job = submit_import(consultation_a, organiser, b"# Bab 1 Visi\n", "md", "a.md", "en")
    db.session.commit()
    run_export_job(import_job.id)  # read: its preview shows
    return SimpleNamespace(
        import_job=import_job,
        turn=turn,
        fgd_session=fgd_session,
        walk_in=walk_in,
        agenda_item=agenda_item,
        rsvp=rsvp,
        export_job=export_job,
        a=consultation_a,
        peer=peer,
        b=consultation_b,
        group=group,
        users={
            "invited": invited,
            "uninvited": uninvited,
            "other_organiser": other_organiser,
            "organiser": organiser,
            "admin": admin,
        },
        target=target,
        chapter=chapter,
        section=section,
        strategy=strategy,
        criterion=criterion,
        comment=comment,
        peer_comment=peer_comment,
        attachment=attachment,
        document=document,
        notification=notification,
        membership=membership,
        erasure=erasure,
        signatory=signatory,
        invitation_token=make_invitation_token(invitation.id, invitation.nonce),
        reset_token=make_reset_token(invited.id, invited.password_hash),
    )


def _client_as(app, login, world, role):
    client = app.test_client()
    if role != "anonymous":
        login(world.users[role], client)
    return client


def _outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        path = urlsplit(response.headers.get("Location", "")).path
        if path == "/login":
            return "login"
        return "public" if path.startswith("/p/") else "ok"
    if status == 200:
        return "ok"
    return str(status)


def _call(client, method: str, url: str, data: dict):
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data=data, content_type="multipart/form-data")
    response.get_data()
    response.close()  # file downloads stream from disk
    return response


def _fingerprint() -> dict:
    """Row counts of every table plus the fields forbidden requests would change."""
    counts = {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
        # Requests write their own audit entries for refusals; nothing else may change.
        if table.name not in {"audit_event"}
    }
    db.session.expire_all()
    consultation = db.session.scalars(select(Consultation).order_by(Consultation.id)).all()
    counts["consultations"] = [(c.state, c.title, c.response_published_at) for c in consultation]
    counts["users"] = [
        (u.role, u.is_active_account, u.name, u.session_token)
        for u in db.session.scalars(select(User).order_by(User.id))
    ]
    counts["comments"] = [
        (c.status, c.body, c.flag_count)
        for c in db.session.scalars(select(Comment).order_by(Comment.id))
    ]
    counts["memberships"] = [
        (m.role, m.suspended_at)
        for m in db.session.scalars(select(Membership).order_by(Membership.id))
    ]
    return counts


# --- the tests ---------------------------------------------------------------------------


def test_every_route_has_a_rule_in_the_matrix(app):
    missing = [e for e in _matrix_endpoints(app) if e not in MATRIX]
    assert not missing, "routes with no rule in the matrix: " + ", ".join(missing)
    stale = [e for e in MATRIX if e not in _matrix_endpoints(app)]
    assert not stale, "matrix rules for routes that no longer exist: " + ", ".join(stale)


def test_every_method_of_every_route_is_covered(app):
    uncovered = []
    for endpoint in _matrix_endpoints(app):
        rule = MATRIX.get(endpoint)
        if rule is None:
            continue
        methods = _methods(app, endpoint)
        if "GET" in methods and rule.get is None:
            uncovered.append(f"{endpoint} GET")
        if "POST" in methods and rule.post is None:
            uncovered.append(f"{endpoint} POST")
        if rule.get is not None and "GET" not in methods:
            uncovered.append(f"{endpoint}: rule for GET but the route has none")
        if rule.post is not None and "POST" not in methods:
            uncovered.append(f"{endpoint}: rule for POST but the route has none")
    assert not uncovered, uncovered


def _cases():
    cases = []
    for endpoint, rule in sorted(MATRIX.items()):
        for method, expected in (("GET", rule.get), ("POST", rule.post)):
            if expected is None:
                continue
            for role in ROLES:
                cases.append(pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}"))
    return cases


@pytest.mark.parametrize(("endpoint", "method", "role"), _cases())
def test_route_answers_each_role_as_the_matrix_says(app, login, world, endpoint, method, role):
    rule = MATRIX[endpoint]
    expected = (rule.get if method == "GET" else rule.post)[role]
    from flask import url_for

    with app.test_request_context():
        url = url_for(endpoint, **rule.url_values(world), **rule.query)
    data = rule.post_data(world) if method == "POST" else {}
    client = _client_as(app, login, world, role)
    refused = expected in ("403", "404") or role == "anonymous" and expected == "login"
    before = _fingerprint() if refused and method == "POST" else None
    response = _call(client, method, url, data)
    outcome = _outcome(response)
    if expected == "ok" and method == "POST" and outcome in ("400", "422"):
        outcome = "ok"  # through the permission checks, refused as input
    assert outcome == expected, (
        f"{method} {url} as {role}: got {response.status_code} "
        f"{response.headers.get('Location', '')}, expected {expected}"
    )
    if before is not None:
        db.session.rollback()
        assert _fingerprint() == before, f"refused {method} {url} as {role} changed data"


def _post_only_endpoints(app):
    return [e for e in _matrix_endpoints(app) if _methods(app, e) == {"POST"}]


def test_get_on_post_only_routes_is_405_and_changes_nothing(app, login, world):
    from flask import url_for

    client = _client_as(app, login, world, "admin")
    before = _fingerprint()
    checked = []
    for endpoint in _post_only_endpoints(app):
        rule = MATRIX[endpoint]
        with app.test_request_context():
            url = url_for(endpoint, **rule.url_values(world))
        response = client.get(url)
        assert response.status_code == 405, f"GET {url}: {response.status_code}"
        checked.append(endpoint)
    db.session.rollback()
    assert _fingerprint() == before
    assert "plans.change_state" in checked and "auth.deactivate_user" in checked


def test_organiser_of_another_consultation_cannot_hide_a_comment_or_suspend(app, login, world):
    client = _client_as(app, login, world, "other_organiser")
    comment_id, membership_id = world.comment.id, world.membership.id
    response = client.post(
        f"/moderation/comments/{comment_id}/decide", data={"action": "hide", "reason": "spam"}
    )
    assert response.status_code == 404
    response = client.post(
        f"/c/{world.a.id}/moderation/participants/{membership_id}/suspend",
        data={"reason": "x"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Comment, comment_id).status.value == "published"
    assert db.session.get(Membership, membership_id).suspended_at is None


def test_participant_cannot_add_a_chapter_or_close_the_consultation(app, login, world):
    client = _client_as(app, login, world, "invited")
    chapters = (
        select(func.count()).select_from(Chapter).where(Chapter.consultation_id == world.a.id)
    )
    chapters_before = db.session.scalar(chapters)
    assert client.post(f"/c/{world.a.id}/chapters/new", data={"title": "X"}).status_code == 403
    assert client.post(f"/c/{world.a.id}/close").status_code == 403
    db.session.expire_all()
    consultation = db.session.get(Consultation, world.a.id)
    assert consultation.state == ConsultationState.PUBLISHED
    assert db.session.scalar(chapters) == chapters_before


def test_allowed_post_really_acts(app, login, world):
    """The matrix's "ok" is meaningful: the organiser's valid POST closes the consultation."""
    client = _client_as(app, login, world, "organiser")
    assert client.post(f"/c/{world.a.id}/close").status_code == 302
    db.session.expire_all()
    assert db.session.get(Consultation, world.a.id).state == ConsultationState.CLOSED


def test_uninvited_participant_cannot_tell_a_draft_or_a_published_consultation_exists(
    app, login, world, make_consultation
):
    draft = make_consultation(state=ConsultationState.DRAFT, title="Draf")
    client = _client_as(app, login, world, "uninvited")
    assert client.get(f"/c/{draft.id}").status_code == 404
    assert client.get(f"/c/{world.a.id}").status_code == 404
    assert client.get("/c/999999").status_code == 404


def test_matrix_size_is_reported(app):
    endpoints = _matrix_endpoints(app)
    cases = _cases()
    # Every route, every role, every method it has.
    assert len(cases) >= len(endpoints) * len(ROLES)


# Helpers kept referenced for readers of the fixture (an organiser membership of B exists).
_ = (MemberRole, Invitation, timedelta)


def test_consultation_list_shows_only_consultations_one_may_see(app, login, world):
    world.a.title, world.b.title = "Konsultasi-A-rahasia", "Konsultasi-B-lain"
    db.session.commit()
    seen = {}
    for role in ("invited", "uninvited", "other_organiser", "organiser", "admin"):
        html = _client_as(app, login, world, role).get("/c/").get_data(as_text=True)
        seen[role] = ("Konsultasi-A-rahasia" in html, "Konsultasi-B-lain" in html)
    assert seen == {
        "invited": (True, False),
        "uninvited": (False, False),
        "other_organiser": (False, True),
        "organiser": (True, False),
        "admin": (True, True),
    }


# --- the anonymous role on a public consultation ---------------------------------------------

# What changes when A is made public ("public to read and give input"), for those who are not
# its members: its public pages open; every other route answers exactly as the matrix says.
PUBLIC_A = {
    ("public.overview", "GET"): "ok",
    ("public.show_item", "GET"): "ok",
    ("public.versions", "GET"): "ok",
    ("public.you_said_we_did", "GET"): "ok",
    ("public.register", "GET"): {"anonymous": "ok", "uninvited": "ok"},
    ("public.register", "POST"): {"anonymous": "ok", "uninvited": "ok"},
    ("public.join", "POST"): {"anonymous": "login", "uninvited": "ok"},
    # A signed-in outsider following a member's link to a page with a public twin goes there.
    ("feedback.consultation_overview", "GET"): {"uninvited": "public"},
    ("feedback.show_section", "GET"): {"uninvited": "public"},
    ("feedback.show_strategy", "GET"): {"uninvited": "public"},
    ("revisions.list_versions", "GET"): {"uninvited": "public"},
}


@pytest.mark.parametrize("role", ["anonymous", "uninvited"])
def test_public_consultation_opens_only_its_public_pages(app, login, world, role):
    """Made public, A shows the public its plan, comments and registration, and nothing else:
    every participant and organiser route stays the login page or 404, as before."""
    from flask import url_for

    world.a.visibility = Visibility.INPUT
    db.session.commit()
    client = _client_as(app, login, world, role)
    wrong = []
    for endpoint, rule in sorted(MATRIX.items()):
        if rule.url_values(world).get("consultation_id") != world.a.id:
            continue  # routes of A only (others, like logging out, would end the session)
        for method, expected in (("GET", rule.get), ("POST", rule.post)):
            if expected is None:
                continue
            opened = PUBLIC_A.get((endpoint, method))
            if opened is not None:
                expected = opened if isinstance(opened, str) else {**expected, **opened}
            want = expected if isinstance(expected, str) else expected[role]
            if (endpoint, method, role) == ("public.join", "POST", "uninvited"):
                continue  # it makes them a member: checked on its own below
            with app.test_request_context():
                url = url_for(endpoint, **rule.url_values(world), **rule.query)
            data = rule.post_data(world) if method == "POST" else {}
            outcome = _outcome(_call(client, method, url, data))
            if want == "ok" and method == "POST" and outcome in ("400", "422"):
                outcome = "ok"
            if want == "ok" and outcome == "public" and endpoint.startswith("public."):
                outcome = "ok"  # from one public page to another
            if outcome != want:
                wrong.append(f"{method} {url}: {outcome}, expected {want}")
    assert not wrong, wrong


def test_invited_only_consultation_is_invisible_on_public_pages_for_everyone(app, login, world):
    for role in ROLES:
        client = _client_as(app, login, world, role)
        assert client.get(f"/p/{world.a.id}").status_code == 404, role
        assert client.get(f"/p/{world.b.id}").status_code == 404, role


def test_uninvited_joins_a_public_consultation_and_becomes_a_public_member(app, login, world):
    world.a.visibility = Visibility.INPUT
    db.session.commit()
    client = _client_as(app, login, world, "uninvited")
    before = client.get(f"/c/{world.a.id}")  # not yet a member: the public page instead
    assert (before.status_code, before.headers["Location"]) == (302, f"/p/{world.a.id}")
    assert client.post(f"/p/{world.a.id}/join").status_code == 302
    assert client.get(f"/c/{world.a.id}").status_code == 200
    membership = db.session.scalar(
        select(Membership).where(
            Membership.consultation_id == world.a.id,
            Membership.user_id == world.users["uninvited"].id,
        )
    )
    assert membership.is_public
