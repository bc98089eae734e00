"""An academic and an organiser in English, on a desktop and a phone: no Indonesian interface
label on the participant and organiser pages (group, criterion and scale names included), and
one date format ("30 Nov 2022, 09:00 WIB", "Wednesday, 30 November 2022, 09:00 WIB").

The tell-tale Indonesian words come from the catalogue: words of the Indonesian translations
that are neither English (in the English catalogue) nor in the demo's own content (the plan,
comments, names: consult/demo, consult/*/demo.py), which stays in the language it was
written in."""

import functools
import re
from pathlib import Path

from babel.messages.pofile import read_po

from .conftest import log_in, switch_language

ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[A-Za-z]{4,}")
# Written in another format than the one English pages use.
FOREIGN_DATES = {
    "numeric date": re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"),
    "US month-day": re.compile(
        r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}, \d{4}"
    ),
    "AM/PM": re.compile(r"\b\d{1,2}:\d{2}\s?[AP]M\b"),
    "zone in words": re.compile(r"Indonesia Time|Waktu Indonesia"),
    "Indonesian time": re.compile(r"\b\d{2}\.\d{2} WIB"),
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
}
# The demo's groups, criteria and scale labels have English names: their Indonesian names
# (which the demo's content also uses, so they are not tell-tale words) must not show.
INDONESIAN_NAMES = re.compile(
    r"\b(Relevansi|Prioritas|Kelayakan|Sangat rendah|Sangat tinggi|Pelaku industri|"
    r"Instansi pemerintah|Akademisi)\b"
)
ENGLISH_DATE = re.compile(
    r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}"
    r"(, \d{2}:\d{2} WIB)?"
)


def _words(text: str) -> set[str]:
    return {word.lower() for word in WORD.findall(text)}


@functools.cache
def telltale_words() -> frozenset[str]:
    with open(ROOT / "consult/translations/id/LC_MESSAGES/messages.po", "rb") as handle:
        indonesian = read_po(handle)
    with open(ROOT / "consult/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
        english = read_po(handle)
    ours: set[str] = set()
    for message in indonesian:
        if message.id and message.string:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                ours |= _words(re.sub(r"%\(\w+\)s|<[^>]+>", " ", text))
    theirs: set[str] = set()
    for message in english:
        for text in (message.id, message.string):
            for each in text if isinstance(text, tuple) else (text,):
                theirs |= _words(each or "")
    content = [ROOT / "consult/demo/rpik-palangka-raya.md"]
    content += list((ROOT / "consult").glob("demo/*.py")) + list(
        (ROOT / "consult").glob("*/demo.py")
    )
    for path in content:
        theirs |= _words(path.read_text(encoding="utf-8"))
    return frozenset(ours - theirs)


# Visible text without what is meant to be Indonesian: the language switcher's own name and
# anything marked lang="id" (an organiser's page showing the Indonesian name beside the
# English one).
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('.lang-switch, [lang="id"], script, style, template')
      .forEach((node) => node.remove());
  return body.innerText || body.textContent;
}"""


def _visible_text(page) -> str:
    return page.evaluate(VISIBLE_TEXT)


def _check(page, path: str, problems: list[str], dates: list[str]) -> None:
    text = _visible_text(page)
    found = sorted(_words(text) & telltale_words())
    if found:
        problems.append(f"{path}: Indonesian words {found}")
    names = sorted(set(INDONESIAN_NAMES.findall(text)))
    if names:
        problems.append(f"{path}: Indonesian names of groups, criteria or scale labels {names}")
    for name, pattern in FOREIGN_DATES.items():
        for match in pattern.finditer(text):
            problems.append(f"{path}: {name} {match.group(0)!r}")
    dates.extend(match.group(0) for match in ENGLISH_DATE.finditer(text))


def _walk(new_page, base, viewport, email, paths) -> tuple[list[str], list[str]]:
    page = new_page(viewport, locale="en-GB")
    log_in(page, base, email)
    switch_language(page, "en")
    problems: list[str] = []
    dates: list[str] = []
    # The choice stays on the demo account; conftest sets it back after the test.
    for path in paths:
        response = page.goto(base + path)
        assert response.status == 200, f"{path}: {response.status}"
        _check(page, path, problems, dates)
    return problems, dates


def test_the_list_of_telltale_words_is_meaningful():
    words = telltale_words()
    assert len(words) > 300 and {"kembali", "batal", "keluar"} <= words  # Back, Cancel, Log out
    assert not {"strategy", "input", "save", "cancel"} & words


def test_a_participant_in_english_meets_no_indonesian_label_and_one_date_format(
    live_server, new_page, demo, viewport_name
):
    cid = demo["consultation"]
    paths = [
        f"/c/{cid}",
        f"/c/{cid}/sections/{demo['section']}",
        f"/c/{cid}/strategies/{demo['strategy']}",
        "/my-input",
        "/notifications",
        "/account",
    ]
    problems, dates = _walk(
        new_page, live_server.url, viewport_name, "akademisi@example.org", paths
    )
    assert not problems, "\n".join(problems)
    assert dates, "no date in the English format on the participant's pages"


def test_an_organiser_in_english_meets_no_indonesian_label_and_one_date_format(
    live_server, new_page, demo, viewport_name
):
    cid = demo["consultation"]
    paths = [
        f"/c/{cid}/manage",
        f"/c/{cid}/criteria",
        f"/c/{cid}/participants",
        f"/c/{cid}/analysis",
        f"/c/{cid}/responses",
        f"/c/{cid}/you-said-we-did",
        f"/c/{cid}/fgd/",
        f"/c/{cid}/exports",
        f"/moderation?consultation={cid}",
        "/audit",
    ]  # not the outbox: its mails are in each recipient's language
    problems, dates = _walk(
        new_page, live_server.url, viewport_name, "organiser@example.org", paths
    )
    assert not problems, "\n".join(problems)
    assert dates, "no date in the English format on the organiser's pages"
