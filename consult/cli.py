"""Command-line tasks: flask create-admin, seed-demo, send-mail, queue-status."""

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from consult.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(send_mail)
    app.cli.add_command(queue_status)
    from consult.moderation.cli import register_commands as register_moderation_commands

    register_moderation_commands(app)
    from consult.backup import register_backup_commands  # flask backup / restore

    register_backup_commands(app)
    from consult.privacy.cli import register_commands as register_privacy_commands

    register_privacy_commands(app)


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email: str, name: str, password: str) -> None:
    """Create the first admin account."""
    from consult.auth.services import create_admin_account, password_problems

    problems = password_problems(password)
    if problems:
        raise click.ClickException(" ".join(str(p) for p in problems))
    user = create_admin_account(email=email, name=name, password=password)
    db.session.commit()
    click.echo(f"Admin {user.email} created.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has accounts.")
def seed_demo(if_empty: bool) -> None:
    """Create the Palangka Raya demo consultation and its demo accounts."""
    from consult.auth.models import User
    from consult.demo import seed

    if not current_app.config["ALLOW_DEMO_SEED"]:
        raise click.ClickException("The demo is disabled in this configuration (production).")
    if if_empty and db.session.scalar(select(func.count(User.id))):
        click.echo("Database has accounts already; demo not seeded.")
        return
    seed()
    db.session.commit()
    click.echo("Demo seeded.")


@click.command("send-mail")
@click.option(
    "--retry-now",
    is_flag=True,
    help="Also retry mails waiting out their back-off (once the SMTP server is back).",
)
def send_mail(retry_now: bool) -> None:
    """Send the due mails of the outbox now (the worker does this every minute by itself)."""
    from consult.mail import send_queued_mail

    counts = send_queued_mail(retry_now=retry_now)
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


@click.command("queue-status")
def queue_status() -> None:
    """The task queue's length and what failed or runs (for monitoring)."""
    from consult.tasks.definitions import queue_status as read_status

    click.echo(" ".join(f"{key}={value}" for key, value in read_status().items()))
