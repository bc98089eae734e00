"""Hostile text in every field people can write, then every page and export that shows it.

The fields are filled through the app's own forms where a form exists (account, CSV import,
Markdown import, comments with an attachment, flags, moderation, suspension, dispositions,
group names) and directly for the consultation's details and texts. Every HTML page the
matrix knows is then fetched as admin, organiser and participant and parsed: no event
handler attributes, no javascript:/data: URLs, no inline or foreign scripts, no frames.
Exports keep the text as data, and formulas are neutralised.
"""

import csv
import io
import json
import re
import zipfile
from html import unescape
from xml.dom import minidom

import pytest
import test_security_matrix as matrix
from flask import url_for
from openpyxl import load_workbook
from security_payloads import (
    FORMULA,
    SCRIPT,
    html_problems,
    line,
    line_with_quotes,
    long_text,
    shows_text,
)
from sqlalchemy import select

from consult.extensions import db
from consult.feedback.models import Comment
from consult.fgd.models import FgdSession

PDF = matrix.PDF
ATTACHMENT_NAME = "XSSFILE'><img src=x onerror=alert(1)>{{7*7}}.pdf"


def _client(app, login, user=None):
    client = app.test_client()
    if user is not None:
        login(user, client)
    return client


def _token(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]+)"', html) or re.search(
        rf'value="([^"]+)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} field in the page"
    return unescape(match.group(1))


def _ok(response, what: str):
    assert response.status_code in (200, 302), (what, response.status_code)
    return response


@pytest.fixture
def poisoned(app, login, make_user, make_group, make_consultation):
    """The matrix's world with a payload in every user-writable field."""
    w = matrix.build_world(make_user, make_group, make_consultation)
    users = w.users
    admin = _client(app, login, users["admin"])
    organiser = _client(app, login, users["organiser"])
    invited = _client(app, login, users["invited"])
    a = w.a.id

    # Group name (admin) and the participant's own account page.
    _ok(admin.post("/admin/groups", data={"name": line("XSSGROUP")}), "group")
    _ok(
        invited.post(
            "/account",
            data={
                "name": line("XSSNAME"),
                "organisation": line_with_quotes("XSSORG"),
                "position": line("XSSPOS"),
                "locale": "id",
            },
        ),
        "account",
    )

    # The consultation's details and texts.
    consultation = w.a
    consultation.title = line("XSSTITLE")
    consultation.summary = long_text("XSSSUMMARY")
    consultation.department = line_with_quotes("XSSDEPT")
    db.session.scalar(
        select(FgdSession).where(FgdSession.consultation_id == consultation.id)
    ).venue = line("XSSVENUE")
    consultation.show_author_names = True
    w.chapter.title = line("XSSCHAP")
    w.chapter.body = long_text("XSSCHAPBODY")
    w.section.title = line_with_quotes("XSSSECT")
    w.section.body = long_text("XSSSECTBODY")
    w.strategy.title = line("XSSSTRAT")
    w.strategy.description = long_text("XSSSTRATBODY")
    w.strategy.targets = long_text("XSSTARGETS")
    w.strategy.time_horizon = line("XSSHORIZON")
    db.session.commit()

    # A Markdown outline through the import preview and confirmation.
    outline = (
        f"# 9 {line('XSSIMPCHAP')}\n\n{long_text('XSSIMPCHAPBODY')}\n\n"
        f"## 9.1 {line('XSSIMPSECT')}\n\n{long_text('XSSIMPSECTBODY')}\n\n"
        f"### 9.1.1 {line('XSSIMPSTRAT')}\n\n{long_text('XSSIMPSTRATBODY')}\n"
    )
    preview = _ok(
        organiser.post(
            f"/c/{a}/import",
            data={"file": (io.BytesIO(outline.encode()), "rencana.md")},
            content_type="multipart/form-data",
            follow_redirects=True,  # the import job's page, then its preview
        ),
        "import preview",
    )
    preview_html = preview.get_data(as_text=True)
    assert not html_problems(preview_html), html_problems(preview_html)
    _ok(
        organiser.post(f"/c/{a}/import/confirm", data={"outline": _token(preview_html, "outline")}),
        "import confirm",
    )

    # A comment with an attachment, and one that starts like a spreadsheet formula.
    strategy_url = f"/c/{a}/strategies/{w.strategy.id}/comments"
    _ok(
        invited.post(
            strategy_url,
            data={
                "type": "change",
                "body": long_text("XSSBODY"),
                "proposed_wording": long_text("XSSWORDING"),
                "reference": line("XSSREF"),
                "attachment": (io.BytesIO(PDF), ATTACHMENT_NAME),
            },
            content_type="multipart/form-data",
        ),
        "comment",
    )
    _ok(invited.post(strategy_url, data={"type": "other", "body": FORMULA}), "formula comment")
    _ok(invited.post(strategy_url, data={"type": "other", "body": "XSSHIDDEN ini."}), "comment")
    comments = {
        c.body.split(" ", 1)[0]: c
        for c in db.session.scalars(select(Comment).where(Comment.author_id == users["invited"].id))
    }
    poisoned_comment = comments["XSSBODY"]
    hidden = comments["XSSHIDDEN"]

    # Flag, moderation decision, suspension, disposition.
    _ok(
        organiser.post(
            f"/c/{a}/comments/{poisoned_comment.id}/flag",
            data={"reason": "other", "note": line("XSSFLAG")},
        ),
        "flag",
    )
    _ok(
        organiser.post(
            f"/moderation/comments/{hidden.id}/decide",
            data={"action": "hide", "reason": "other", "note": line_with_quotes("XSSNOTE")},
        ),
        "hide",
    )
    peer_membership = db.session.scalar(
        select(matrix.Membership).where(
            matrix.Membership.consultation_id == a, matrix.Membership.user_id == w.peer.id
        )
    )
    _ok(
        organiser.post(
            f"/c/{a}/moderation/participants/{peer_membership.id}/suspend",
            data={"reason": line("XSSSUSP")},
        ),
        "suspend",
    )
    prefix = f"c{poisoned_comment.id}"
    _ok(
        organiser.post(
            f"/c/{a}/responses/{poisoned_comment.id}",
            data={
                f"{prefix}-disposition": "partly_accepted",
                f"{prefix}-rationale": long_text("XSSRATIONALE"),
                f"{prefix}-revision_ref": line("XSSREVREF"),
            },
        ),
        "disposition",
    )

    # Participants from a CSV file (they get invitation mails: the outbox shows them).
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "organisation", "group", "position"])
    writer.writerow(
        [
            line("XSSCSVNAME"),
            "csv@example.org",
            line_with_quotes("XSSCSVORG"),
            "KADIN",
            line("XSSCSVPOS"),
        ]
    )
    _ok(
        organiser.post(
            f"/c/{a}/participants/import",
            data={"file": (io.BytesIO(buffer.getvalue().encode()), "peserta.csv")},
            content_type="multipart/form-data",
        ),
        "csv import",
    )
    db.session.expire_all()
    w.comment = poisoned_comment
    w.clients = {"admin": admin, "organiser": organiser, "invited": invited}
    return w


MARKERS = [
    "XSSGROUP",
    "XSSNAME",
    "XSSORG",
    "XSSPOS",
    "XSSTITLE",
    "XSSSUMMARY",
    "XSSDEPT",
    "XSSVENUE",
    "XSSCHAP",
    "XSSSECT",
    "XSSSECTBODY",
    "XSSSTRAT",
    "XSSSTRATBODY",
    "XSSTARGETS",
    "XSSHORIZON",
    "XSSIMPCHAP",
    "XSSIMPSECT",
    "XSSIMPSECTBODY",
    "XSSIMPSTRAT",
    "XSSIMPSTRATBODY",
    "XSSBODY",
    "XSSWORDING",
    "XSSREF",
    "XSSFILE",
    "XSSFLAG",
    "XSSNOTE",
    "XSSSUSP",
    "XSSRATIONALE",
    "XSSREVREF",
    "XSSCSVNAME",
    "XSSCSVORG",
]


def _html_pages(app, poisoned):
    """Every GET route of the matrix a role may open, as (role, url, html)."""
    for role, client in poisoned.clients.items():
        for endpoint, rule in sorted(matrix.MATRIX.items()):
            if rule.get is None or rule.get[role] != "ok":
                continue
            with app.test_request_context():
                url = url_for(endpoint, **rule.url_values(poisoned), **rule.query)
            response = client.get(url)
            body = response.get_data()
            response.close()
            if response.status_code != 200 or not response.mimetype.startswith("text/html"):
                continue
            yield role, url, body.decode()


def test_payloads_in_every_field_stay_text_on_every_page(app, poisoned):
    problems, shown, pages = [], set(), 0
    for role, url, html in _html_pages(app, poisoned):
        pages += 1
        problems += [f"{role} {url}: {p}" for p in html_problems(html)]
        shown |= {marker for marker in MARKERS if shows_text(html, marker)}
    assert not problems, "\n".join(problems)
    assert pages > 40
    # Every poisoned field really appeared somewhere, so the checks above checked it.
    assert set(MARKERS) - shown == set()


def test_strategy_page_shows_comment_fields_and_attachment_name_as_text(app, poisoned):
    client = poisoned.clients["invited"]
    html = client.get(f"/c/{poisoned.a.id}/strategies/{poisoned.strategy.id}").get_data(
        as_text=True
    )
    for marker in ("XSSBODY", "XSSWORDING", "XSSREF", "XSSFILE", "XSSNAME", "XSSSTRATBODY"):
        assert shows_text(html, marker), marker
    assert "{{7*7}}" in unescape(html)  # shown literally, never evaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not html_problems(html)


def test_participants_page_and_outbox_show_imported_names_as_text(app, poisoned):
    organiser = poisoned.clients["organiser"]
    html = organiser.get(f"/c/{poisoned.a.id}/participants").get_data(as_text=True)
    assert shows_text(html, "XSSCSVNAME") and shows_text(html, "XSSCSVORG")
    assert not html_problems(html)
    outbox = poisoned.clients["admin"].get("/outbox").get_data(as_text=True)
    # The hidden comment's mail subject carries the strategy title and the moderator's note.
    subjects = re.findall(r"<summary>(.*?)</summary>", outbox, re.S)
    assert any("XSSNOTE" in subject and "XSSSTRAT" in subject for subject in subjects)
    assert shows_text(outbox, "XSSCSVNAME")
    assert not html_problems(outbox)


def _export(poisoned, fmt: str) -> bytes:
    client = poisoned.clients["organiser"]
    job_page = client.post(f"/c/{poisoned.a.id}/export", data={"format": fmt})
    assert job_page.status_code == 302, (fmt, job_page.status_code)
    # The job ran eagerly (tests); its file is downloaded from the job's page.
    response = client.get(job_page.headers["Location"] + "/download")
    data = response.get_data()
    response.close()
    assert response.status_code == 200, (fmt, response.status_code)
    return data


def test_csv_export_keeps_payloads_as_text_and_neutralises_formulas(app, poisoned):
    archive = zipfile.ZipFile(io.BytesIO(_export(poisoned, "csv")))
    cells = []
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8-sig")
        cells += [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(SCRIPT in cell and "XSSBODY" in cell for cell in cells)
    assert any(cell == "'" + FORMULA for cell in cells)
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def test_xlsx_export_keeps_payloads_as_strings_and_no_formulas(app, poisoned):
    workbook = load_workbook(io.BytesIO(_export(poisoned, "xlsx")))
    values = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    values.append(cell.value)
    workbook.close()
    assert any(SCRIPT in value and "XSSBODY" in value for value in values)
    assert "'" + FORMULA in values
    assert not [v for v in values if v.startswith("=")]


def test_json_export_keeps_payloads_verbatim(app, poisoned):
    document = json.loads(_export(poisoned, "json"))
    values = list(_strings(document))
    # Data, exactly as written: JSON consumers do their own escaping.
    assert any("XSSBODY" in value and SCRIPT in value for value in values)
    assert FORMULA in values


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_docx_rekapitulasi_is_well_formed_and_keeps_payloads_as_text(app, poisoned):
    client = poisoned.clients["organiser"]
    response = client.post(
        f"/c/{poisoned.a.id}/official-documents/rekapitulasi", data={"format": "docx"}
    )
    assert response.status_code == 302  # to the job's page; the worker (eager here) made it
    response = client.get(response.headers["Location"] + "/download")
    assert response.status_code == 200
    content = response.get_data()
    response.close()  # the stored file is sent from disk: close it as a server would
    archive = zipfile.ZipFile(io.BytesIO(content))
    xml = archive.read("word/document.xml")
    document = minidom.parseString(xml)  # nosec B318 - our own export, parsed in a test
    text = "".join(node.data for node in _text_nodes(document))
    assert "XSSBODY" in text and SCRIPT in text
    assert "XSSRATIONALE" in text or "XSSTITLE" in text


def _text_nodes(node):
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            yield child
        else:
            yield from _text_nodes(child)


def test_html_pages_send_a_strict_content_security_policy(app, poisoned):
    response = poisoned.clients["invited"].get(f"/c/{poisoned.a.id}")
    policy = response.headers["Content-Security-Policy"]
    parts = [part.split() for part in policy.split(";") if part.strip()]
    directives = {part[0]: part[1:] for part in parts}
    script_src = directives.get("script-src", directives.get("default-src"))
    assert "'self'" in script_src
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert directives.get("object-src") == ["'none'"] or "object-src" not in directives
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_csv_import_problems_show_the_file_text_escaped(app, login, make_user, make_consultation):
    """Bad rows are reported with the file's own text in the message: it must stay text."""
    organiser = make_user(role=matrix.Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    client = _client(app, login, organiser)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "organisation", "group"])
    writer.writerow([line("XSSCSVA"), line("XSSBADMAIL"), "Org", line_with_quotes("XSSBADGROUP")])
    response = client.post(
        f"/c/{consultation.id}/participants/import",
        data={"file": (io.BytesIO(buffer.getvalue().encode()), "peserta.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert shows_text(html, "XSSBADMAIL") and shows_text(html, "XSSBADGROUP")
    assert html_problems(html) == []


def test_on_behalf_form_lists_a_hostile_group_name_as_text(
    app, login, make_user, make_group, make_consultation
):
    organiser = make_user(role=matrix.Role.ORGANISER)
    make_group(line("XSSGROUPOPT"))
    participant = make_user(name=line_with_quotes("XSSMEMBER"))
    consultation = make_consultation(organiser=organiser, participants=[participant])
    strategy = matrix.first_strategy(consultation)
    client = _client(app, login, organiser)
    html = client.get(f"/c/{consultation.id}/strategies/{strategy.id}/record").get_data(
        as_text=True
    )
    assert shows_text(html, "XSSGROUPOPT") and shows_text(html, "XSSMEMBER")
    assert html_problems(html) == []


def test_account_form_redisplays_hostile_values_escaped(app, login, make_user):
    user = make_user()
    client = _client(app, login, user)
    client.post(
        "/account",
        data={
            "name": line_with_quotes("XSSACC"),
            "organisation": line("XSSACCORG"),
            "locale": "id",
        },
    )
    html = client.get("/account").get_data(as_text=True)
    assert shows_text(html, "XSSACC") and shows_text(html, "XSSACCORG")
    assert html_problems(html) == []
