"""Formula injection: one rule (consult.spreadsheet.neutralise) for every export (ASVS V1.2.10)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consult.moderation.services import neutralise_cell
from consult.reports.exports import neutralise as exports_neutralise
from consult.spreadsheet import neutralise

TRIGGERS = "=+-@"
CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f"]


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+cmd",
        "-2",
        "@SUM(A1)",
        "\t=x",
        "\r=x",
        "\x00=1+1",
        "\x00",
        "\x00plain",
        "\x01=1+1",
        "\x1f@SUM(A1)",
        "\x7f+1",
        "\n=1+1",
        "\n\x00 -2",
        "\x0b =cmd|' /C calc'!A0",
    ],
)
def test_cells_that_a_spreadsheet_could_run_get_a_quote(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Biasa saja", "", " =spaces only are not skipped", "\nA new line", "1-2", "a=b"]
)
def test_plain_text_is_kept_as_it_is(value):
    assert neutralise(value) == value


@pytest.mark.parametrize("value", [5, 2.5, None, True])
def test_values_that_are_not_text_pass_unchanged(value):
    assert neutralise(value) is value


def test_the_exports_and_the_audit_trail_share_the_rule():
    assert exports_neutralise is neutralise
    assert neutralise_cell("\x00=1+1") == "'\x00=1+1"
    assert neutralise_cell(None) == "" and neutralise_cell(7) == "7"


@given(
    st.lists(st.sampled_from(CONTROLS + [" "]), max_size=5),
    st.sampled_from(TRIGGERS),
    st.text(max_size=20),
)
def test_a_trigger_behind_control_characters_is_always_caught(prefix, trigger, rest):
    value = "".join(prefix) + trigger + rest
    if not value.startswith(" "):
        assert neutralise(value) == "'" + value


@given(st.text(max_size=40))
def test_a_neutralised_cell_never_starts_a_formula_and_keeps_the_text(value):
    result = neutralise(value)
    assert result in (value, "'" + value)
    assert not result.lstrip("".join(CONTROLS)).startswith(tuple(TRIGGERS)) or result[0] == "'"
