"""Enum column helper shared by every feature's models."""

import enum

from consult.extensions import db


def enum_column(enum_class: type[enum.Enum], length: int = 20) -> db.Enum:
    """Store an enum by its value as a plain string with a CHECK, same on SQLite and PostgreSQL."""
    return db.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        name=enum_class.__name__.lower(),
        create_constraint=True,
    )
