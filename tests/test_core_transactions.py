"""A rollback takes back everything since the last commit, savepoints included (SQLite too)."""

from sqlalchemy import func, select

from consult.auth.models import User
from consult.extensions import db


def test_rollback_after_a_released_savepoint_takes_the_row_back(app):
    db.session.commit()
    with db.session.begin_nested():  # as add_comment and set_rating do
        db.session.add(User(email="savepoint@example.org", name="Savepoint"))
    assert db.session.scalar(select(func.count(User.id))) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_commit_after_a_savepoint_keeps_the_row(app):
    with db.session.begin_nested():
        db.session.add(User(email="kept@example.org", name="Kept"))
    db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(User.email)) == "kept@example.org"
