"""Exports: each format opened by its reader, formula injection, anonymity, filters, audit."""

import csv
import io
import json
import random
import re
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus, Rating
from consult.plans.models import Chapter, Criterion, Phase, Section, Strategy
from consult.reports import exports
from consult.reports.exports import (
    ExportFilters,
    Identities,
    iter_comments,
    neutralise,
    run_export,
)
from consult.reports.models import CommentResponse, Disposition
from consult.reports.services import comments_in_plan_order
from tests.conftest import first_strategy

INJECTIONS = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x"]


@pytest.fixture
def setting(make_user, make_group, make_consultation):
    kadin, akademisi = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(
        role=Role.ORGANISER, name="Ratna Organiser", email="ratna.org@pemko.go.id"
    )
    kadin_people = [
        make_user(
            group=kadin,
            name=f"Kadin Orang{n}",
            email=f"kadin{n}@kadin.id",
            organisation=f"PT Kadin Usaha{n}",
        )
        for n in range(3)
    ]
    academic = make_user(
        group=akademisi,
        name="Dosen Tunggal",
        email="dosen@upr.ac.id",
        organisation="Universitas Palangka Raya",
    )
    consultation = make_consultation(organiser=organiser, participants=[*kadin_people, academic])
    strategy = first_strategy(consultation)
    priority = db.session.scalar(
        select(Criterion).where(
            Criterion.consultation_id == consultation.id, Criterion.key == "priority"
        )
    )
    for user, value in zip([*kadin_people, academic], [4, 5, 4, 2], strict=True):
        db.session.add(
            Rating(
                consultation_id=consultation.id,
                strategy_id=strategy.id,
                criterion_id=priority.id,
                user_id=user.id,
                group_id=user.group_id,
                phase=Phase.PRE,
                value=value,
            )
        )
    top = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=kadin_people[0].id,
        group_id=kadin.id,
        phase=Phase.PRE,
        body="Perlu pusat logistik bahan baku.",
    )
    db.session.add(top)
    db.session.flush()
    reply = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        parent_id=top.id,
        author_id=organiser.id,
        body="Terima kasih, dicatat.",
    )
    hidden = Comment(
        consultation_id=consultation.id,
        strategy_id=strategy.id,
        author_id=academic.id,
        group_id=akademisi.id,
        phase=Phase.POST,
        status=CommentStatus.HIDDEN,
        body="Komentar yang disembunyikan.",
    )
    db.session.add_all([reply, hidden])
    db.session.flush()
    db.session.add(
        CommentResponse(
            comment_id=top.id,
            consultation_id=consultation.id,
            disposition=Disposition.ACCEPTED,
            rationale="Masuk program 1.1.1.",
        )
    )
    db.session.commit()
    people = [organiser, *kadin_people, academic]
    return consultation, strategy, organiser, people, top, reply, hidden


def _export(fmt, consultation, actor, **filters):
    result = run_export(fmt, consultation, ExportFilters(**filters), actor)
    db.session.commit()
    data = result.path.read_bytes()
    result.path.unlink()
    return data


def _unescape(cell):
    # XlsxWriter stores a carriage return as the OOXML escape _x000D_, which Excel decodes
    # and openpyxl leaves as is.
    return cell.replace("_x000D_", "\r") if isinstance(cell, str) else cell


def xlsx_texts(data):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    sheets = {}
    for sheet in book.worksheets:
        sheets[sheet.title] = [
            [_unescape(cell) for cell in row] for row in sheet.iter_rows(values_only=True)
        ]
    return sheets


def csv_tables(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    tables = {}
    for name in archive.namelist():
        raw = archive.read(name)
        assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
        tables[name] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return tables


def docx_texts(data):
    """Every paragraph and table cell text of a DOCX."""
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return texts


def json_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_strings(item)


def test_xlsx_has_the_four_sheets_with_content(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    sheets = xlsx_texts(_export("xlsx", consultation, organiser))
    assert list(sheets) == ["Ringkasan", "Penilaian", "Masukan", "Peserta", "Pergeseran"]
    # A workbook is for people: labels in the export's language, not codes.
    summary = [
        r for r in sheets["Ringkasan"][1:] if r[2] == "Prioritas" and r[3] == "Before the FGD"
    ]
    assert summary[0][4] == 4 and summary[0][6] == pytest.approx(3.75)
    comments = sheets["Masukan"][1:]
    assert [r[0] for r in comments] == [top.id, reply.id, hidden.id]  # thread order
    assert comments[0][17] == "Accepted" and comments[0][18] == "Masuk program 1.1.1."
    assert comments[2][6] == "Hidden"
    assert comments[0][-1].endswith(
        f"/c/{consultation.id}/strategies/{strategy.id}#comment-{top.id}"
    )
    assert comments[0][-1].startswith("http://127.0.0.1:5000")
    names = {row[0] for row in sheets["Peserta"][1:]}
    assert "Dosen Tunggal" in names


def test_csv_zip_holds_one_utf8_file_per_table(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    tables = csv_tables(_export("csv", consultation, organiser))
    assert set(tables) == {
        "ringkasan.csv",
        "penilaian.csv",
        "masukan.csv",
        "peserta.csv",
        "pergeseran.csv",
    }
    bodies = [row[14] for row in tables["masukan.csv"][1:]]
    assert bodies == [top.body, reply.body, hidden.body]


def test_json_document_follows_the_schema(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    document = json.loads(_export("json", consultation, organiser))
    assert document["schema"] == "rembuk-export/1"
    assert {
        "consultation",
        "filters",
        "criteria",
        "summary",
        "ratings_by_group",
        "comments",
        "participants",
    } <= set(document)
    first = document["comments"][0]
    assert first["id"] == top.id and first["disposition"] == "accepted"
    assert first["url"].endswith(f"#comment-{top.id}")
    assert document["comments"][1]["parent_id"] == top.id
    priority = [
        s for s in document["summary"] if s["criterion"] == "priority" and s["phase"] == "pre"
    ][0]
    assert priority["raters"] == 4 and priority["distribution"] == [0, 1, 0, 2, 1]


def test_export_page_offers_no_docx_and_points_to_the_official_documents(setting, client, login):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    login(organiser)
    page = client.get(f"/c/{consultation.id}/export").get_data(as_text=True)
    assert 'value="docx"' not in page
    assert f"/c/{consultation.id}/official-documents" in page
    refused = client.post(f"/c/{consultation.id}/export", data={"format": "docx"})
    assert refused.status_code == 422


def test_formula_injection_is_neutralised_but_text_kept(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    for payload in INJECTIONS:
        db.session.add(
            Comment(
                consultation_id=consultation.id,
                strategy_id=strategy.id,
                author_id=people[1].id,
                group_id=people[1].group_id,
                body=payload,
            )
        )
    people[2].name = '=HYPERLINK("http://x")'
    db.session.commit()
    sheets = xlsx_texts(_export("xlsx", consultation, organiser))
    bodies = [row[14] for row in sheets["Masukan"][1:]]
    for payload in INJECTIONS:
        assert "'" + payload in bodies
    assert '\'=HYPERLINK("http://x")' in {row[0] for row in sheets["Peserta"][1:]}
    tables = csv_tables(_export("csv", consultation, organiser))
    csv_bodies = [row[14] for row in tables["masukan.csv"][1:]]
    for payload in INJECTIONS:
        assert "'" + payload in csv_bodies
    for rows in [*sheets.values(), *tables.values()]:
        for row in rows:
            for cell in row:
                if isinstance(cell, str):
                    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert neutralise("Biasa saja") == "Biasa saja" and neutralise(5) == 5


def test_anonymised_exports_leak_no_name_or_email(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    secrets = (
        [p.name for p in people]
        + [p.email for p in people]
        + [p.organisation for p in people if p.organisation]
    )
    outputs = {
        "xlsx": [
            str(c)
            for rows in xlsx_texts(
                _export("xlsx", consultation, organiser, anonymise=True)
            ).values()
            for row in rows
            for c in row
            if c is not None
        ],
        "csv": [
            c
            for rows in csv_tables(_export("csv", consultation, organiser, anonymise=True)).values()
            for row in rows
            for c in row
        ],
        "json": list(
            json_strings(json.loads(_export("json", consultation, organiser, anonymise=True)))
        ),
    }
    for fmt, texts in outputs.items():
        for text in texts:
            for secret in secrets:
                assert secret not in text, (fmt, secret, text)
    # Pseudonyms that keep the group, stable within an export, new in the next one.
    document = json.loads(_export("json", consultation, organiser, anonymise=True))
    pseudonym = document["comments"][0]["author"]
    # "Peserta KADIN 3f9a2c" once translated; the msgid is "Participant".
    assert re.fullmatch(r"(Peserta|Participant) KADIN [0-9a-f]{6}", pseudonym)
    listed = {p["name"] for p in document["participants"]}
    assert pseudonym in listed
    again = json.loads(_export("json", consultation, organiser, anonymise=True))
    assert again["comments"][0]["author"] != pseudonym
    assert pseudonym not in {p["name"] for p in again["participants"]}
    assert document["comments"][0]["group"] == "KADIN"


def test_anonymised_breakdowns_suppress_small_groups(setting, app):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    document = json.loads(_export("json", consultation, organiser, anonymise=True))
    rows = {
        r["group"]: r
        for r in document["ratings_by_group"]
        if r["criterion"] == "priority" and r["phase"] == "pre"
    }
    assert rows["Akademisi"]["suppressed"] is True and "mean" not in rows["Akademisi"]
    # KADIN alone would give Akademisi back as the total minus KADIN: suppressed too.
    assert rows["KADIN"]["suppressed"] is True and "raters" not in rows["KADIN"]
    total = [
        s for s in document["summary"] if s["criterion"] == "priority" and s["phase"] == "pre"
    ][0]
    assert total["suppressed"] is False and total["raters"] == 4
    sheets = xlsx_texts(_export("xlsx", consultation, organiser, anonymise=True))
    academic_rows = [r for r in sheets["Penilaian"][1:] if r[4] == "Akademisi"]
    assert academic_rows and all(r[7] in ("(suppressed)", "(disembunyikan)") for r in academic_rows)
    # Named exports are for organisers and are not suppressed.
    named = json.loads(_export("json", consultation, organiser))
    assert all(not r["suppressed"] for r in named["ratings_by_group"])
    app.config["ANONYMITY_MIN_GROUP_SIZE"] = 5
    document = json.loads(_export("json", consultation, organiser, anonymise=True))
    assert all(r["suppressed"] for r in document["ratings_by_group"])


def test_filters_select_comments_and_ratings(setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    by_status = json.loads(_export("json", consultation, organiser, status=CommentStatus.HIDDEN))
    assert [c["id"] for c in by_status["comments"]] == [hidden.id]
    by_phase = json.loads(_export("json", consultation, organiser, phase=Phase.POST))
    assert [c["id"] for c in by_phase["comments"]] == [hidden.id]
    assert {s["phase"] for s in by_phase["summary"]} == {"post"}
    by_group = json.loads(_export("json", consultation, organiser, group_id=people[1].group_id))
    assert [c["id"] for c in by_group["comments"]] == [top.id, reply.id]
    assert {r["group"] for r in by_group["ratings_by_group"]} == {"KADIN"}
    assert {p["group"] for p in by_group["participants"]} == {"KADIN"}
    by_section = json.loads(_export("json", consultation, organiser, section_id=999999))
    assert by_section["comments"] == [] and by_section["summary"] == []


def test_export_page_downloads_and_audits(client, login, setting):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    page = login(organiser).get(f"/c/{consultation.id}/export")
    assert page.status_code == 200
    job_page = login(organiser).post(
        f"/c/{consultation.id}/export",
        data={"format": "xlsx", "phase": "pre", "anonymise": "y"},
    )
    assert job_page.status_code == 302  # to the job's page; the job ran eagerly (tests)
    response = client.get(job_page.headers["Location"] + "/download")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    # Anonymised: a last sheet explains the suppression rules.
    assert workbook.sheetnames == [
        "Ringkasan",
        "Penilaian",
        "Masukan",
        "Peserta",
        "Pergeseran",
        "Catatan",
    ]
    response.close()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.data["format"] == "xlsx"
    assert event.data["filters"]["phase"] == "pre" and event.data["filters"]["anonymise"]
    assert event.actor_id == organiser.id
    assert (
        login(people[1]).post(f"/c/{consultation.id}/export", data={"format": "json"}).status_code
        == 403
    )


def test_export_works_outside_a_request(setting, app):
    consultation, strategy, organiser, people, top, reply, hidden = setting
    result = run_export("json", consultation, ExportFilters(), None)
    db.session.commit()
    assert Path(result.path).exists()
    assert json.loads(result.path.read_text())["comments"]
    result.path.unlink()


# --- order and cost of the comments in a plan of several chapters ------------------------


@pytest.fixture
def plan(make_user, make_group, make_consultation):
    """Three chapters of two sections of three strategies, made in the reverse of their order.

    Positions run against ids and two strategies share a position; comments sit on sections
    and strategies with shared and shuffled times, with replies, statuses, phases and groups.
    """
    kadin, akademisi = make_group("KADIN"), make_group("Akademisi")
    organiser = make_user(role=Role.ORGANISER)
    people = [make_user(group=kadin), make_user(group=akademisi), make_user()]
    consultation = make_consultation(organiser=organiser, participants=people)
    targets = []
    for chapter_position in (3, 2):
        chapter = Chapter(
            consultation_id=consultation.id,
            position=chapter_position,
            code=str(chapter_position),
            title=f"Bab {chapter_position}",
        )
        db.session.add(chapter)
        db.session.flush()
        for section_position in (2, 1):
            section = Section(
                chapter_id=chapter.id,
                position=section_position,
                code=f"{chapter_position}.{section_position}",
                title="Bagian",
            )
            db.session.add(section)
            db.session.flush()
            targets.append({"section_id": section.id})
            for strategy_position in (2, 1, 1):
                strategy = Strategy(
                    section_id=section.id, position=strategy_position, code="S", title="Strategi"
                )
                db.session.add(strategy)
                db.session.flush()
                targets.append({"strategy_id": strategy.id})
    targets.append({"strategy_id": first_strategy(consultation).id})
    db.session.commit()
    add_comments(consultation, targets, people, random.Random(8), per_target=3)
    return consultation, organiser, people, targets


def add_comments(consultation, targets, people, rng, per_target):
    """per_target top-level comments on each target in a shuffled order, and some replies."""
    start = datetime(2024, 3, 1, 8, 0)
    statuses = [CommentStatus.PUBLISHED, CommentStatus.PUBLISHED, CommentStatus.HIDDEN]
    tops = []
    for target in rng.sample(targets * per_target, len(targets) * per_target):
        author = rng.choice(people)
        tops.append(
            Comment(
                consultation_id=consultation.id,
                author_id=author.id,
                group_id=author.group_id,
                phase=rng.choice([Phase.PRE, Phase.POST]),
                status=rng.choice(statuses),
                body=f"Masukan {len(tops)}",
                created_at=start + timedelta(minutes=rng.randrange(4)),
                **target,
            )
        )
    db.session.add_all(tops)
    db.session.flush()
    for parent in rng.sample(tops, len(tops) // 2):
        for _ in range(rng.randrange(1, 3)):
            author = rng.choice(people)
            db.session.add(
                Comment(
                    consultation_id=consultation.id,
                    section_id=parent.section_id,
                    strategy_id=parent.strategy_id,
                    parent_id=parent.id,
                    author_id=author.id,
                    group_id=author.group_id,
                    status=rng.choice(statuses),
                    body="Tanggapan",
                    created_at=start + timedelta(minutes=rng.randrange(4)),
                )
            )
    db.session.commit()


def thread_order(consultation, filters):
    """The export's order as the response matrix defines it: comments_in_plan_order, each
    top-level comment followed by its replies, oldest first."""
    query = comments_in_plan_order(consultation)
    if filters.phase is not None:
        query = query.where(Comment.phase == filters.phase)
    if filters.group_id is not None:
        query = query.where(Comment.group_id == filters.group_id)
    if filters.status is not None:
        query = query.where(Comment.status == filters.status)
    if filters.section_id is not None:
        query = query.where(Section.id == filters.section_id)
    order = []
    for comment, _response, strategy, section, chapter in db.session.execute(query):
        place = (chapter.id, section.id, strategy.id if strategy else None)
        order.append((comment.id, *place))
        replies = select(Comment).where(Comment.parent_id == comment.id)
        if filters.status is not None:
            replies = replies.where(Comment.status == filters.status)
        for reply in db.session.scalars(replies.order_by(Comment.created_at, Comment.id)):
            order.append((reply.id, *place))
    return order


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": CommentStatus.HIDDEN},
        {"phase": Phase.POST},
        {"group_id": "akademisi"},
        {"section_id": "second"},
    ],
    ids=["all", "status", "phase", "group", "section"],
)
def test_comments_keep_plan_and_thread_order_across_chapters(plan, filters):
    consultation, organiser, people, targets = plan
    if filters.get("group_id") == "akademisi":
        filters["group_id"] = people[1].group_id
    if filters.get("section_id") == "second":
        filters["section_id"] = targets[4]["section_id"]
    expected = thread_order(consultation, ExportFilters(**filters))
    assert len(expected) > (6 if filters else 60)
    document = json.loads(_export("json", consultation, organiser, **filters))
    exported = [
        (c["id"], c["chapter_id"], c["section_id"], c["strategy_id"]) for c in document["comments"]
    ]
    assert exported == expected
    sheets = xlsx_texts(_export("xlsx", consultation, organiser, **filters))
    assert [row[0] for row in sheets["Masukan"][1:]] == [e[0] for e in expected]


def test_comments_export_queries_grow_with_the_plan_not_with_the_comments(plan, count_queries):
    consultation, organiser, people, targets = plan

    def export_comments():
        identities = Identities(consultation, False)
        db.session.expire_all()
        with count_queries() as counter:
            rows = list(iter_comments(consultation, ExportFilters(), identities))
        return counter.count, len(rows)

    queries, rows = export_comments()
    add_comments(consultation, targets, people, random.Random(9), per_target=10)
    more_queries, more_rows = export_comments()
    assert more_rows > rows + 10 * len(targets)
    assert more_queries == queries
    section = db.session.get(Section, targets[0]["section_id"])
    for n in range(3):
        db.session.add(Strategy(section_id=section.id, position=5 + n, code="X", title="Baru"))
    db.session.commit()
    assert export_comments() == (queries + 3, more_rows)


def test_comments_read_a_few_at_a_time_come_out_the_same(plan, monkeypatch):
    """Chunks smaller than a section's comments: replies and authors still find their rows."""
    consultation, organiser, people, targets = plan
    whole = json.loads(_export("json", consultation, organiser))["comments"]
    monkeypatch.setattr(exports.rows, "CHUNK", 2)
    assert json.loads(_export("json", consultation, organiser))["comments"] == whole
    assert [c["id"] for c in whole] == [e[0] for e in thread_order(consultation, ExportFilters())]
    assert {c["author"] for c in whole} == {p.name for p in people}
