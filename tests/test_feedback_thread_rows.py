"""The comment thread read as rows (consult/feedback/thread.py) shows what the ORM objects
showed: the same comments in the same order, names (an erased author's pseudonym), groups,
attachments, and the reader's controls as can_edit_comment and can_flag_comment decide them."""

import re
from itertools import product
from types import SimpleNamespace

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback import thread
from consult.feedback.models import Attachment, Comment, CommentStatus
from consult.feedback.queries import visible_condition
from consult.permissions import CommentControls, can_edit_comment, can_flag_comment
from consult.plans.models import ConsultationState
from consult.timeutil import utcnow
from tests.conftest import first_strategy


def test_controls_decided_once_agree_with_the_per_comment_rules():
    reader = SimpleNamespace(id=7, is_authenticated=True)
    stranger = SimpleNamespace(id=None, is_authenticated=False)
    for user, state, author_id, entered_by_id, status in product(
        (reader, stranger),
        list(ConsultationState),
        (7, 8, None),
        (None, 3),
        list(CommentStatus),
    ):
        consultation = SimpleNamespace(state=state)
        comment = SimpleNamespace(author_id=author_id, entered_by_id=entered_by_id, status=status)
        controls = CommentControls(user, consultation)
        assert controls.may_edit(author_id, entered_by_id, status) == can_edit_comment(
            user, comment, consultation
        )
        assert controls.may_flag(author_id, status) == can_flag_comment(user, comment)


def test_thread_rows_show_what_the_comments_hold(
    app, make_user, make_group, make_consultation, make_comment
):
    group = make_group("Akademisi")
    author = make_user(group=group, name="Siti", organisation="Universitas Palangka Raya")
    erased = make_user(group=group, name="Budi")
    reader = make_user(name="Ani")
    organiser = make_user(role=Role.ORGANISER, name="Pak Organiser")
    consultation = make_consultation(organiser=organiser, participants=(author, erased, reader))
    strategy = first_strategy(consultation)
    first = make_comment(consultation, author, "Pertama", paragraph_index=1)
    second = make_comment(consultation, erased, "Kedua", revision=2)
    recorded = make_comment(consultation, None, "Dicatat", entered_by_id=organiser.id)
    reply = make_comment(consultation, reader, "Balasan", parent_id=first.id)
    hidden_reply = make_comment(
        consultation, author, "Tersembunyi", parent_id=first.id, status=CommentStatus.PENDING
    )
    for name in ("b.pdf", "a.pdf"):
        db.session.add(
            Attachment(
                comment_id=first.id,
                stored_name=f"stored-{name}",
                original_name=name,
                mime_type="application/pdf",
                size_bytes=2048,
            )
        )
    erased.erased_at = utcnow()
    db.session.commit()

    with app.test_request_context():
        page = thread.comment_thread(
            strategy,
            visible_condition(reader, consultation),
            1,
            20,
            CommentControls(reader, consultation),
        )
        cards = page.cards
        stored = {c.id: c for c in db.session.scalars(db.select(Comment))}
        assert [(card.id, is_reply) for card, is_reply in cards] == [
            (first.id, False),
            (reply.id, True),
            (second.id, False),
            (recorded.id, False),
        ]
        assert hidden_reply.id not in {card.id for card, _ in cards}
        by_id = {card.id: card for card, _ in cards}
        assert by_id[first.id].author == ("Siti", "Universitas Palangka Raya")
        assert by_id[first.id].group.name == "Akademisi"
        assert by_id[first.id].paragraph_index == 1
        assert [a.original_name for a in by_id[first.id].attachments] == ["b.pdf", "a.pdf"]
        # An erased author: the pseudonym with the group, as User.display_name gives it.
        assert "Akademisi" in by_id[second.id].author.display_name
        assert "Budi" not in by_id[second.id].author.display_name
        assert by_id[second.id].revision == 2
        assert by_id[recorded.id].author is None
        assert by_id[recorded.id].entered_by.display_name == "Pak Organiser"
        assert by_id[reply.id].may_edit and not by_id[reply.id].may_flag
        assert by_id[first.id].may_flag and not by_id[first.id].may_edit
        assert not by_id[recorded.id].may_edit
        for card, _ in cards:
            assert card.created_iso == stored[card.id].created_at.isoformat() + "Z"
            assert card.created_text
        assert page.pagination.total == 3


def test_translated_labels_are_remembered_per_language(app):
    from flask_babel import force_locale

    from consult.feedback.forms import COMMENT_TYPE_LABELS
    from consult.feedback.models import CommentType

    template = app.jinja_env.from_string("{{ (labels|translated)[kind] }}")
    with app.test_request_context():
        for _ in range(2):  # the second time from memory
            with force_locale("id"):
                shown_id = template.render(labels=COMMENT_TYPE_LABELS, kind=CommentType.SUPPORT)
            with force_locale("en"):
                shown_en = template.render(labels=COMMENT_TYPE_LABELS, kind=CommentType.SUPPORT)
            assert (shown_id, shown_en) == ("Dukungan", "Support")


def test_a_thread_page_reads_its_comments_by_index_not_the_whole_table(
    app, make_user, make_consultation, make_comment
):
    # "id IN page OR parent_id IN page" left PostgreSQL no index to use: it read all 50,000
    # comments of the bench consultation for every thread page (13 ms of the public page's 22).
    from sqlalchemy import event

    author = make_user()
    consultation = make_consultation(participants=(author,))
    first = make_comment(consultation, author, "Pertama")
    make_comment(consultation, author, "Balasan", parent_id=first.id)
    strategy = first_strategy(consultation)
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("WITH thread_page"):
            captured.append((statement, parameters))

    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":  # tiny tables: without this every plan is a sequential scan
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with app.test_request_context():
            thread.comment_thread(
                strategy,
                visible_condition(author, consultation),
                1,
                20,
                CommentControls(author, consultation),
            )
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    explain = "EXPLAIN " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    plan = [str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters)]
    if dialect == "postgresql":
        # Every read of the comment table is an index look-up (a condition on the index), not
        # a scan of the whole table or of a whole index.
        reads = [n for n, line in enumerate(plan) if re.search(r"Scan .*\bon comment\b", line)]
        assert reads, plan
        assert all(re.search(r"(Index|Recheck) Cond", plan[n + 1]) for n in reads), "\n".join(plan)
    else:
        assert not [line for line in plan if line.startswith("SCAN comment")], plan
