"""`flask retention`: pseudonymise participants whose consultations' retention has ended."""

import click
from flask import Flask

from consult.extensions import db
from consult.timeutil import utcnow


def register_commands(app: Flask) -> None:
    app.cli.add_command(retention_command)


@click.command("retention")
@click.option(
    "--apply",
    "apply_changes",
    is_flag=True,
    help="Pseudonymise for real. Without it, only list what would be done (dry run).",
)
def retention_command(apply_changes: bool) -> None:
    """List (default) or pseudonymise participants whose retention period has ended."""
    from consult.privacy.retention import apply_retention, plan_retention, retention_ends

    plan = plan_retention(utcnow())
    for consultation in plan.due:
        ends = retention_ends(consultation)
        click.echo(f"Consultation {consultation.id}: retention ended {ends:%Y-%m-%d}")
    for person, active in plan.kept:
        ids = ", ".join(str(i) for i in active)
        click.echo(f"  keep user {person.id}: still in consultation(s) {ids}")
    for person in plan.erase:
        click.echo(f"  pseudonymise user {person.id}")
    if not apply_changes:
        db.session.rollback()
        click.echo(
            f"Dry run: {len(plan.erase)} account(s) would be pseudonymised. "
            "Run with --apply to do it."
        )
        return
    erased = apply_retention(plan)
    db.session.commit()
    click.echo(f"{len(erased)} account(s) pseudonymised.")
