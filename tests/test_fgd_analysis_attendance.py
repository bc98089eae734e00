"""Walk-ins are attendees in the analysis: attendance per stakeholder group beside written input."""

import re

from sqlalchemy import select

from consult.auth.models import Role
from consult.extensions import db
from consult.feedback.models import Comment, CommentStatus
from consult.fgd import attendance
from consult.fgd.models import CheckInMethod, FgdSession
from consult.reports.services import build_analysis
from consult.timeutil import utcnow


def _row(page: str, name: str) -> list[str]:
    row = re.search(rf"<th scope=\"row\">{name}</th>(.*?)</tr>", page, re.S).group(1)
    return re.findall(r'<td class="text-end">(\d+)</td>', row)


def test_walk_ins_count_as_attendees_per_group_beside_written_input(
    client, login, make_user, make_group, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    kadin, academics = make_group("KADIN"), make_group("Akademisi")
    invited = make_user(group=kadin)
    consultation = make_consultation(organiser=organiser, participants=[invited])
    session = db.session.scalar(select(FgdSession))
    now = utcnow()
    attendance.check_in(session, invited, organiser, CheckInMethod.SEARCH, now)
    for name, group in (("Budi", kadin), ("Sari", academics), ("Tamu", None)):
        attendance.add_walk_in(session, organiser, {"name": name, "group": group}, now)
    db.session.commit()
    participation = {
        (row.group.name if row.group else None): row
        for row in build_analysis(consultation).participation
    }
    assert participation["KADIN"].attended == 2  # the invited one and a walk-in
    assert participation["Akademisi"].attended == 1 and participation["Akademisi"].invited == 0
    assert participation[None].attended == 1
    login(organiser)
    page = client.get(f"/c/{consultation.id}/analysis").get_data(as_text=True)
    assert _row(page, "KADIN") == ["1", "0", "2", "0"]  # invited, active, at the FGD, comments
    assert _row(page, "Akademisi") == ["0", "0", "1", "0"]


def test_a_check_in_refreshes_the_cached_analysis(
    client, login, make_user, make_group, make_consultation
):
    organiser = make_user(role=Role.ORGANISER)
    kadin = make_group("KADIN")
    author = make_user(group=kadin)
    consultation = make_consultation(organiser=organiser, participants=[author])
    session = db.session.scalar(select(FgdSession))
    db.session.add(
        Comment(
            consultation_id=consultation.id,
            author_id=author.id,
            group_id=kadin.id,
            body="Masukan tertulis",
            status=CommentStatus.PUBLISHED,
        )
    )
    db.session.commit()
    login(organiser)
    url = f"/c/{consultation.id}/analysis"
    assert _row(client.get(url).get_data(as_text=True), "KADIN")[2:] == ["0", "1"]
    attendance.add_walk_in(session, organiser, {"name": "Budi", "group": kadin}, utcnow())
    db.session.commit()
    assert _row(client.get(url).get_data(as_text=True), "KADIN")[2:] == ["1", "1"]
