"""Session listeners are registered by create_app, never as a side effect of an import."""

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    import consult.models  # every model module, as Alembic and the CLI import them
    from consult.audit import _refuse_audit_changes, _refuse_bulk_audit_changes
    from consult.privacy.erasure import _remove_erased_files
    from consult.uploads import _remove_uncommitted_uploads

    LISTENERS = [
        ("before_flush", _refuse_audit_changes),
        ("do_orm_execute", _refuse_bulk_audit_changes),
        ("after_commit", _remove_erased_files),
        ("after_transaction_end", _remove_uncommitted_uploads),
    ]
    print("before", [event.contains(Session, name, fn) for name, fn in LISTENERS])
    from config import TestingConfig
    from consult import create_app

    create_app(TestingConfig)
    create_app(TestingConfig)  # a second app must not register them twice
    print("after", [event.contains(Session, name, fn) for name, fn in LISTENERS])
    """
)


def test_listeners_come_from_create_app_not_from_imports():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=True, timeout=120
    )
    lines = result.stdout.splitlines()
    assert "before [False, False, False, False]" in lines
    assert "after [True, True, True, True]" in lines
