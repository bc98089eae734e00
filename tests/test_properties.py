"""Property tests (Hypothesis) for the pure parts: plan import, word diff, statistics,
spreadsheet neutralisation and upload file names.

Bounded and deterministic: every test runs a fixed number of examples derived from the test
itself (derandomize, no example database), so CI gives the same result on every run. For a
longer, random exploration run locally: HYPOTHESIS_EXPLORE=1 pytest tests/test_properties.py
"""

import io
import os
import random
import re
from html import unescape

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.plans.importer import (
    ChapterNode,
    Outline,
    ParseResult,
    SectionNode,
    StrategyNode,
    parse_docx,
    parse_markdown,
    split_code,
)
from consult.reports.statistics import summarise
from consult.revisions.diff import find_paragraph, tokenize, word_diff
from consult.spreadsheet import FORMULA_TRIGGERS, neutralise
from consult.uploads import clean_filename

if os.environ.get("HYPOTHESIS_EXPLORE"):
    bounded = settings(max_examples=2000, deadline=None)
else:
    bounded = settings(
        max_examples=80,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )

# --- plan import -----------------------------------------------------------------------------

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáé", min_size=2, max_size=10)
_TITLE = st.lists(_WORD, min_size=1, max_size=6).map(lambda words: " ".join(words).capitalize())
_PARAGRAPH = st.lists(_WORD, min_size=1, max_size=12).map(" ".join)
_BODY = st.lists(_PARAGRAPH, max_size=3).map("\n\n".join)


def _plain_title(title: str) -> bool:
    # A title that would itself read as a code ("Bab dim") is not what this property is about.
    return split_code(title) == ("", title)


_STRATEGY = st.builds(StrategyNode, title=_TITLE.filter(_plain_title), description=_BODY)
_SECTION = st.builds(
    SectionNode,
    title=_TITLE.filter(_plain_title),
    body=_BODY,
    strategies=st.lists(_STRATEGY, max_size=3),
)
_CHAPTER = st.builds(
    ChapterNode,
    title=_TITLE.filter(_plain_title),
    body=_BODY,
    sections=st.lists(_SECTION, max_size=3),
)
_OUTLINE = st.builds(Outline, chapters=st.lists(_CHAPTER, min_size=1, max_size=3))


def _numbered(outline: Outline) -> Outline:
    """Codes as an organiser writes them: 1, 1.1, 1.1.1 ..."""
    for c, chapter in enumerate(outline.chapters, 1):
        chapter.code = str(c)
        for s, section in enumerate(chapter.sections, 1):
            section.code = f"{c}.{s}"
            for t, strategy in enumerate(section.strategies, 1):
                strategy.code = f"{c}.{s}.{t}"
    return outline


def _as_markdown(outline: Outline) -> str:
    lines = []
    for chapter in outline.chapters:
        lines += [f"# {chapter.code} {chapter.title}", "", chapter.body, ""]
        for section in chapter.sections:
            lines += [f"## {section.code} {section.title}", "", section.body, ""]
            for strategy in section.strategies:
                lines += [f"### {strategy.code} {strategy.title}", "", strategy.description, ""]
    return "\n".join(lines)


def _as_docx(outline: Outline) -> bytes:
    import docx

    document = docx.Document()
    for chapter in outline.chapters:
        document.add_heading(f"{chapter.code} {chapter.title}", 1)
        _add_paragraphs(document, chapter.body)
        for section in chapter.sections:
            document.add_heading(f"{section.code} {section.title}", 2)
            _add_paragraphs(document, section.body)
            for strategy in section.strategies:
                document.add_heading(f"{strategy.code} {strategy.title}", 3)
                _add_paragraphs(document, strategy.description)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_paragraphs(document, text: str) -> None:
    for paragraph in filter(None, text.split("\n\n")):
        document.add_paragraph(paragraph)


@bounded
@given(_OUTLINE.map(_numbered))
def test_markdown_import_gives_back_the_outline_it_was_written_from(outline):
    result = parse_markdown(_as_markdown(outline))
    assert result.problems == []
    assert result.outline.to_data() == outline.to_data()


@settings(bounded, max_examples=25)
@given(_OUTLINE.map(_numbered))
def test_docx_import_gives_back_the_outline_it_was_written_from(outline):
    result = parse_docx(_as_docx(outline))
    assert result.problems == []
    assert result.outline.to_data() == outline.to_data()


_MARKDOWNISH = st.lists(
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(["#", "##", "###", "####", "```", "~~~", "Target:", "Jangka waktu:"]),
        st.builds("{} {}".format, st.sampled_from(["#", "##", "###"]), st.text(max_size=30)),
    ),
    max_size=30,
).map("\n".join)


@bounded
@given(st.one_of(st.text(), _MARKDOWNISH))
def test_markdown_import_never_raises_and_reports_instead(text):
    result = parse_markdown(text)
    assert isinstance(result, ParseResult)
    assert result.problems or not result.outline.is_empty


@bounded
@given(st.binary(max_size=2000))
def test_docx_import_of_arbitrary_bytes_is_a_problem_not_an_error(data):
    result = parse_docx(data)
    assert result.outline.is_empty and [p.kind for p in result.problems] == ["not_docx"]


_SAMPLE_DOCX = None


def _sample_docx() -> bytes:
    global _SAMPLE_DOCX
    if _SAMPLE_DOCX is None:
        outline = Outline([ChapterNode("Visi", "1", "Isi.", [SectionNode("Sasaran", "1.1")])])
        _SAMPLE_DOCX = _as_docx(outline)
    return _SAMPLE_DOCX


@settings(bounded, max_examples=40)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8))
def test_docx_import_of_a_damaged_document_never_raises(damage):
    data = bytearray(_sample_docx())
    for position, value in damage:
        data[position % len(data)] = value
    result = parse_docx(bytes(data))
    assert isinstance(result, ParseResult)


# --- word diff ---------------------------------------------------------------------------------

_PROSE = st.text(
    alphabet=st.sampled_from(list("ab cd\n<>&\"'é")) | st.characters(codec="utf-8"), max_size=60
)


def _side(html: str, keep: str, drop: str) -> str:
    """The text of one side of a word diff: one kind of change kept, the other dropped."""
    html = re.sub(rf"<{drop}>.*?</{drop}>", "", html, flags=re.DOTALL)
    return unescape(html.replace(f"<{keep}>", "").replace(f"</{keep}>", ""))


@bounded
@given(_PROSE)
def test_tokens_join_back_to_the_text(text):
    assert "".join(tokenize(text)) == text


@bounded
@given(_PROSE, _PROSE)
def test_word_diff_holds_both_texts_escaped(before, after):
    html = str(word_diff(before, after))
    assert _side(html, keep="ins", drop="del") == after
    assert _side(html, keep="del", drop="ins") == before
    # Nothing but the diff's own tags survives as markup.
    assert not re.search(r"<(?!/?(?:ins|del)>)", html)


@bounded
@given(_PROSE)
def test_word_diff_of_a_text_with_itself_marks_nothing(text):
    html = str(word_diff(text, text))
    assert "<ins>" not in html and "<del>" not in html


@bounded
@given(st.lists(_PARAGRAPH, min_size=1, max_size=8), st.data())
def test_a_paragraph_is_found_where_an_equal_one_is(paragraphs, data):
    index = data.draw(st.integers(0, len(paragraphs) - 1))
    near = data.draw(st.integers(0, len(paragraphs) - 1))
    found = find_paragraph(paragraphs[index], paragraphs, near)
    assert found is not None and paragraphs[found] == paragraphs[index]


# --- statistics --------------------------------------------------------------------------------

_SCALE = st.integers(2, 10)


@st.composite
def _ratings(draw):
    scale = draw(_SCALE)
    values = draw(st.lists(st.one_of(st.none(), st.integers(1, scale)), max_size=60))
    return scale, values


def _pairs(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return list(counts.items())


@bounded
@given(_ratings())
def test_summary_statistics_stay_within_the_ratings(ratings):
    scale, values = ratings
    summary = summarise(_pairs(values), scale)
    given_values = [v for v in values if v is not None]
    assert summary.n == len(given_values)
    assert summary.answers == len(values)
    assert sum(summary.counts()) == summary.n
    if not given_values:
        assert summary.mean is None and summary.median is None and summary.ci95 is None
        return
    low, high = min(given_values), max(given_values)
    assert low - 1e-9 <= summary.mean <= high + 1e-9
    assert low <= summary.median <= high
    if summary.n >= 2:
        assert summary.sd >= 0
        ci_low, ci_high = summary.ci95
        assert ci_low <= summary.mean <= ci_high
    else:
        assert summary.sd is None and summary.ci95 is None


@bounded
@given(_ratings(), st.randoms(use_true_random=False))
def test_summary_does_not_depend_on_the_order_of_ratings(ratings, rnd):
    scale, values = ratings
    shuffled = list(values)
    rnd.shuffle(shuffled)
    one, other = summarise(_pairs(values), scale), summarise(_pairs(shuffled), scale)
    # One (value, count) pair per rating, in any order, gives the same summary too.
    single = summarise([(v, 1) for v in reversed(values)], scale)
    for summary in (other, single):
        assert summary.counts() == one.counts()
        assert summary.cannot_judge == one.cannot_judge
        assert summary.median == one.median
        for name in ("mean", "sd"):
            mine, theirs = getattr(one, name), getattr(summary, name)
            assert (mine is None and theirs is None) or abs(mine - theirs) < 1e-9


# --- spreadsheet neutralisation ----------------------------------------------------------------


_CELL = st.text(
    alphabet=st.sampled_from(list("=+-@\t\r\n\x00\x01\x1f\x7f '\"abc1")) | st.characters(),
    max_size=12,
)


@bounded
@given(_CELL)
def test_a_neutralised_cell_never_starts_a_formula(value):
    result = neutralise(value)
    assert result in (value, "'" + value)
    # Whatever a spreadsheet strips before it looks (controls, spaces), no trigger is left.
    controls = "".join(chr(code) for code in range(0x20)) + "\x7f "
    assert result.startswith("'") or not result.lstrip(controls).startswith(FORMULA_TRIGGERS)


@bounded
@given(_CELL)
def test_neutralising_twice_changes_nothing_more(value):
    once = neutralise(value)
    assert neutralise(once) == once


@bounded
@given(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_values_that_are_not_text_pass_unchanged(value):
    assert neutralise(value) == value


# --- upload file names -------------------------------------------------------------------------

_NAME = st.one_of(
    st.none(),
    st.text(max_size=300),
    st.text(alphabet=st.sampled_from(list("./\\ \x00\n\u202eab.pdf")), max_size=40),
)


@bounded
@given(_NAME)
def test_a_clean_file_name_is_a_plain_name(name):
    cleaned = clean_filename(name)
    assert cleaned and len(cleaned) <= 255
    assert "/" not in cleaned and "\\" not in cleaned
    assert cleaned not in (".", "..")
    assert not any(ord(ch) < 0x20 or ch == "\x7f" or ch == "\u202e" for ch in cleaned)
    assert cleaned == cleaned.strip(" .") or cleaned == "file"


@bounded
@given(_NAME)
def test_cleaning_a_clean_file_name_changes_nothing(name):
    cleaned = clean_filename(name)
    assert clean_filename(cleaned) == cleaned


@bounded
@given(st.text(alphabet="abcdef", min_size=1, max_size=20), st.sampled_from(["pdf", "docx"]))
def test_the_last_path_part_and_its_extension_are_kept(stem, extension):
    prefix = random.Random(stem).choice(["", "../", "C:\\Users\\x\\", "/etc/"])
    assert clean_filename(f"{prefix}{stem}.{extension}") == f"{stem}.{extension}"


# --- reading ids and page numbers from a request ------------------------------------------------


@bounded
@given(st.one_of(st.text(max_size=30), st.integers(), st.none(), st.booleans()))
def test_parse_id_gives_an_id_in_range_or_none(value):
    from consult.inputs import MAX_ID, parse_id

    number = parse_id(value)
    assert number is None or 1 <= number <= MAX_ID
    if isinstance(value, str) and number is not None:
        assert int(value) == number


@bounded
@given(st.integers(1, 2**31 - 1))
def test_parse_id_reads_every_id_back(number):
    from consult.inputs import parse_id

    assert parse_id(str(number)) == number == parse_id(number)


@bounded
@given(st.text(max_size=40))
def test_control_characters_are_found_and_removed(text):
    from consult.inputs import has_control_characters, without_control_characters

    cleaned = without_control_characters(text)
    assert not has_control_characters(cleaned)
    assert has_control_characters(text) == (cleaned != text)
    assert all(ch in text for ch in cleaned)


@bounded
@given(st.one_of(st.text(), _MARKDOWNISH))
def test_imported_text_never_holds_control_characters(text):
    from consult.inputs import has_control_characters

    outline = parse_markdown(text).outline
    for chapter in outline.to_data():
        texts = [chapter["title"], chapter["body"]]
        for section in chapter["sections"]:
            texts += [section["title"], section["body"]]
            for strategy in section["strategies"]:
                texts += list(strategy.values())
        assert not any(has_control_characters(t) for t in texts)
