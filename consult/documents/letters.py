"""A response letter to a participant (or to everyone of one organisation): their input and
the department's answer to each item, in the recipient's language."""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from consult.auth.models import User
from consult.documents.model import (
    Column,
    Document,
    Fields,
    Paragraph,
    Rich,
    Run,
    Signatures,
    Table,
    label_value,
    plain,
    rich,
)
from consult.documents.model import Para as RichPara
from consult.documents.services import (
    file_name,
    letterhead_of,
    settings_of,
    signatory_by_id,
    signature,
)
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.labels import label
from consult.plans.models import Consultation, Membership, Section, Strategy
from consult.reports.models import CommentResponse, ResponseGroup
from consult.timeutil import place_date


@dataclass
class LetterOptions:
    number: str = ""
    signatory_id: int | None = None
    today: date | None = None
    lang: str | None = None  # None: the recipient's own language


def recipients(consultation: Consultation, user_id=None, organisation=None) -> list[User]:
    """Members of the consultation: one by id, or all of one organisation (may be empty)."""
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.consultation_id == consultation.id)
    )
    if user_id is not None:
        query = query.where(User.id == user_id)
    elif organisation:
        query = query.where(User.organisation == organisation)
    else:
        return []
    return list(db.session.scalars(query.order_by(User.name, User.id)))


def organisations(consultation: Consultation) -> list[str]:
    """The organisations of those who gave published input, for the letter form."""
    query = (
        select(User.organisation)
        .join(Comment, Comment.author_id == User.id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.status == CommentStatus.PUBLISHED,
            User.organisation != "",
        )
        .distinct()
        .order_by(User.organisation)
    )
    return list(db.session.scalars(query))


def _items(consultation: Consultation, people: list[User]):
    """Their published input with its response, in the order they wrote it."""
    query = (
        select(Comment, CommentResponse, ResponseGroup, Strategy, Section)
        .outerjoin(CommentResponse, CommentResponse.comment_id == Comment.id)
        .outerjoin(ResponseGroup, CommentResponse.response_group_id == ResponseGroup.id)
        .outerjoin(Strategy, Comment.strategy_id == Strategy.id)
        .outerjoin(Section, Comment.section_id == Section.id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.author_id.in_([p.id for p in people]),
            Comment.status == CommentStatus.PUBLISHED,
        )
        .order_by(Comment.created_at, Comment.id)
    )
    return db.session.execute(query).all()


def language_of(people: list[User]) -> str:
    supported = current_app.config["LANGUAGES"]
    for person in people:
        if person.locale in supported:
            return person.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def build_letter(consultation: Consultation, people: list[User], options: LetterOptions):
    """The letter as a Document, in the recipient's language unless one is chosen."""
    lang = options.lang or language_of(people)
    with force_locale(lang):
        return _build(consultation, people, options, lang)


def _build(consultation, people, options, lang) -> Document:
    settings = settings_of(consultation)
    today = options.today or date.today()
    organisation = people[0].organisation if people else ""
    single = len(people) == 1
    addressee = people[0].display_name if single else organisation
    document = Document(
        title=_("Response to your input"),
        lang=lang,
        number=_("Number: %(number)s", number=options.number) if options.number else "",
        letterhead=letterhead_of(settings),
        paper=settings.paper,
        page_label=_("Page {page} of {pages}"),
        links_title=_("Links"),
        meta_author=settings.unit or consultation.department,
    )
    when = place_date(today, lang)
    place_line = f"{settings.place}, {when}" if settings.place else when
    document.add(Paragraph(plain(place_line), align="right"))
    recipient = [addressee] + ([organisation] if single and organisation else [])
    document.add(
        Fields(
            [
                (_("To"), ", ".join(r for r in recipient if r)),
                (_("Subject"), _("Response to input on %(title)s", title=consultation.title)),
            ]
        )
    )
    document.add(
        Paragraph(
            plain(
                _(
                    "Thank you for your input to the consultation on %(title)s. Every item was "
                    "considered in revising the plan; our response to each is set out below.",
                    title=consultation.title,
                )
            )
        )
    )
    links = document.links
    rows = []
    for number, (comment, response, group, strategy, section) in enumerate(
        _items(consultation, people), start=1
    ):
        source = group if group is not None else response
        place = strategy or section
        body = rich(comment.body, links)
        body.blocks.insert(0, RichPara([Run(label("type", comment.type), bold=True)]))
        if comment.proposed_wording:
            body.blocks.extend(
                label_value(_("Proposed wording"), comment.proposed_wording, links).blocks
            )
        if not single and comment.author_id:
            author = next((p.display_name for p in people if p.id == comment.author_id), "")
            body.blocks.append(RichPara([Run(author, italic=True)]))
        rows.append(
            [
                plain(str(number)),
                plain(f"{place.code} {place.title}".strip() if place else ""),
                body,
                plain(label("disposition", source.disposition) if source else "", bold=True)
                if source
                else plain(_("Not yet answered"), italic=True),
                rich(source.rationale, links) if source else Rich(),
                plain(place_date(comment.created_at, lang)),
            ]
        )
    document.add(
        Table(
            [
                Column(_("No."), 5, "center"),
                Column(_("Strategy"), 15),
                Column(_("Your input"), 33),
                Column(_("Response"), 14, "center"),
                Column(_("Rationale"), 20),
                Column(_("Written on"), 13),
            ],
            rows,
            empty_text=_("No published input."),
        )
    )
    document.add(
        Paragraph(
            plain(
                _(
                    "We thank you for your attention and your part in this consultation, "
                    "and hope to hear from you again."
                )
            )
        )
    )
    document.add(Signatures([signature(signatory_by_id(consultation, options.signatory_id))]))
    return document


def letter_filename(consultation: Consultation, people: list[User], options, ext: str) -> str:
    lang = options.lang or language_of(people)
    with force_locale(lang):
        title = _("Response letter")
    who = people[0].display_name if len(people) == 1 else (people[0].organisation if people else "")
    base = file_name(
        title, settings_of(consultation), consultation, options.today or date.today(), ext
    )
    from consult.documents.services import slug

    stem, _dot, suffix = base.rpartition(".")
    return f"{stem}-{slug(who)}.{suffix}" if slug(who) else base


def authors(consultation: Consultation) -> list[User]:
    """Members who gave published input, for the letter form."""
    ids = (
        select(Comment.author_id)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.status == CommentStatus.PUBLISHED,
            Comment.author_id.is_not(None),
        )
        .distinct()
    )
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))
