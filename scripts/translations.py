"""Helpers for the Indonesian and English catalogues (see docs/translating.md).

    .venv/bin/python scripts/translations.py missing [--lang id]     untranslated msgids (JSON)
    .venv/bin/python scripts/translations.py apply FILE [--lang id]  merge {msgid: msgstr} from FILE
    .venv/bin/python scripts/translations.py fill-en                 English msgstr = msgid
    .venv/bin/python scripts/translations.py check                   completeness and placeholders

FILE is JSON or a Python dict literal; a plural entry's msgid key is the singular msgid and its
value a string or a list (Indonesian has one plural form, so one string is enough). The
translations themselves are written by people; this script only moves them into the catalogue,
refusing any whose placeholders differ from the msgid's.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "consult" / "translations"
POT = TRANSLATIONS / "messages.pot"
PLURAL_FORMS = {"id": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
LANGUAGE_TEAMS = {"id": "Bahasa Indonesia", "en": "English"}

# %(name)s / %(n)d, bare %s / %d, a literal %% and str.format {name}: what must survive.
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]?\d*(?:\.\d+)?[sdifrx]|%[sdifr]|%%|\{\w*\}")


def placeholders(text: str) -> list[str]:
    """The placeholders in a message, sorted (order may change in a translation)."""
    return sorted(PLACEHOLDER.findall(text))


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def save(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, omit_header=False, sort_output=True, no_location=True)


def fix_header(catalog: Catalog, lang: str) -> None:
    """Project name and the right plural rule (babel would give Indonesian two forms)."""
    headers = dict(catalog.mime_headers)
    headers["Plural-Forms"] = PLURAL_FORMS[lang]
    headers["Language-Team"] = LANGUAGE_TEAMS[lang]
    headers["Last-Translator"] = "Rembuk translators"
    catalog.mime_headers = list(headers.items())
    catalog.project = "Rembuk"
    catalog.version = "1.0"


def key(message) -> str:
    return message.id[0] if isinstance(message.id, (list, tuple)) else message.id


def strings(message) -> list[str]:
    if isinstance(message.string, (list, tuple)):
        return list(message.string)
    return [message.string or ""]


def is_translated(message) -> bool:
    return all(strings(message)) and "fuzzy" not in message.flags


def problems(catalog: Catalog, template: Catalog) -> list[str]:
    """Missing, fuzzy or placeholder-breaking entries of catalog against the template."""
    found = []
    for tmpl in template:
        if not tmpl.id:
            continue
        message = catalog.get(tmpl.id)
        if message is None or not is_translated(message):
            found.append(f"untranslated: {key(tmpl)!r}")
            continue
        ids = list(tmpl.id) if isinstance(tmpl.id, (list, tuple)) else [tmpl.id]
        expected = placeholders(ids[-1])
        for text in strings(message):
            if placeholders(text) != expected:
                found.append(f"placeholders differ: {key(tmpl)!r} -> {text!r}")
    return found


def cmd_missing(args) -> int:
    catalog = load(po_path(args.lang))
    todo = [key(m) for m in catalog if m.id and not is_translated(m)]
    json.dump(todo, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


def cmd_apply(args) -> int:
    text = Path(args.file).read_text(encoding="utf-8")
    entries = json.loads(text) if args.file.endswith(".json") else ast.literal_eval(text)
    path = po_path(args.lang)
    catalog = load(path)
    fix_header(catalog, args.lang)
    by_key = {key(m): m for m in catalog if m.id}
    applied, errors = 0, []
    for msgid, value in entries.items():
        message = by_key.get(msgid)
        if message is None:
            errors.append(f"not in catalogue (obsolete or mistyped): {msgid!r}")
            continue
        values = [value] if isinstance(value, str) else list(value)
        if message.pluralizable:
            nplurals = catalog.num_plurals
            values = (values * nplurals)[:nplurals] if len(values) == 1 else values
        bad = [v for v in values if not v.strip() or placeholders(v) != placeholders(msgid)]
        if message.pluralizable and not bad:
            bad = [v for v in values if placeholders(v) != placeholders(message.id[1])]
        if bad:
            errors.append(f"placeholders differ or empty: {msgid!r} -> {bad!r}")
            continue
        message.string = tuple(values) if message.pluralizable else values[0]
        message.flags.discard("fuzzy")
        applied += 1
    save(catalog, path)
    print(f"applied {applied} of {len(entries)}")
    for error in errors:
        print(error, file=sys.stderr)
    return 1 if errors else 0


def cmd_fill_en(args) -> int:
    path = po_path("en")
    catalog = load(path)
    fix_header(catalog, "en")
    for message in catalog:
        if not message.id:
            continue
        message.string = tuple(message.id) if message.pluralizable else message.id
        message.flags.discard("fuzzy")
    save(catalog, path)
    return 0


def cmd_check(args) -> int:
    template = load(POT)
    failed = False
    for lang in ("id", "en"):
        found = problems(load(po_path(lang)), template)
        for line in found:
            print(f"{lang}: {line}")
        failed = failed or bool(found)
    print("catalogues complete" if not failed else "catalogues incomplete")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    missing = sub.add_parser("missing")
    missing.add_argument("--lang", default="id")
    missing.set_defaults(func=cmd_missing)
    apply = sub.add_parser("apply")
    apply.add_argument("file")
    apply.add_argument("--lang", default="id")
    apply.set_defaults(func=cmd_apply)
    sub.add_parser("fill-en").set_defaults(func=cmd_fill_en)
    sub.add_parser("check").set_defaults(func=cmd_check)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
