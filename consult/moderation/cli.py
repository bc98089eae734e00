"""flask send-reminders: remind members of windows and FGDs (the worker runs it every 15 min)."""

import click
from flask import Flask

from consult.extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(send_reminders_command)


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Remind members of input windows opening or closing within 24 h and FGDs within 48 h."""
    from consult.moderation.services import send_reminders

    sent = send_reminders()
    db.session.commit()
    click.echo(f"reminders={sent}")
