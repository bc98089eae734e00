"""Demo accounts start with the current privacy notice accepted (recorded as "demo")."""

from consult.auth.models import User
from consult.privacy.notices import accept_notice, current_notice


def accept_notice_for_demo(users: dict[str, User]) -> None:
    notice = current_notice()
    if notice is None:
        return
    for user in users.values():
        if (user.notice_version or 0) < notice.version:
            accept_notice(user, notice, "demo")
