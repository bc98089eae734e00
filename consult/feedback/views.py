"""Participant pages: overview, sections, strategies (comments and ratings), my input."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from consult import recovery
from consult.auth.models import StakeholderGroup, User
from consult.core.forms import ConfirmForm
from consult.errors import render_error
from consult.extensions import db, limiter
from consult.feedback import limits, queries, services, thread
from consult.feedback.forms import (
    CANNOT_JUDGE,
    COMMENT_TYPE_LABELS,
    DOCUMENT_KINDS,
    PHASE_LABELS,
    SOURCE_LABELS,
    CommentForm,
    DocumentForm,
    EditCommentForm,
    OnBehalfCommentForm,
    OnBehalfRatingForm,
    new_submission_key,
    rating_form_class,
)
from consult.feedback.models import Comment, CommentStatus, InputSource
from consult.feedback.my_input import my_rated_strategies
from consult.feedback.section_rating import neighbours_of
from consult.inputs import int_arg, page_arg, parse_id
from consult.markdown import split_paragraphs
from consult.permissions import (
    CommentControls,
    can_edit_comment,
    can_manage,
    can_participate,
    can_record_input,
    membership_of,
    require,
    require_manage,
)
from consult.plans.models import Phase, Section, Strategy
from consult.timeutil import utcnow
from consult.uploads import UploadStorageError, send_stored
from consult.urls import comment_url

bp = Blueprint("feedback", __name__)
KINDS = "any(sections,strategies)"

# The reply's "Cancel" is a submit button of the comment form, named so (not a link): without
# JavaScript a link would load the page again and lose what was typed; the button sends the
# text here, and the form comes back with it, no longer a reply, nothing saved. With JavaScript
# keep-text.js does the same in place, without sending anything.
CANCEL_REPLY = "cancel_reply"


_TRANSLATED: dict[tuple[int, str], tuple[dict, dict]] = {}


@pass_context
def translated(context, labels: dict) -> dict:
    """Lazily translated labels as plain strings in the reader's language: looked up once
    per language and set of labels (the catalogues do not change while the app runs), not
    on every page or each time a page shows one (a thread shows a comment type per card)."""
    locale = str(context.get("rembuk_locale") or get_locale())
    entry = _TRANSLATED.get((id(labels), locale))
    if entry is None or entry[0] is not labels:  # held in the entry, so its id is not reused
        if len(_TRANSLATED) > 64:
            _TRANSLATED.clear()
        entry = (labels, {key: str(label) for key, label in labels.items()})
        _TRANSLATED[(id(labels), locale)] = entry
    return entry[1]


bp.add_app_template_filter(translated)


@bp.app_context_processor
def feedback_helpers():
    return {
        "cancel_reply": CANCEL_REPLY,
        "comment_type_labels": COMMENT_TYPE_LABELS,
        "source_labels": SOURCE_LABELS,
        "phase_labels": PHASE_LABELS,
        "document_kinds": DOCUMENT_KINDS,
        "can_edit_comment": can_edit_comment,
        "CommentStatus": CommentStatus,
        "upload_limit": recovery.upload_limit,
    }


# A global, not a context variable, so that macros imported without context can use it (such
# imports are cached; one "with context" is a module built again for every page).
bp.add_app_template_global(utcnow, "utcnow")


def _page() -> int:
    return page_arg()


def _load_target(consultation, kind: str, item_id: int):
    if kind == "sections":
        return queries.get_section(consultation, item_id)
    return queries.get_strategy(consultation, item_id)


def _target_url(consultation, target, **kw) -> str:
    if isinstance(target, Section):
        return url_for(
            "feedback.show_section", consultation_id=consultation.id, section_id=target.id, **kw
        )
    return url_for(
        "feedback.show_strategy", consultation_id=consultation.id, strategy_id=target.id, **kw
    )


def _may_post(consultation) -> bool:
    return can_participate(current_user, consultation) and services.current_phase(consultation)


def _rating_values(criteria, my_ratings, phase) -> dict[str, str]:
    """The rating form's data: the user's ratings in the open phase."""
    values = {}
    for criterion in criteria:
        rating = my_ratings.get((phase, criterion.id)) if phase else None
        if rating is not None:
            values[f"criterion_{criterion.id}"] = (
                CANNOT_JUDGE if rating.value is None else str(rating.value)
            )
    return values


def _new_comment_form(paragraphs: int, parent_id: int | None) -> CommentForm:
    """A fresh comment form, about the paragraph ?paragraph=N names (a hint: ignored when the
    text has no such paragraph) or replying to parent_id."""
    paragraph_index = int_arg("paragraph", minimum=0)
    if paragraph_index is not None and paragraph_index >= paragraphs:
        paragraph_index = None
    return CommentForm(
        formdata=None,
        paragraphs=paragraphs,
        paragraph_index=paragraph_index,
        parent_id=parent_id,
        submission_key=new_submission_key(),
    )


def _render_target(
    consultation, target, comment_form=None, rating_form=None, status=200, rated=None
):
    """The section or strategy page: text with paragraph counts, ratings, thread, form.

    rated: a strategy's criteria and the reader's ratings, when already loaded with it."""
    reader = current_user._get_current_object()  # once, not through the proxy for every card
    context = _discussion(consultation, target, reader, comment_form)
    if isinstance(target, Strategy):
        return _render_strategy(context, rated, rating_form), status
    return _render_section(context), status


def _discussion(consultation, target, reader, comment_form) -> dict:
    """What a section and a strategy page both show: the text, the thread, the comment form."""
    phase = services.current_phase(consultation)
    may_post = bool(phase) and can_participate(reader, consultation)
    visible = queries.visible_condition(reader, consultation)
    paragraphs = split_paragraphs(services.target_text(target))
    if comment_form is None:
        reply_id = int_arg("reply_to")
        comment_form = _new_comment_form(len(paragraphs), reply_id) if may_post else None
    else:  # the form as sent, shown again
        reply_id = comment_form.parent_id.data
    return {
        "consultation": consultation,
        "target": target,
        "reader": reader,
        "manager": can_manage(reader, consultation),
        "paragraphs": paragraphs,
        "thread": thread.comment_thread(
            target,
            visible,
            _page(),
            current_app.config["PAGE_SIZE"],
            CommentControls(reader, consultation),
        ),
        "phase": phase,
        "may_post": may_post,
        "may_record": can_record_input(reader, consultation),
        "comment_form": comment_form if may_post else None,
        "reply_to": queries.get_reply_target(consultation, reply_id, reader) if reply_id else None,
    }


def _render_strategy(context: dict, rated, rating_form) -> str:
    consultation, strategy = context["consultation"], context["target"]
    criteria, my_ratings = rated or queries.criteria_and_ratings(
        consultation, strategy, context["reader"]
    )
    if context["may_post"] and rating_form is None:
        values = _rating_values(criteria, my_ratings, context["phase"])
        rating_form = rating_form_class(criteria)(formdata=None, data=values)
    return render_template(
        "feedback/strategy.html",
        neighbours=neighbours_of(consultation, strategy),
        criteria=criteria,
        my_ratings=my_ratings,
        rating_form=rating_form,
        **context,
    )


def _render_section(context: dict) -> str:
    consultation, section = context["consultation"], context["target"]
    strategies = queries.section_strategies(section)
    criteria_count = len(queries.criteria_of(consultation))
    progress = queries.user_progress(
        consultation, context["reader"], [s.id for s in strategies], criteria_count
    )
    return render_template(
        "feedback/section.html", strategies=strategies, progress=progress, **context
    )


@bp.route("/c/<int:consultation_id>")
@login_required
def consultation_overview(consultation_id: int):
    """The plan with the participant's progress and what changed since the last visit."""
    reader = current_user._get_current_object()
    consultation = queries.get_consultation(consultation_id, reader)
    membership = membership_of(reader, consultation)  # loaded with the consultation
    since = membership.last_visit_at if membership else None
    chapters = queries.plan_structure(consultation)
    strategy_ids = [s.id for _ch, sections in chapters for _sec, items in sections for s in items]
    criteria_count = len(queries.criteria_of(consultation))
    page = render_template(
        "feedback/overview.html",
        consultation=consultation,
        chapters=chapters,
        progress=queries.user_progress(consultation, reader, strategy_ids, criteria_count),
        commented_sections=queries.commented_sections(consultation, reader),
        changes=queries.changes_since(consultation, reader, since),
        phase=services.current_phase(consultation),
        may_post=_may_post(consultation),
        documents=queries.documents_of(consultation),
    )
    if membership is not None:
        # Recorded once the page is rendered: a commit expires what is loaded, which the page
        # would otherwise load again.
        services.note_visit(membership)
        db.session.commit()
    return page


@bp.route("/c/<int:consultation_id>/sections/<int:section_id>")
@login_required
def show_section(consultation_id: int, section_id: int):
    consultation = queries.get_consultation(consultation_id, current_user)
    return _render_target(consultation, queries.get_section(consultation, section_id))


@bp.route("/c/<int:consultation_id>/strategies/<int:strategy_id>")
@login_required
def show_strategy(consultation_id: int, strategy_id: int):
    page = queries.load_strategy_page(consultation_id, strategy_id, current_user)
    return _render_target(page.consultation, page.strategy, rated=(page.criteria, page.my_ratings))


def _post_comment(form: CommentForm, consultation, target) -> Comment:
    """The comment (a reply when the form names a parent) and its file, from a valid form."""
    data = form.comment_data()
    if form.parent_id.data:
        data["parent"] = queries.get_comment(consultation, form.parent_id.data, current_user)
    comment = services.add_comment(
        target,
        current_user,
        data,
        phase=services.current_phase(consultation),
        consultation=consultation,
    )
    # A repeated submission returns the comment already made: attach the file only once.
    if form.uploaded_file() and not queries.has_attachment(comment):
        services.add_attachment(comment, form.uploaded_file(), current_user)
    return comment


def _not_limited() -> bool:
    """Invited participants and organisers are not limited, nor is a reply cancelled (nothing
    is posted); people who joined publicly are."""
    return limits.not_public_member() or _is_reply_cancelled()


def _too_many_comments(_limit):
    """Over the limit: the page again with the text kept and the reason at the field."""
    view_args = request.view_args
    consultation = queries.get_consultation(view_args["consultation_id"], current_user)
    target = _load_target(consultation, view_args["kind"], view_args["item_id"])
    form = CommentForm(paragraphs=services.paragraph_count(target))
    form.validate()
    form.body.errors = [
        *form.body.errors,
        _(
            "You have sent many comments in a short time. Please wait a few minutes and send "
            "this one again; your text is kept below."
        ),
    ]
    page, _status = _render_target(consultation, target, comment_form=form)
    return make_response(page, 429)


_PUBLIC_LIMIT = {
    "methods": ["POST"],
    "exempt_when": _not_limited,
    "on_breach": _too_many_comments,
}


@bp.post(f"/c/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/comments")
@login_required
@limiter.limit(limits.public_comment_limit, key_func=limits.address_key, **_PUBLIC_LIMIT)
@limiter.limit(limits.public_comment_limit, key_func=limits.account_key, **_PUBLIC_LIMIT)
def add_comment(consultation_id: int, kind: str, item_id: int):
    """Post a comment or reply while the input window is open (403 otherwise)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    target = _load_target(consultation, kind, item_id)
    require(bool(_may_post(consultation)))
    form = CommentForm(paragraphs=services.paragraph_count(target))
    if _is_reply_cancelled():
        return _render_target(consultation, target, comment_form=_no_longer_a_reply(form))
    if not form.validate_on_submit():
        return _render_target(consultation, target, comment_form=form, status=422)
    try:
        comment = _post_comment(form, consultation, target)
    except UploadStorageError as error:
        # No room for the file: keep nothing of this comment, give the text back to resend.
        db.session.rollback()
        form.attachment.errors = [*form.attachment.errors, str(error)]
        return _render_target(consultation, target, comment_form=form, status=507)
    db.session.commit()
    # "draft-sent" tells the browser the comment arrived: only then is its draft forgotten.
    if comment.status == CommentStatus.PENDING:
        flash(
            _("Thank you. Your comment will appear once an organiser has approved it."),
            "info draft-sent",
        )
    else:
        flash(_("Thank you, your comment has been posted."), "success draft-sent")
    return redirect(_posted_comment_url(comment, consultation))


def _posted_comment_url(comment: Comment, consultation) -> str:
    """The page of the thread showing the comment just posted (the thread runs oldest first,
    so in a long thread that is not the first page)."""
    visible = queries.visible_condition(current_user, consultation)
    return comment_url(comment, thread.page_of(comment, visible, current_app.config["PAGE_SIZE"]))


def _is_reply_cancelled() -> bool:
    """Whether the comment form was sent with its reply's "Cancel" (see CANCEL_REPLY)."""
    return CANCEL_REPLY in request.form


def _no_longer_a_reply(form: CommentForm) -> CommentForm:
    """The form as sent, not checked (nothing is saved) and without its reply; a chosen file
    cannot be given back to the browser, so the person is asked to choose it again."""
    form.parent_id.data = None
    if form.uploaded_file():
        form.attachment.errors = [_("Choose your file again: it could not be kept.")]
    return form


def _comment_form_again(formdata: MultiDict, status: int, add_errors):
    """The page of a comment that could not be accepted as sent, its form filled in with what
    was typed (never saved: no state changes); 404/403 as the view would answer."""
    try:
        consultation = queries.get_consultation(request.view_args["consultation_id"], current_user)
        target = _load_target(consultation, request.view_args["kind"], request.view_args["item_id"])
        require(bool(_may_post(consultation)))
        form = CommentForm(formdata=formdata, paragraphs=services.paragraph_count(target))
        # Not validated (nothing is saved): only ids that can be looked up are kept.
        form.parent_id.data = parse_id(form.parent_id.data)
        form.paragraph_index.data = parse_id(form.paragraph_index.data, minimum=0)
        add_errors(form)
        return _render_target(consultation, target, comment_form=form, status=status)
    except HTTPException as refused:  # raised inside an error handler it would become a 500
        return render_error(refused)


def _is_comment_post() -> bool:
    return request.endpoint == "feedback.add_comment" and current_user.is_authenticated


@bp.errorhandler(CSRFError)
def comment_form_expired(error):
    """An expired form: the comment form again with the text (signed out: recovery's page)."""
    formdata = request.form if _is_comment_post() else None
    if not formdata:
        return recovery.session_expired(error, back=_comment_page())

    def explain(form):
        form.form_errors.append(
            _(
                "The form had expired, so your comment has not been sent yet. Check it and send"
                " it again."
            )
        )
        if request.files.get("attachment"):
            form.attachment.errors = [_("Choose your file again: it could not be kept.")]

    return _comment_form_again(formdata, 400, explain)


@bp.errorhandler(RequestEntityTooLarge)
def comment_too_large(error):
    """A too-large attachment: the comment form again with the text and the limit."""
    formdata = recovery.text_of_too_large_request() if _is_comment_post() else None
    if not formdata:
        return recovery.too_large(error, back=_comment_page())

    def explain(form):
        form.attachment.errors = [
            _(
                "The file is larger than %(limit)s. Choose a smaller file, or send your comment"
                " without it.",
                limit=recovery.upload_limit(),
            )
        ]

    return _comment_form_again(formdata, 413, explain)


def _comment_page() -> str | None:
    """The page holding the comment form of this request, when it posted one."""
    if request.endpoint != "feedback.add_comment":
        return None
    args = request.view_args
    kind = "strategy_id" if args["kind"] == "strategies" else "section_id"
    endpoint = "feedback.show_strategy" if kind == "strategy_id" else "feedback.show_section"
    return url_for(endpoint, consultation_id=args["consultation_id"], **{kind: args["item_id"]})


@bp.post("/c/<int:consultation_id>/strategies/<int:strategy_id>/ratings")
@login_required
def rate_strategy(consultation_id: int, strategy_id: int):
    """Save the participant's ratings for the open phase (403 when no window is open)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    strategy = queries.get_strategy(consultation, strategy_id)
    require(bool(_may_post(consultation)))
    phase = services.current_phase(consultation)
    criteria = queries.criteria_of(consultation)
    form = rating_form_class(criteria)()
    if not form.validate_on_submit():
        return _render_target(consultation, strategy, rating_form=form, status=422)
    services.set_ratings(strategy, criteria, current_user, form.rating_values(criteria), phase)
    db.session.commit()
    flash(_("Your ratings have been saved."), "success")
    return redirect(_target_url(consultation, strategy) + "#ratings")


@bp.route("/c/<int:consultation_id>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(consultation_id: int, comment_id: int):
    """The author edits a comment; earlier versions are kept (403 for anyone else)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    comment = queries.get_comment(consultation, comment_id, current_user)
    require(can_edit_comment(current_user, comment, consultation))
    form = EditCommentForm(obj=comment if request.method == "GET" else None)
    if request.method == "GET":
        form.type.data = comment.type.value
    if form.validate_on_submit():
        services.edit_comment(comment, current_user, form.comment_data())
        db.session.commit()
        flash(_("Your comment has been updated."), "success")
        return redirect(comment_url(comment))
    return render_template(
        "feedback/edit_comment.html", consultation=consultation, comment=comment, form=form
    )


@bp.post("/c/<int:consultation_id>/comments/<int:comment_id>/withdraw")
@login_required
def withdraw_comment(consultation_id: int, comment_id: int):
    consultation = queries.get_consultation(consultation_id, current_user)
    comment = queries.get_comment(consultation, comment_id, current_user)
    require(can_edit_comment(current_user, comment, consultation))
    if ConfirmForm().validate_on_submit():
        services.withdraw_comment(comment, current_user)
        db.session.commit()
        flash(_("Your comment has been withdrawn."), "info")
    return redirect(comment_url(comment))


@bp.get("/c/<int:consultation_id>/comments/<int:comment_id>/history")
@login_required
def comment_history(consultation_id: int, comment_id: int):
    """Earlier versions of an edited comment (not of hidden or withdrawn ones)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    comment = queries.get_comment(consultation, comment_id, current_user)
    if comment.status != CommentStatus.PUBLISHED and not (
        comment.author_id == current_user.id or can_manage(current_user, consultation)
    ):
        abort(404)
    return render_template(
        "feedback/history.html",
        consultation=consultation,
        comment=comment,
        revisions=queries.revisions_of(comment),
        back_url=comment_url(comment),
    )


@bp.get("/c/<int:consultation_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(consultation_id: int, attachment_id: int):
    """Serve an attachment to those who may see its comment (404 to anyone else)."""
    consultation = queries.get_consultation(consultation_id, current_user)
    attachment = queries.get_attachment(consultation, attachment_id, current_user)
    return _send(attachment)


def _send(stored):
    try:
        return send_stored(stored.stored_name, stored.original_name, stored.mime_type)
    except FileNotFoundError:
        abort(404)


@bp.route(f"/c/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/record", methods=["GET", "POST"])
@login_required
def record_input(consultation_id: int, kind: str, item_id: int):
    """Organisers record a comment given at the FGD or on paper."""
    consultation = queries.get_consultation(consultation_id, current_user)
    target = _load_target(consultation, kind, item_id)
    require(can_record_input(current_user, consultation))
    members, groups = queries.participants_of(consultation), queries.active_groups()
    form = OnBehalfCommentForm(members=members, groups=groups)
    if request.method == "GET":
        form.phase.data = queries.progress_phase(consultation).value
    if form.validate_on_submit():
        who, _sep, who_id = form.on_behalf.data.partition(":")
        services.record_on_behalf(
            target,
            current_user,
            form.comment_data(),
            phase=Phase(form.phase.data),
            source=InputSource(form.source.data),
            member=db.session.get(User, int(who_id)) if who == "user" else None,
            group=db.session.get(StakeholderGroup, int(who_id)) if who == "group" else None,
        )
        db.session.commit()
        flash(_("The comment has been recorded."), "success")
        return redirect(url_for(request.endpoint, **request.view_args))
    return _render_record(consultation, target, members, comment_form=form)


def _render_record(consultation, target, members, comment_form=None, rating_form=None):
    criteria = queries.criteria_of(consultation) if isinstance(target, Strategy) else []
    if isinstance(target, Strategy) and rating_form is None:
        rating_form = rating_form_class(criteria, OnBehalfRatingForm)(
            formdata=None, members=members, phase=queries.progress_phase(consultation).value
        )
    if comment_form is None:
        comment_form = OnBehalfCommentForm(
            formdata=None,
            members=members,
            groups=queries.active_groups(),
            phase=queries.progress_phase(consultation).value,
        )
    return render_template(
        "feedback/record.html",
        consultation=consultation,
        target=target,
        kind="strategies" if isinstance(target, Strategy) else "sections",
        comment_form=comment_form,
        rating_form=rating_form,
        criteria=criteria,
        back_url=_target_url(consultation, target),
    )


@bp.post("/c/<int:consultation_id>/strategies/<int:strategy_id>/record/ratings")
@login_required
def record_ratings(consultation_id: int, strategy_id: int):
    """Organisers record a participant's ratings given at the FGD or on paper."""
    consultation = queries.get_consultation(consultation_id, current_user)
    strategy = queries.get_strategy(consultation, strategy_id)
    require(can_record_input(current_user, consultation))
    members = queries.participants_of(consultation)
    criteria = queries.criteria_of(consultation)
    form = rating_form_class(criteria, OnBehalfRatingForm)(members=members)
    if not form.validate_on_submit():
        return _render_record(consultation, strategy, members, rating_form=form)
    services.record_ratings_on_behalf(
        strategy,
        criteria,
        current_user,
        db.session.get(User, int(form.member.data)),
        form.rating_values(criteria),
        phase=Phase(form.phase.data),
        source=InputSource(form.source.data),
    )
    db.session.commit()
    flash(_("The ratings have been recorded."), "success")
    return redirect(
        url_for(
            "feedback.record_input",
            consultation_id=consultation.id,
            kind="strategies",
            item_id=strategy.id,
        )
    )


@bp.route("/c/<int:consultation_id>/documents", methods=["GET", "POST"])
@login_required
def documents(consultation_id: int):
    """FGD minutes, attendance list and other files: organisers upload, members download."""
    consultation = queries.get_consultation(consultation_id, current_user)
    form = DocumentForm() if can_manage(current_user, consultation) else None
    status = 200
    if request.method == "POST":
        require_manage(current_user, consultation)
        if form.validate_on_submit():
            try:
                services.add_document(
                    consultation, current_user, form.file.data, form.kind.data, form.title.data
                )
            except UploadStorageError as error:
                db.session.rollback()
                form.file.errors = [*form.file.errors, str(error)]
                status = 507
            else:
                db.session.commit()
                flash(_("The document has been uploaded."), "success")
                return redirect(url_for("feedback.documents", consultation_id=consultation.id))
    return render_template(
        "feedback/documents.html",
        consultation=consultation,
        documents=queries.documents_of(consultation),
        form=form,
    ), status


@bp.get("/c/<int:consultation_id>/documents/<int:document_id>")
@login_required
def download_document(consultation_id: int, document_id: int):
    consultation = queries.get_consultation(consultation_id, current_user)
    return _send(queries.get_document(consultation, document_id))


@bp.route("/my-input")
@login_required
def my_input():
    """Everything the user has submitted, with its status, across consultations."""
    per_page = current_app.config["PAGE_SIZE"]
    comments = queries.my_comments(current_user, _page(), per_page)
    ratings = my_rated_strategies(current_user, page_arg("rpage"), per_page)
    consultation_titles, strategies = queries.titles_for(
        {c.consultation_id for c in comments.items} | {r.consultation_id for r in ratings.items},
        {r.strategy_id for r in ratings.items},
    )
    return render_template(
        "feedback/my_input.html",
        comments=comments,
        ratings=ratings,
        consultation_titles=consultation_titles,
        strategies=strategies,
        now=utcnow(),
    )


# The section rating view registers its routes on this blueprint.
from consult.feedback import rating_views  # noqa: E402, F401
