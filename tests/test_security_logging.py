"""User input cannot forge log lines."""

import io
import logging

import pytest

from config import TestingConfig
from consult import create_app
from consult.logging_setup import LOG_FORMAT, SingleLineFilter, escape_control_chars


@pytest.fixture
def captured_log(database_url):
    """A formatted stream handler on the root logger, present when the app is configured."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    config = type("LogTestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url})
    app = create_app(config)
    try:
        yield app, stream, handler
    finally:
        root.removeHandler(handler)


def test_configure_logging_installs_the_filter_on_every_handler(captured_log):
    app, _, handler = captured_log
    assert any(isinstance(f, SingleLineFilter) for f in handler.filters)
    for existing in logging.getLogger().handlers + app.logger.handlers:
        assert any(isinstance(f, SingleLineFilter) for f in existing.filters)


def test_user_supplied_newline_cannot_start_a_forged_log_line(captured_log):
    _, stream, _ = captured_log
    logging.getLogger("consult.auth.forgery").warning("Login failed for %s", "x\nINFO forged")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].endswith("Login failed for x\\nINFO forged")


def test_newlines_in_formatted_messages_and_other_control_chars_are_escaped(captured_log):
    _, stream, _ = captured_log
    logger = logging.getLogger("consult.test")
    user_text = "a\r\nWARNING forged"
    logger.warning(f"comment {user_text} \x1b[31mred")  # noqa: G004 - already-formatted text
    logger.error("subject=%r name=%s", "ok", {"k": "v\u2028x"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert "a\\r\\nWARNING forged" in lines[0]
    assert "\\x1b[31mred" in lines[0]
    assert "\x1b" not in stream.getvalue()
    assert "\\u2028" in lines[1]


def test_exception_text_from_user_input_cannot_pose_as_a_record(captured_log):
    _, stream, _ = captured_log
    try:
        raise ValueError("bad value x\nINFO forged")
    except ValueError:
        logging.getLogger("consult.test").exception("Import failed for %s", "y\nINFO forged")
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith("Import failed for y\\nINFO forged")
    # Traceback lines stay readable but are indented: none starts like a log record.
    assert len(lines) > 1
    assert all(line.startswith("    ") for line in lines[1:])


def test_escape_control_chars_keeps_ordinary_text():
    assert escape_control_chars("Strategi 1.1 — baik ✓") == "Strategi 1.1 — baik ✓"
    assert escape_control_chars("a\tb\x00c") == "a\\tb\\x00c"
