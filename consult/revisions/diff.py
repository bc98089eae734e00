"""Readable word-level differences between two texts, and finding a paragraph again.

Pure functions, no database: the output of word_diff is Markup built only from escaped pieces.
"""

import difflib
import re

from markupsafe import Markup, escape

# Words and the whitespace between them, so the diff keeps line breaks and spacing.
_TOKENS = re.compile(r"\s+|\S+")
# How alike an old and a new paragraph must be to count as the same paragraph, reworded.
SIMILAR_ENOUGH = 0.8


def tokenize(text: str | None) -> list[str]:
    """Split into words and whitespace runs; joining the tokens gives the text back."""
    return _TOKENS.findall(text or "")


def word_diff(before: str | None, after: str | None) -> Markup:
    """The text of `after` with removed words in <del> and added words in <ins>, escaped."""
    old, new = tokenize(before), tokenize(after)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    pieces: list[Markup] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        if op == "equal":
            pieces.append(escape(added))
            continue
        if removed:
            pieces.append(Markup("<del>{}</del>").format(removed))
        if added:
            pieces.append(Markup("<ins>{}</ins>").format(added))
    return Markup("").join(pieces)


def has_changed(before: str | None, after: str | None) -> bool:
    return (before or "") != (after or "")


def find_paragraph(paragraph: str, paragraphs: list[str], near: int) -> int | None:
    """Index of `paragraph` in `paragraphs`: an equal one, else the most similar one (by words)
    whose similarity is at least SIMILAR_ENOUGH; ties go to the one nearest `near`; else None."""
    equal = [i for i, candidate in enumerate(paragraphs) if candidate == paragraph]
    if equal:
        return min(equal, key=lambda i: (abs(i - near), i))
    best: tuple[float, int, int] | None = None  # (-ratio, distance, index): smallest wins
    words = paragraph.split()
    for index, candidate in enumerate(paragraphs):
        matcher = difflib.SequenceMatcher(None, words, candidate.split(), autojunk=False)
        if matcher.quick_ratio() < SIMILAR_ENOUGH or matcher.ratio() < SIMILAR_ENOUGH:
            continue
        ratio = matcher.ratio()
        key = (-ratio, abs(index - near), index)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def carry_anchor(
    index: int | None, old_paragraphs: list[str], new_paragraphs: list[str]
) -> int | None:
    """Where a comment anchored to old_paragraphs[index] belongs in the new text, or None."""
    if index is None or not 0 <= index < len(old_paragraphs):
        return None
    return find_paragraph(old_paragraphs[index], new_paragraphs, index)
