"""Logging that cannot be forged through user input.

Every record passing a handler is rendered to one line: CR, LF and other control characters in
the message (and in its arguments, which is where user input usually arrives) are written as
visible escapes, so "x\\nINFO forged" cannot start a log line of its own. Traceback lines are
indented so that no line coming from an exception can look like the start of a record.
"""

import logging
import re

from flask import Flask

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape_control_chars(text: str) -> str:
    """Replace control characters (CR, LF, ESC...) by visible escapes such as \\n or \\x1b."""
    return _CONTROL_CHARS.sub(
        lambda match: (
            _NAMED.get(match.group(), f"\\x{ord(match.group()):02x}")
            if ord(match.group()) < 0x100
            else f"\\u{ord(match.group()):04x}"
        ),
        text,
    )


class SingleLineFilter(logging.Filter):
    """Render each record's message once, escaped, so it stays on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_single_line", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logged as such, not lost
            message = f"{record.msg!r} % {record.args!r}"
        record.msg = escape_control_chars(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _indent(record.exc_text)
        if record.stack_info:
            record.stack_info = _indent(record.stack_info)
        record._single_line = True
        return True


def _indent(block: str) -> str:
    # Traceback text keeps its line breaks (it is read by people), but every line is indented
    # and stripped of other control characters, so none can pose as a new record.
    lines = block.replace("\r", "\\r").split("\n")
    return "\n".join("    " + escape_control_chars(line) for line in lines)


def install_single_line_filter(handler: logging.Handler) -> None:
    """Add the escaping filter to a handler, once."""
    if not any(isinstance(existing, SingleLineFilter) for existing in handler.filters):
        handler.addFilter(SingleLineFilter())


def configure_logging(app: Flask) -> None:
    """Log at INFO outside debug/testing, and make every handler escape control characters."""
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    loggers = [logging.getLogger(), app.logger, logging.getLogger("gunicorn.error")]
    for logger in loggers:
        for handler in logger.handlers:
            install_single_line_filter(handler)
