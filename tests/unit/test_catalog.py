"""The pages' Chinese catalog is complete and compiled: every string a page can show is
translated (a new string without its Chinese fails here), and the committed ``.mo`` is the
``.po`` compiled (``python -m web.catalog`` rebuilds both)."""

from __future__ import annotations

from web import catalog


def test_every_marked_string_has_a_chinese_translation() -> None:
    extracted = catalog.extracted_catalog()
    po = catalog.read()
    known = {m.id: m for m in po if m.id}
    missing = sorted(str(m.id) for m in extracted
                     if m.id and (m.id not in known or catalog.untranslated_one(known[m.id])))
    assert missing == [], (f"{len(missing)} strings lack a Chinese translation "
                           f"(run python -m web.catalog): {missing[:20]}")


def test_the_catalog_holds_no_string_the_code_no_longer_uses() -> None:
    extracted = {m.id for m in catalog.extracted_catalog() if m.id}
    stale = sorted(str(m.id) for m in catalog.read() if m.id and m.id not in extracted)
    assert stale == [], f"stale entries (run python -m web.catalog): {stale[:20]}"


def test_the_compiled_catalog_is_the_po_compiled() -> None:
    assert catalog.MO.exists(), "messages.mo is missing: run python -m web.catalog"
    assert catalog.MO.read_bytes() == catalog.mo_bytes(catalog.read()), (
        "messages.mo is older than messages.po: run python -m web.catalog")
