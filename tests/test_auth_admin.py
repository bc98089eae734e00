"""Accounts and stakeholder groups administration, the outbox, and who may open them."""

import pytest
from sqlalchemy import select

from consult.audit import AuditEvent
from consult.auth.models import Role, StakeholderGroup, User
from consult.auth.services import DEFAULT_GROUPS, ensure_default_groups, request_password_reset
from consult.extensions import db
from consult.mail import OutboxMail, queue_mail

ADMIN_GET = ["/admin/users", "/admin/groups"]
ADMIN_POST = [
    "/admin/users/{uid}/role",
    "/admin/users/{uid}/deactivate",
    "/admin/users/{uid}/reactivate",
    "/admin/groups",
    "/admin/groups/{gid}",
    "/admin/groups/{gid}/move/up",
    "/admin/groups/{gid}/active/off",
]


@pytest.fixture
def target(make_user, make_group):
    group = make_group()
    user = make_user(group=group, password="kopi-susu-pagi-hari")
    return {"uid": user.id, "gid": group.id}


@pytest.mark.parametrize("path", ADMIN_GET + ADMIN_POST)
def test_admin_views_redirect_anonymous_to_login(client, target, path):
    url = path.format(**target)
    response = client.post(url) if path in ADMIN_POST else client.get(url)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.ORGANISER])
@pytest.mark.parametrize("path", ADMIN_GET + ADMIN_POST)
def test_admin_views_forbid_non_admins(client, login, make_user, target, path, role):
    login(make_user(role=role))
    url = path.format(**target)
    response = (
        client.post(url, data={"role": "admin", "name": "X"})
        if path in ADMIN_POST
        else (client.get(url))
    )
    assert response.status_code == 403
    assert db.session.get(User, target["uid"]).role == Role.PARTICIPANT


def test_outbox_forbidden_to_participants_and_anonymous(client, login, make_user):
    assert client.get("/outbox").status_code == 302
    login(make_user(role=Role.PARTICIPANT))
    assert client.get("/outbox").status_code == 403


def test_outbox_masks_secret_links_for_organisers(client, login, make_user):
    make_user(email="ani@example.org", password="kopi-susu-pagi-hari")
    request_password_reset("ani@example.org")
    queue_mail(
        "b@example.org",
        "note",
        "Plain note",
        "mail/password_reset.txt",
        link="http://x/plain",
        minutes=5,
    )
    db.session.commit()
    secret = db.session.scalar(select(OutboxMail).where(OutboxMail.sensitive.is_(True)))
    token = secret.body.split("/reset/", 1)[1].split()[0]
    login(make_user(role=Role.ORGANISER))
    response = client.get("/outbox")
    assert response.status_code == 200
    assert b"ani@example.org" in response.data
    assert "/reset/…".encode() in response.data
    assert token.encode() not in response.data
    assert b"http://x/plain" in response.data


def test_admin_changes_role_with_audit(client, login, make_user):
    admin = make_user(role=Role.ADMIN)
    user = make_user()
    login(admin)
    assert client.get("/admin/users").status_code == 200
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "organiser"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.role == Role.ORGANISER
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.role_changed"))
    assert event.data == {"role": ["participant", "organiser"]}
    assert event.actor_id == admin.id


def test_admin_cannot_demote_themselves(client, login, make_user):
    admin = make_user(role=Role.ADMIN)
    login(admin)
    client.post(f"/admin/users/{admin.id}/role", data={"role": "participant"})
    db.session.refresh(admin)
    assert admin.role == Role.ADMIN


def test_deactivation_ends_sessions_and_reactivation_restores_login(app, client, login, make_user):
    admin = make_user(role=Role.ADMIN)
    user = make_user(email="ani@example.org", password="kopi-susu-pagi-hari")
    their_browser = login(user, app.test_client())
    assert their_browser.get("/account").status_code == 200
    login(admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert their_browser.get("/account").status_code == 302
    form = {"email": "ani@example.org", "password": "kopi-susu-pagi-hari"}
    their_browser.post("/login", data=form)
    assert their_browser.get("/account").status_code == 302
    client.post(f"/admin/users/{user.id}/reactivate")
    their_browser.post("/login", data=form)
    assert their_browser.get("/account").status_code == 200
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"auth.user_deactivated", "auth.user_reactivated"} <= actions


def test_user_list_search(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    make_user(name="Siti Rahma", email="siti@example.org")
    make_user(name="Budi Santoso", email="budi@example.org")
    response = client.get("/admin/users?q=siti")
    assert b"Siti Rahma" in response.data
    assert b"Budi Santoso" not in response.data


def test_ensure_default_groups_is_idempotent(app):
    ensure_default_groups()
    ensure_default_groups()
    db.session.commit()
    names = db.session.scalars(select(StakeholderGroup.name).order_by(StakeholderGroup.position))
    assert list(names) == DEFAULT_GROUPS


def test_admin_adds_renames_reorders_and_deactivates_groups(client, login, make_user):
    login(make_user(role=Role.ADMIN))
    ensure_default_groups()
    db.session.commit()
    assert client.post("/admin/groups", data={"name": "Media"}).status_code == 302
    media = db.session.scalar(select(StakeholderGroup).where(StakeholderGroup.name == "Media"))
    assert media.position == len(DEFAULT_GROUPS) + 1
    client.post(f"/admin/groups/{media.id}", data={f"g{media.id}-name": "Media massa"})
    client.post(f"/admin/groups/{media.id}/move/up")
    client.post(f"/admin/groups/{media.id}/active/off")
    db.session.refresh(media)
    assert media.name == "Media massa"
    assert media.position == len(DEFAULT_GROUPS)
    assert media.active is False
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"groups.added", "groups.renamed", "groups.moved", "groups.deactivated"} <= actions


def test_duplicate_group_name_is_refused_at_the_field(client, login, make_user, make_group):
    login(make_user(role=Role.ADMIN))
    make_group(name="KADIN")
    response = client.post("/admin/groups", data={"name": "kadin"})
    assert response.status_code == 200
    assert b'id="name-error"' in response.data
    assert db.session.scalar(select(db.func.count(StakeholderGroup.id))) == 1


def test_group_in_use_stays_on_accounts_when_deactivated(client, login, make_user, make_group):
    login(make_user(role=Role.ADMIN))
    group = make_group(name="Asosiasi")
    member = make_user(group=group)
    client.post(f"/admin/groups/{group.id}/active/off")
    db.session.refresh(member)
    assert member.group_id == group.id
    assert db.session.get(StakeholderGroup, group.id) is not None
