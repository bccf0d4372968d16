"""The console's exports as a spreadsheet reads them: 序号 first, text never a
formula, Chinese readable in Excel (.csv with a BOM), and a list longer than
an Excel sheet continued on the next sheet."""
import csv
import io

from openpyxl import load_workbook

from sync.server.console import export
from sync.server.console.export import Table

ROWS = [("2026-11-27", "王芳", "=HYPERLINK(\"http://x\")", 25), ("2026-11-28", "李四", "+1", -5),
        ("2026-11-29", "张三", "@SUM(A1)", 0)]


def _table():
    return Table("积分台账", ["日期", "姓名", "备注", "积分"], iter(ROWS))


def test_xlsx_keeps_text_as_text(tmp_path):
    export.write_xlsx(_table(), str(tmp_path / "x.xlsx"))
    sheet = load_workbook(tmp_path / "x.xlsx")["积分台账"]
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["序号", "日期", "姓名", "备注", "积分"], [1, *ROWS[0]], [2, *ROWS[1]], [3, *ROWS[2]]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_list_longer_than_a_sheet_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "EXCEL_ROWS", 3)  # a heading and two rows a sheet
    export.write_xlsx(_table(), str(tmp_path / "x.xlsx"))
    book = load_workbook(tmp_path / "x.xlsx")
    assert book.sheetnames == ["积分台账", "积分台账 (2)"]
    assert [[c.value for c in r][:2] for r in book["积分台账"].iter_rows()] == [["序号", "日期"], [1, "2026-11-27"],
                                                                            [2, "2026-11-28"]]
    assert [[c.value for c in r][:2] for r in book["积分台账 (2)"].iter_rows()] == [["序号", "日期"],
                                                                                [3, "2026-11-29"]]


def test_csv_has_a_bom_and_no_formula():
    text = "".join(export.csv_lines(_table()))
    assert text.startswith("\ufeff序号,日期")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r[3] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "'+1", "'@SUM(A1)"]
    assert [r[4] for r in rows[1:]] == ["25", "-5", "0"]  # numbers stay numbers
