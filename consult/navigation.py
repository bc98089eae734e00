"""The main menu, by role. Entries whose view is not registered are left out."""

from flask_babel import lazy_gettext as _l

from consult.auth.models import User


def main_navigation(user: User) -> list[tuple[str, str]]:
    items = [
        ("plans.list_consultations", _l("Consultations")),
        ("feedback.my_input", _l("My input")),
        ("moderation.inbox", _l("Notifications")),
    ]
    if user.is_organiser:
        items.append(("moderation.queue", _l("Moderation")))
        items.append(("moderation.audit_log", _l("Audit trail")))
        items.append(("auth.outbox", _l("Outbox")))
        items.append(("privacy.list_erasure_requests", _l("Erasure requests")))
    if user.is_admin:
        items.append(("auth.list_users", _l("Accounts")))
        items.append(("privacy.manage_notices", _l("Privacy notice")))
    return items
