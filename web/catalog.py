"""The pages' Chinese catalog: extract, merge, compile — ``python -m web.catalog``.

Extracts every marked string (``_``, ``gettext``, ``ngettext``, ``N_``) from ``web/`` (Python
and Jinja templates) and ``caseflow/domain/``, ``caseflow/services/``, ``caseflow/views/`` (the refusal templates); keeps the translations ``web/translations/zh_Hans_CN/LC_MESSAGES/messages.po``
already has, takes new ones from any ``web/translations/parts/*.po`` (where work in progress
puts them, ``write_part``), writes the ``.po`` and compiles the ``.mo`` beside it.
Prints the strings still without a translation and exits 1 if there are any.

``tests/unit/test_catalog.py`` checks the same: nothing untranslated, the ``.mo`` compiled
from the ``.po``.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "web" / "translations"
PO = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
PARTS = TRANSLATIONS / "parts"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}
JINJA_OPTIONS = {"extensions": "jinja2.ext.do,jinja2.ext.loopcontrols", "trimmed": "true"}
METHODS_FOR = {
    "web": [("**/templates/**.html", "jinja2"), ("**.py", "python")],
    "caseflow/domain": [("**.py", "python")],
    "caseflow/services": [("**.py", "python")],  # the services' refusal templates (N_)
    "caseflow/views": [("**.py", "python")],  # the read side's refusals (dashboard filters)
}
OPTIONS = {"**/templates/**.html": JINJA_OPTIONS}


def _extract(path: str):  # type: ignore[no-untyped-def]
    return extract_from_dir(ROOT / path, METHODS_FOR[path], options_map=OPTIONS,
                            keywords=KEYWORDS)


def extracted_catalog() -> Catalog:
    """Every marked string in the code and templates, with where it is used."""
    catalog = Catalog(locale="zh_Hans_CN", project="caseflow", charset="utf-8")
    for path in METHODS_FOR:
        for filename, lineno, message, comments, context in _extract(path):
            catalog.add(message, None, [(f"{path}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def read(path: Path = PO) -> Catalog:
    if not path.exists():
        return Catalog(locale="zh_Hans_CN", project="caseflow", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN")


def _key(message) -> object:  # type: ignore[no-untyped-def]
    return message.id if not message.context else (message.id, message.context)


def untranslated_one(message) -> bool:  # type: ignore[no-untyped-def]
    """A message without a complete, non-fuzzy translation."""
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return bool(message.fuzzy or not all(strings))


def untranslated(catalog: Catalog) -> list[str]:
    """The ids in ``catalog`` without a (complete, non-fuzzy) translation."""
    return [m.id if isinstance(m.id, str) else m.id[0]
            for m in catalog if m.id and untranslated_one(m)]


def mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def build() -> list[str]:
    """Write the ``.po`` and ``.mo``; the strings still untranslated."""
    known = {}
    for source in [PO, *sorted(PARTS.glob("*.po"))]:
        for message in read(source):
            if message.id and message.string and not message.fuzzy:
                known[_key(message)] = message.string
    fresh = extracted_catalog()
    for message in fresh:
        if message.id:
            message.string = known.get(_key(message), message.string or "")
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as f:
        write_po(f, fresh, width=100, sort_output=False, include_previous=False,
                 omit_header=False)
    MO.write_bytes(mo_bytes(read(PO)))
    return untranslated(fresh)


def write_part(name: str, pairs: dict[str, str]) -> Path:
    """Add translations ``{english: chinese}`` to ``parts/<name>.po`` (merged by ``build``)."""
    path = PARTS / f"{name}.po"
    catalog = read(path)
    for english, chinese in pairs.items():
        catalog.add(english, chinese)
    PARTS.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100)
    return path


def main() -> None:
    missing = build()
    print(f"{PO.relative_to(ROOT)}: {len(read(PO)) - 1} strings, "
          f"{len(missing)} without a Chinese translation")
    for text in missing:
        print(f"  untranslated: {text!r}")
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
