"""Public pages of a consultation opened to everyone: the plan, a section or strategy with its
published comments, versions and their differences, "you said, we did", and registration.

Every page loads the consultation through _load, which answers 404 unless
permissions.can_read_publicly allows it: an invited-only consultation does not exist here.
"""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.auth.services import normalise_email
from consult.core.forms import ConfirmForm
from consult.extensions import db, limiter
from consult.feedback import queries as feedback_queries
from consult.feedback.services import target_text
from consult.feedback.thread import comment_thread
from consult.inputs import int_arg, page_arg
from consult.markdown import split_paragraphs
from consult.permissions import (
    CommentControls,
    can_read_publicly,
    can_register_publicly,
    can_view,
    require,
    shows_public_author_names,
)
from consult.plans.models import Consultation
from consult.public import services
from consult.public.caching import answer_conditional_request, cached_page
from consult.public.forms import RegistrationForm
from consult.reports.forms import DISPOSITION_LABELS
from consult.reports.views import Page
from consult.revisions import services as revision_services

bp = Blueprint("public", __name__, url_prefix="/p")
bp.before_request(answer_conditional_request)
KINDS = "any(sections,strategies)"


def _register_limit() -> str:
    return current_app.config["PUBLIC_REGISTER_RATE_LIMIT"]


def _load(consultation_id: int) -> Consultation:
    """The consultation, or 404 unless the public may read it."""
    consultation = db.session.get(Consultation, consultation_id)
    require(consultation is not None and can_read_publicly(consultation), 404)
    return consultation


def _item(consultation, kind: str, item_id: int):
    if kind == "sections":
        return feedback_queries.get_section(consultation, item_id)
    return feedback_queries.get_strategy(consultation, item_id)


def _context(consultation) -> dict:
    return {
        "consultation": consultation,
        "show_names": shows_public_author_names(current_user, consultation),
        "member": can_view(current_user, consultation),
        "may_register": can_register_publicly(consultation),
    }


@bp.get("/<int:consultation_id>")
def overview(consultation_id: int):
    """The plan's outline, what the consultation is about, and how to take part."""
    consultation = _load(consultation_id)
    return cached_page(
        lambda: render_template(
            "public/overview.html",
            chapters=feedback_queries.plan_structure(consultation),
            published_responses=consultation.response_published_at is not None,
            **_context(consultation),
        ),
    )


@bp.get(f"/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>")
def show_item(consultation_id: int, kind: str, item_id: int):
    """A section or strategy: its text and the published comments, a page at a time."""
    consultation = _load(consultation_id)
    item = _item(consultation, kind, item_id)
    per_page = current_app.config["PAGE_SIZE"]
    condition = services.public_comment_condition(consultation)
    page = page_arg()
    return cached_page(
        lambda: render_template(
            "public/item.html",
            item=item,
            kind=kind,
            paragraphs=split_paragraphs(target_text(item)),
            thread=comment_thread(
                item, condition, page, per_page, CommentControls(current_user, consultation)
            ),
            **_context(consultation),
        ),
    )


@bp.get(f"/<int:consultation_id>/<{KINDS}:kind>/<int:item_id>/versions")
def versions(consultation_id: int, kind: str, item_id: int):
    """Every published version of the text; with ?from=&to= the word difference."""
    consultation = _load(consultation_id)
    item = _item(consultation, kind, item_id)
    found = revision_services.versions_of(item)
    older = revision_services.find_version(found, int_arg("from"))
    newer = revision_services.find_version(found, int_arg("to"))
    if older is None or newer is None:
        older = newer = None
    return cached_page(
        lambda: render_template(
            "public/versions.html",
            item=item,
            kind=kind,
            versions=list(reversed(found)),
            older=older,
            newer=newer,
            **_context(consultation),
        ),
    )


@bp.get("/<int:consultation_id>/you-said-we-did")
def you_said_we_did(consultation_id: int):
    """The organisers' published answers to the input (404 until published)."""
    consultation = _load(consultation_id)
    if consultation.response_published_at is None:
        abort(404)
    page = page_arg()
    return cached_page(
        lambda: render_template(
            "public/you_said_we_did.html",
            page=Page(*services.responses_page(consultation, page, 50)),
            disposition_labels={d.value: label for d, label in DISPOSITION_LABELS.items()},
            **_context(consultation),
        ),
    )


def _address_key() -> str:
    return "public-address:" + (request.remote_addr or "unknown")


def _email_key() -> str:
    return "public-email:" + normalise_email(request.form.get("email", ""))


def _registration_refused(_limit) -> Response:
    """Too many registrations: the form again, everything typed kept, the reason at the field."""
    consultation = _load(request.view_args["consultation_id"])
    form = RegistrationForm()
    form.validate()
    form.email.errors = [
        *form.email.errors,
        _(
            "Too many registrations from this connection or for this address. Please try again "
            "in an hour."
        ),
    ]
    page = render_template("public/register.html", form=form, consultation=consultation)
    return make_response(page, 429)


@bp.route("/<int:consultation_id>/register", methods=["GET", "POST"])
@limiter.limit(
    _register_limit, key_func=_address_key, methods=["POST"], on_breach=_registration_refused
)
@limiter.limit(
    _register_limit, key_func=_email_key, methods=["POST"], on_breach=_registration_refused
)
def register(consultation_id: int):
    """Anyone registers to give input: name, e-mail (verified by a link), city, organisation."""
    consultation = _load(consultation_id)
    require(can_register_publicly(consultation), 404)
    if current_user.is_authenticated:
        return redirect(url_for("public.overview", consultation_id=consultation.id))
    form = RegistrationForm()
    if form.validate_on_submit():
        services.register_publicly(consultation, form.to_data())
        db.session.commit()
        return render_template(
            "public/registered.html", consultation=consultation, email=form.email.data
        )
    status = 422 if form.is_submitted() else 200
    return render_template("public/register.html", form=form, consultation=consultation), status


@bp.post("/<int:consultation_id>/join")
@login_required
def join(consultation_id: int):
    """A signed-in person who is not a member joins a public consultation to give input."""
    consultation = _load(consultation_id)
    require(can_register_publicly(consultation), 404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.join_publicly(current_user, consultation)
    db.session.commit()
    flash(_("You have joined this consultation as a member of the public."), "success")
    return redirect(url_for("feedback.consultation_overview", consultation_id=consultation.id))
