"""One date format per language, defined once (consult/timeutil.py), "WIB" as the zone."""

from datetime import date, datetime

import pytest
from flask import render_template_string, session
from flask_babel import force_locale

from consult.labels import audit_details
from consult.timeutil import (
    FORMATS,
    format_datetime_remembered,
    long_date,
    spreadsheet_format,
    time_wib,
)

MOMENT = datetime(2022, 11, 30, 2, 0)  # 09:00 WIB, a Wednesday

EXPECTED = {
    "id": {
        None: "30 Nov 2022 09.00 WIB",
        "short": "30 Nov 2022 09.00 WIB",
        "medium": "30 Nov 2022 09.00 WIB",
        "full": "Rabu, 30 November 2022 09.00 WIB",
        "time": "09.00 WIB",
        "HH:mm": "09.00 WIB",
        "date": "30 Nov 2022",
        "long_date": "Rabu, 30 November 2022",
    },
    "en": {
        None: "30 Nov 2022, 09:00 WIB",
        "short": "30 Nov 2022, 09:00 WIB",
        "medium": "30 Nov 2022, 09:00 WIB",
        "full": "Wednesday, 30 November 2022, 09:00 WIB",
        "time": "09:00 WIB",
        "HH:mm": "09:00 WIB",
        "date": "30 Nov 2022",
        "long_date": "Wednesday, 30 November 2022",
    },
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_named_format_in_each_language(app, lang):
    for name, expected in EXPECTED[lang].items():
        assert format_datetime_remembered(MOMENT, name, lang) == expected, name
    with force_locale(lang):  # the current language by default
        assert format_datetime_remembered(MOMENT) == EXPECTED[lang][None]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_templates_show_the_same_through_the_filter(app, lang):
    with app.test_request_context():
        session["lang"] = lang
        rendered = render_template_string(
            "{{ when|datetimeformat }}|{{ when|datetimeformat('full') }}|"
            "{{ when|datetimeformat('time') }}|{{ day|datetimeformat('long_date') }}",
            when=MOMENT,
            day=date(2022, 11, 30),
        )
    expected = EXPECTED[lang]
    assert rendered == "|".join(
        (expected[None], expected["full"], expected["time"], expected["long_date"])
    )


def test_an_unknown_format_is_the_default_and_nothing_is_a_babel_pattern(app):
    # A page cannot bring back a format of its own ("11/29/26", "Western Indonesia Time").
    assert format_datetime_remembered(MOMENT, "yy/MM/dd", "en") == EXPECTED["en"][None]
    for lang in ("id", "en"):
        for name in ("medium", "full", "time"):
            assert "WIB" in format_datetime_remembered(MOMENT, name, lang)
            assert "Indonesia" not in format_datetime_remembered(MOMENT, name, lang)
    assert format_datetime_remembered(None) == ""


def test_a_date_has_no_time_and_no_zone(app):
    assert format_datetime_remembered(date(2022, 11, 30), None, "en") == "30 Nov 2022"
    assert format_datetime_remembered(date(2022, 11, 30), "full", "id") == "Rabu, 30 November 2022"


def test_documents_and_spreadsheets_use_the_same_definitions(app):
    assert long_date(MOMENT) == "Rabu, 30 November 2022"  # official documents: Indonesian
    assert long_date(MOMENT, "en") == "Wednesday, 30 November 2022"
    assert (time_wib(MOMENT), time_wib(MOMENT, "en")) == ("09.00 WIB", "09:00 WIB")
    assert set(FORMATS) == {"id", "en"} and FORMATS["id"].keys() == FORMATS["en"].keys()
    assert spreadsheet_format("id").endswith('"WIB"') and spreadsheet_format("en").endswith('"WIB"')


def test_audit_values_that_are_times_read_as_every_page_writes_them(app):
    with force_locale("en"):
        rows = dict(
            audit_details("consultation.updated", {"pre_closes_at": "2022-11-30T02:00:00"}, {})
        )
    assert list(rows.values()) == [EXPECTED["en"][None]]
    with force_locale("id"):
        rows = dict(audit_details("x", {"changes": {"due_on": ["2022-11-30", None]}}, {}))
    assert "30 Nov 2022 → —" in next(iter(rows.values()))
