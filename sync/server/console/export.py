"""Every console list as .xlsx (openpyxl) or .csv (UTF-8 with BOM, which
Excel needs to read Chinese), streamed: rows come page by page from the
store, each page read under its lock, so neither the lock nor the whole list
is held while the file is written. 序号 is added as the first column.

A text cell that starts with = + - @ (or a tab or carriage return) would be
taken by a spreadsheet for a formula: in .xlsx every text is typed as a
string; in .csv such a text gets a leading apostrophe (OWASP's advice).
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from starlette.background import BackgroundTask
from starlette.responses import FileResponse, StreamingResponse

from sync.server.console.web import PageError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAGE = 5000  # rows read under the lock at a time


@dataclass
class Table:
    title: str  # the sheet's name and the start of the file's name, e.g. 积分台账
    columns: Sequence[str]  # without 序号, which export adds
    rows: Iterable[Sequence]  # lazily: see ``paged``


def paged(store, query: Callable, *args, size: int = PAGE) -> Iterator[Sequence]:
    """Rows of a long list: query(conn, *args, after, size) returns a list of
    (key, cells); the next page starts after the last key (keyset paging)."""
    after = None
    while True:
        page = store.read(query, *args, after, size)
        for _key, cells in page:
            yield cells
        if len(page) < size:
            return
        after = page[-1][0]


def as_text(value) -> str:
    """A cell as a CSV field, never a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_START) else text


def _filename(title: str, ext: str) -> str:
    name = f"{title}-{date.today().isoformat()}.{ext}"
    return f"attachment; filename=\"export.{ext}\"; filename*=UTF-8''{quote(name)}"


def csv_lines(table: Table) -> Iterator[str]:
    """The .csv, a few hundred rows at a time, after the BOM Excel needs for UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    yield "\ufeff"
    writer.writerow(["序号", *table.columns])
    for n, row in enumerate(table.rows, 1):
        writer.writerow([n, *(as_text(v) for v in row)])
        if n % 500 == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def csv_response(table: Table) -> StreamingResponse:
    return StreamingResponse(csv_lines(table), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": _filename(table.title, "csv")})


EXCEL_ROWS = 1_048_576  # a sheet's rows in Excel, the heading's row included


def write_xlsx(tables: Table | Sequence[Table], path: str) -> None:
    """Write-only mode: openpyxl streams the rows to the file as they come; one sheet a
    table, continued on another sheet (积分台账 (2)) past Excel's row limit."""
    book = Workbook(write_only=True)
    for table in [tables] if isinstance(tables, Table) else tables:
        def sheet_for(part: int):
            sheet = book.create_sheet(table.title[:31] if part == 1 else f"{table.title[:26]} ({part})")
            sheet.append(["序号", *table.columns])
            return sheet

        def text(value: str) -> WriteOnlyCell:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl would take "=..." for a formula
            return cell
        sheet, part, used = sheet_for(1), 1, 1
        for n, row in enumerate(table.rows, 1):
            if used == EXCEL_ROWS:
                part += 1
                sheet, used = sheet_for(part), 1
            used += 1
            # any other text is written as an inline string, which Excel never evaluates
            sheet.append([n, *(text(v) if isinstance(v, str) and v.startswith("=") else v for v in row)])
    book.save(path)


def xlsx_response(tables: Table | Sequence[Table], title: str | None = None) -> FileResponse:
    """One table, or a workbook of several (title: the file's name; default the table's)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(tables, path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": _filename(title or tables.title, "xlsx")},
                        background=BackgroundTask(os.unlink, path))


def export_format(fmt: str) -> str:
    """The format an export's path names (a list's path + .xlsx or .csv); a page of 404 for any other."""
    if fmt not in ("xlsx", "csv"):
        raise PageError(404, "没有这个页面")
    return fmt


def export(table: Table, fmt: str):
    """fmt: "xlsx" or "csv" (the routes take it from the path)."""
    return xlsx_response(table) if fmt == "xlsx" else csv_response(table)
