"""Shared set-up for the benchmarks: an app on a given database, a fresh migrated schema."""

from flask_migrate import upgrade
from sqlalchemy import MetaData

from config import Config
from consult import create_app
from consult.extensions import db


def bench_app(database_url: str, **overrides):
    config = type(
        "BenchConfig",
        (Config,),
        {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, **overrides},
    )
    return create_app(config)


def fresh_schema() -> None:
    """Drop whatever is there and build the schema from the migrations."""
    reflected = MetaData()
    reflected.reflect(bind=db.engine)
    reflected.drop_all(bind=db.engine)
    upgrade()
