"""Organisers reach every tool of a consultation from its pages; participants see none."""

from consult.auth.models import Role


def test_organiser_sees_the_tools_of_the_consultation(client, login, make_user, make_consultation):
    organiser = make_user(role=Role.ORGANISER)
    consultation = make_consultation(organiser=organiser)
    login(organiser)
    page = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    for path in ("/manage", "/participants", "/analysis", "/responses", "/export"):
        assert f"/c/{consultation.id}{path}" in page
    assert f"/moderation?consultation={consultation.id}" in page


def test_participant_sees_no_organiser_tools(client, login, make_user, make_consultation):
    participant = make_user()
    consultation = make_consultation(participants=[participant])
    login(participant)
    page = client.get(f"/c/{consultation.id}").get_data(as_text=True)
    assert "organiser-tools" not in page
    assert f"/c/{consultation.id}/analysis" not in page
