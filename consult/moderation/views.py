"""Moderation queue, flags, suspensions, notifications and the audit trail browser."""

from dataclasses import dataclass
from functools import lru_cache

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import load_only
from wtforms.widgets import Select

from consult.auth.models import StakeholderGroup
from consult.core.forms import ConfirmForm
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.feedback.services import duplicate_groups
from consult.inputs import is_local_path, page_arg
from consult.labels import audit_action_label, audit_details
from consult.moderation import services
from consult.moderation.forms import (
    AuditFilterForm,
    BulkDecisionForm,
    DecisionForm,
    FlagForm,
    QueueFilterForm,
    SuspendForm,
    choices,
    notification_settings_form_class,
)
from consult.notifications import (
    Notification,
    mail_preferences,
    mark_read,
    set_mail_preferences,
    unread_count,
)
from consult.permissions import (
    can_manage,
    is_admin,
    require,
)
from consult.plans.models import (
    Chapter,
    CommentVisibility,
    Consultation,
    MemberRole,
    Membership,
    Section,
)
from consult.plans.services import get_consultation, get_managed_consultation
from consult.urls import comment_url

bp = Blueprint("moderation", __name__)


@bp.app_context_processor
def moderation_helpers():
    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        # Cached per request (not on g, which may outlive a request).
        if not hasattr(request, "unread_notifications"):
            request.unread_notifications = unread_count(current_user)
        return request.unread_notifications

    return {
        "unread_notification_count": unread_notification_count,
        "flag_choices": flag_choices,
        "moderate_choices": moderate_choices,
        "moderation_status_labels": services.STATUS_LABELS,
    }


@dataclass(frozen=True)
class FlagChoices:
    """What the flag form on each comment card shows (templates/feedback/_thread.html)."""

    summary: str
    reason_label: str
    note_label: str
    send: str
    options: Markup


@dataclass(frozen=True)
class ModerateChoices:
    """What the moderation form on a thread's cards shows (templates/moderation/_moderate_form)."""

    summary: str
    reason_label: str
    note_label: str
    options: Markup

    @staticmethod
    def actions_for(status) -> list[tuple[str, str]]:
        """The decisions a comment in this status can take, with their labels."""
        return [
            (key, str(label))
            for key, label in services.ACTION_LABELS.items()
            if status in services.DECISIONS[key].allowed_from
        ]


def moderate_choices() -> ModerateChoices:
    """The thread's moderation form: the queue's reasons, rendered by WTForms once per request."""
    form = DecisionForm(formdata=None)
    return ModerateChoices(
        summary=_("Moderate"),
        reason_label=form.reason.label.text,
        note_label=form.note.label.text,
        options=Markup("").join(
            Select.render_option(choice) for choice in form.reason.iter_choices()
        ),
    )


def flag_choices() -> FlagChoices:
    """The flag form's labels and reason options in the reader's language."""
    return _flag_choices(str(get_locale()))


@lru_cache(maxsize=16)
def _flag_choices(_locale: str) -> FlagChoices:
    # A pure function of the language (the catalogue does not change while the app runs):
    # rendered by WTForms once per language, not once per request or card.
    form = FlagForm(formdata=None, meta={"csrf": False})
    return FlagChoices(
        summary=_("Flag for moderators"),
        reason_label=str(form.reason.label.text),
        note_label=str(form.note.label.text),
        send=_("Send flag"),
        options=Markup("").join(
            Select.render_option(choice) for choice in form.reason.iter_choices()
        ),
    )


def _flash_errors(form) -> None:
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")


def _page() -> int:
    return page_arg()


def _moderated(consultation_id: int) -> Consultation:
    """404 to those who cannot see the consultation, 403 to members who may not moderate."""
    return get_managed_consultation(consultation_id, current_user)


# --- the queue --------------------------------------------------------------------------


def _queue_filters(
    form: QueueFilterForm, consultations: list[Consultation]
) -> services.QueueFilters:
    """The filter form's choices for this moderator, and the filters it asks for."""
    form.consultation.choices = choices(
        [("", _("All my consultations"))] + [(c.id, c.title) for c in consultations]
    )
    chosen = form.consultation.data
    sections = []
    if chosen:
        sections = db.session.scalars(
            select(Section)
            .options(load_only(Section.code, Section.title))
            .join(Chapter)
            .where(Chapter.consultation_id == chosen)
            .order_by(Chapter.position, Section.position)
        ).all()
    form.section.choices = choices([("", _("All sections"))] + [(s.id, s.label) for s in sections])
    groups = db.session.scalars(select(StakeholderGroup).order_by(StakeholderGroup.position))
    group_choices = [(grp.id, grp.display_name) for grp in groups]
    form.group.choices = choices([("", _("All groups"))] + group_choices)
    form.validate()  # a refused filter is shown with its error and left off
    return services.QueueFilters(
        consultation_id=form.value("consultation"),
        section_id=form.value("section") if form.value("consultation") else None,
        group_id=form.value("group"),
        type=form.value("type") or None,
        view=form.value("view") or "review",
        text=(form.value("text") or "").strip(),
        author=(form.value("author") or "").strip(),
    )


@bp.route("/moderation")
@login_required
def queue():
    """Pending and flagged comments of the consultations the user organises, oldest first."""
    consultations = services.moderated_consultations(current_user)
    require(bool(consultations) or is_admin(current_user), 403)
    form = QueueFilterForm(request.args)
    ids = {c.id for c in consultations}
    if form.consultation.data is not None and form.consultation.data not in ids:
        _moderated(form.consultation.data)
    filters = _queue_filters(form, consultations)
    page = db.paginate(
        services.queue_query(ids, filters),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "moderation/queue.html",
        form=form,
        page=page,
        flags=services.open_flags([c.id for c in page.items]),
        duplicates=duplicate_groups(page.items),
        titles={c.id: c.title for c in consultations},
        bulk_form=BulkDecisionForm(),
        decision_form=DecisionForm(),
        actions=services.ACTION_LABELS,
        decisions=services.DECISIONS,
        reason_labels=services.REASON_LABELS,
    )


def _back_to_queue():
    """Back where the decision was taken (the queue, or a thread): a local path only."""
    target = request.form.get("next", "")
    if is_local_path(target):
        return redirect(target)
    return redirect(url_for("moderation.queue"))


@bp.route("/moderation/comments/<int:comment_id>/decide", methods=["POST"])
@login_required
def decide_comment(comment_id: int):
    """Approve, reject, hide or restore one comment (404/403 outside one's consultations)."""
    comment = db.get_or_404(Comment, comment_id)
    _moderated(comment.consultation_id)
    form = DecisionForm()
    if not form.validate():
        _flash_errors(form)
        return _back_to_queue()
    try:
        services.ACTIONS[form.action.data](comment, current_user, form.reason.data, form.note.data)
    except services.ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back_to_queue()
    db.session.commit()
    flash(
        _("Comment #%(id)s: %(action)s.", id=comment.id, action=_past(form.action.data)), "success"
    )
    return _back_to_queue()


def _past(action: str) -> str:
    return str(services.ACTION_PAST[action])


@bp.route("/moderation/bulk", methods=["POST"])
@login_required
def bulk_decide():
    """One decision and one reason for every selected comment; a foreign one refuses all."""
    form = BulkDecisionForm()
    if not form.validate():
        _flash_errors(form)
        return _back_to_queue()
    ids = sorted(set(form.comment_ids.data))
    comments = db.session.scalars(
        select(Comment).where(Comment.id.in_(ids)).order_by(Comment.id)
    ).all()
    require(len(comments) == len(ids), 404)
    for consultation_id in sorted({c.consultation_id for c in comments}):
        _moderated(consultation_id)
    try:
        services.moderate_comments(
            comments, current_user, form.action.data, form.reason.data, form.note.data
        )
    except services.ModerationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back_to_queue()
    db.session.commit()
    flash(
        _("%(count)s comments: %(action)s.", count=len(comments), action=_past(form.action.data)),
        "success",
    )
    return _back_to_queue()


# --- flags ------------------------------------------------------------------------------


def _visible_comment(consultation: Consultation, comment_id: int) -> Comment:
    """A published comment this user may see in this consultation, else 404."""
    comment = db.session.scalar(
        select(Comment).where(Comment.id == comment_id, Comment.consultation_id == consultation.id)
    )
    if comment is None or comment.status != CommentStatus.PUBLISHED:
        abort(404)
    confidential = consultation.comment_visibility == CommentVisibility.ORGANISERS
    if confidential and not can_manage(current_user, consultation):
        require(comment.author_id == current_user.id, 404)
    return comment


@bp.route("/c/<int:consultation_id>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
def flag_comment(consultation_id: int, comment_id: int):
    """Report a comment to the moderators, once per person."""
    consultation = get_consultation(consultation_id, current_user)
    comment = _visible_comment(consultation, comment_id)
    form = FlagForm()
    if form.validate_on_submit():
        try:
            services.flag_comment(comment, current_user, form.reason.data, form.note.data)
        except services.ModerationError as error:
            db.session.rollback()
            flash(str(error), "warning")
        else:
            db.session.commit()
            flash(_("Thank you. A moderator will look at this comment."), "success")
        return redirect(comment_url(comment))
    status = 400 if form.errors else 200
    return render_template(
        "moderation/flag.html", consultation=consultation, comment=comment, form=form
    ), status


# --- suspensions ------------------------------------------------------------------------


@bp.route("/c/<int:consultation_id>/moderation/participants")
@login_required
def participants(consultation_id: int):
    """Members of a consultation, with suspend and lift buttons for organisers."""
    consultation = _moderated(consultation_id)
    page = db.paginate(
        select(Membership)
        .where(
            Membership.consultation_id == consultation.id,
            Membership.role == MemberRole.PARTICIPANT,
        )
        .order_by(Membership.suspended_at.is_(None), Membership.id),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    return render_template(
        "moderation/participants.html",
        consultation=consultation,
        page=page,
        suspend_form=SuspendForm(),
        confirm_form=ConfirmForm(),
    )


def _membership(consultation: Consultation, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    require(membership is not None and membership.consultation_id == consultation.id, 404)
    return membership


@bp.route(
    "/c/<int:consultation_id>/moderation/participants/<int:membership_id>/suspend",
    methods=["POST"],
)
@login_required
def suspend_participant(consultation_id: int, membership_id: int):
    """Stop a participant posting in this consultation (their words stay visible)."""
    consultation = _moderated(consultation_id)
    membership = _membership(consultation, membership_id)
    form = SuspendForm()
    if not form.validate():
        _flash_errors(form)
    else:
        try:
            services.suspend_participant(membership, current_user, form.reason.data)
        except services.ModerationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is suspended.", name=membership.user.name), "success")
    return redirect(url_for("moderation.participants", consultation_id=consultation.id))


@bp.route(
    "/c/<int:consultation_id>/moderation/participants/<int:membership_id>/lift",
    methods=["POST"],
)
@login_required
def lift_suspension(consultation_id: int, membership_id: int):
    """Let a suspended participant post again."""
    consultation = _moderated(consultation_id)
    membership = _membership(consultation, membership_id)
    if ConfirmForm().validate():
        try:
            services.lift_suspension(membership, current_user)
        except services.ModerationError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(name)s may post again.", name=membership.user.name), "success")
    return redirect(url_for("moderation.participants", consultation_id=consultation.id))


# --- notifications ----------------------------------------------------------------------


@bp.route("/notifications")
@login_required
def inbox():
    """The user's notifications, newest first."""
    page = db.paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("moderation/inbox.html", page=page, confirm_form=ConfirmForm())


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read_notification(notification_id: int):
    """Mark one notification read; with open=1, go to what it is about."""
    notification = db.session.get(Notification, notification_id)
    require(notification is not None and notification.user_id == current_user.id, 404)
    if ConfirmForm().validate():
        mark_read(current_user, notification)
        db.session.commit()
        link = notification.link
        if request.form.get("open") and link.startswith("/") and not link.startswith("//"):
            return redirect(link)
    return redirect(url_for("moderation.inbox"))


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    if ConfirmForm().validate():
        mark_read(current_user)
        db.session.commit()
    return redirect(url_for("moderation.inbox"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def notification_settings():
    """Which optional notifications the user also wants by e-mail."""
    form_class = notification_settings_form_class()
    if request.method == "GET":
        current = {kind.value: wanted for kind, wanted in mail_preferences(current_user).items()}
        form = form_class(data=current)
    else:
        form = form_class()
    if form.validate_on_submit():
        wanted = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        set_mail_preferences(current_user, wanted)
        db.session.commit()
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("moderation.notification_settings"))
    return render_template("moderation/notification_settings.html", form=form)


# --- the audit trail --------------------------------------------------------------------


def _audit_filters(form: AuditFilterForm) -> services.AuditFilters:
    consultations = services.moderated_consultations(current_user)
    form.consultation.choices = choices([("", _("All"))] + [(c.id, c.title) for c in consultations])
    chosen = form.consultation.data
    if chosen is not None and chosen not in {c.id for c in consultations}:
        _moderated(chosen)  # not one of theirs: 404 if they cannot see it, else 403
    valid = form.validate()
    return services.AuditFilters(
        consultation_id=chosen,
        action=(form.action.data or "") if valid else "",
        actor=(form.actor.data or "") if valid else "",
        date_from=form.date_from.data if valid else None,
        date_to=form.date_to.data if valid else None,
    )


def _require_audit_reader() -> None:
    require(current_user.is_organiser, 403)


@bp.route("/audit")
@login_required
def audit_log():
    """Audit events of the consultations the user organises (admins: all). Read only."""
    _require_audit_reader()
    form = AuditFilterForm(request.args)
    filters = _audit_filters(form)
    page = db.paginate(
        services.audit_query(current_user, filters),
        page=_page(),
        per_page=current_app.config["PAGE_SIZE"] * 2,
        error_out=False,
    )
    return render_template(
        "moderation/audit_log.html",
        form=form,
        page=page,
        export_form=ConfirmForm(),
        criterion_names=services.criterion_names_for(page.items),
        audit_details=audit_details,
        audit_action_label=audit_action_label,
    )


@bp.route("/audit/export", methods=["POST"])
@login_required
def export_audit():
    """The filtered events as CSV (UTF-8 with BOM, formula-safe); the export is recorded."""
    _require_audit_reader()
    require(ConfirmForm().validate(), 400)
    filters = _audit_filters(AuditFilterForm(request.args))
    query = services.audit_query(current_user, filters)
    rows = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    services.record_audit_export(current_user, filters, rows)
    db.session.commit()
    g.no_store = True
    return Response(
        stream_with_context(services.audit_csv_rows(query)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": "attachment; filename=rembuk-audit.csv"},
    )
