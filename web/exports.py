"""The dashboard's tables as files a supervisor opens in Excel or WPS: CSV (UTF-8 with a BOM,
so Excel reads the Chinese right) and XLSX (openpyxl), with the columns' titles in the page's
language and the values the way the page shows them (rates as percentages).

``formatted`` is the one place a figure's value becomes text, for the page, the print view
and the CSV alike; the XLSX keeps numbers as numbers with a number format, so a sheet sums.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook

BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NONE = "—"  # a value that does not exist (a rate of nothing, no year before)
XLSX_FORMATS = {"count": "#,##0", "rate": "0.0%", "change": "+0.0%;-0.0%;0.0%",
                "days": "0.0", "months": "0.0", "hours": "0.0"}


def formatted(value: Any, kind: str) -> str:
    """A figure's value as the page shows it: 1,234 · 95.0% · +12.5% · 182.5."""
    if value is None or value == "":
        return NONE if kind != "text" else ""
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "rate":
        return f"{float(value) * 100:.1f}%"
    if kind == "change":
        return f"{float(value) * 100:+.1f}%"
    if kind in ("days", "months", "hours"):
        return f"{float(value):.1f}"
    return str(value)


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Rows of text (already formatted) as CSV in UTF-8 with a BOM, CRLF line ends."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if v is None else _inert(v) for v in row])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
               kinds: Sequence[str] | None = None,
               notes: Sequence[tuple[str, str]] = ()) -> bytes:
    """An XLSX of one table (numbers kept as numbers, each column's ``kinds`` its number
    format), and ``notes`` (label, text) on a second sheet: what the figure counts, the
    filters. Written in openpyxl's write-only mode: a drill-down export stays lean."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_sheet_name(sheet_title))
    sheet.append(list(headers))
    from openpyxl.cell import WriteOnlyCell

    for row in rows:
        cells = []
        for i, value in enumerate(row):
            kind = kinds[i] if kinds and i < len(kinds) else "text"
            cell = WriteOnlyCell(sheet, value=_cell_value(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, even "=…": never a formula Excel would run
            if kind in XLSX_FORMATS and isinstance(value, int | float):
                cell.number_format = XLSX_FORMATS[kind]
            cells.append(cell)
        sheet.append(cells)
    if notes:
        about = book.create_sheet(_sheet_name("说明" if _has_cjk(sheet_title) else "Notes"))
        for label, text in notes:
            about.append([_text_cell(about, label), _text_cell(about, text)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    return str(value)


# a CSV cell Excel or WPS would read as a formula (OWASP's CSV injection): = + - @ or a tab
# or carriage return first. Our own numbers (-3.5%, +12.0%, 1,234) stay as they are.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?[\d,]*\.?\d+%?")


def _inert(value: Any) -> Any:
    """A CSV cell's text that no spreadsheet runs: one starting like a formula (a case title
    "=HYPERLINK(…)") gets a leading apostrophe, as OWASP advises."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def _text_cell(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=_cell_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _sheet_name(title: str) -> str:
    """A worksheet name Excel takes: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip() or "Sheet"
    return cleaned[:31]


def disposition(filename: str, fallback: str) -> str:
    """``Content-Disposition`` naming the file in Chinese (RFC 5987 ``filename*``), with an
    ASCII ``filename`` for the clients that do not read it."""
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_"
                         for ch in fallback)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
