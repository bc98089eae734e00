"""Cells a spreadsheet will not run: the one formula-injection rule for every export."""

from typing import Any

# A cell starting with one of these may be read as a formula: OWASP ASVS 5.0 V1.2.10.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")
# Characters a spreadsheet may drop before it looks at the first one: C0 controls and DEL.
_CONTROLS = "".join(chr(code) for code in range(0x20)) + "\x7f"


def neutralise(value: Any) -> Any:
    """Keep a text from being read as a formula by a spreadsheet: prefix it with a quote.

    A trigger hidden behind control characters ("\\x01=1+1", "\\n @SUM(A1)") counts too;
    values that are not text pass unchanged.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    if value[0] in _CONTROLS and value.lstrip(_CONTROLS + " ").startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
