"""A roster file from the volunteer station, read and checked (no web code).

.xlsx is read with openpyxl in read-only mode; .csv may be UTF-8 with or
without a BOM, or GBK (GB18030), as Excel saves it on Chinese Windows, or
UTF-16 as Excel's "Unicode text". The first non-empty row is the header;
each later non-empty row keeps its row number as the spreadsheet shows it,
so every problem can be named by it. The columns are mapped to 志愿者编号,
姓名 and 手机号 (guessed from the header; the clerk may change the guess),
and the lines are checked by the office's own roster rules
(office.plan_roster) before anything is stored.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

from openpyxl import load_workbook

from sync.protocol import MAX_BODY
from sync.server.office import ROSTER_FIELDS, ROSTER_IMPORT_MAX

# a roster of 5,000 volunteers is about 200 KB; with the form around it, under the server's body limit
MAX_BYTES = MAX_BODY - 64 * 1024
SIZE_WORDS = "最大约 1 MB"
MAX_COLUMNS = 30
MAX_CELL = 200  # characters kept of one cell (a roster's cells are short)
MAX_UNZIPPED = 40 * 1024 * 1024  # an .xlsx is a zip: refuse one that would unpack huge

# Header words an office writes for each field, compared after NFKC, without spaces, lower case.
HEADER_WORDS = {
    "number": ("志愿者编号", "编号", "志愿者号", "存折号", "存折编号", "登记号", "登记编号", "number", "no", "no.", "id"),
    "name": ("姓名", "志愿者姓名", "名字", "name"),
    "phone": ("手机号", "手机号码", "手机", "电话", "联系电话", "电话号码", "联系方式", "移动电话",
              "phone", "mobile", "tel"),
}
HEADER_PARTS = {"number": ("编号",), "name": ("姓名",), "phone": ("手机", "电话")}  # when no word matches


class RosterFileError(ValueError):
    """The file cannot be read as a roster; the words say why, for the clerk."""


@dataclass(frozen=True)
class RosterFile:
    name: str  # as uploaded, shown back to the clerk
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (row number in the file, cells), non-empty rows


def _text(value) -> str:
    """A cell as the clerk sees it: 13812345678 not 1.3812345678E10, 7 not 7.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL]


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                raise RosterFileError("这个 Excel 文件解压后太大，请只保留名册这一张表后再上传")
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except RosterFileError:
        raise
    except Exception:  # noqa: BLE001  (a damaged or disguised file: openpyxl raises many kinds)
        raise RosterFileError("无法打开这个 Excel 文件，请确认它是 .xlsx 格式（可在 Excel 中“另存为”）") from None
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong size; read what is there
        for number, row in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), 1):
            yield number, list(row)
    finally:
        book.close()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):  # GB18030 reads every GBK file
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError("无法识别文件的文字编码，请在 Excel 中另存为 .xlsx 或“CSV UTF-8”后再上传")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), 1):
            yield number, row[:MAX_COLUMNS]
    except csv.Error:
        raise RosterFileError("CSV 文件的格式有误（引号没有配对？），请在 Excel 中另存后再上传") from None


def read_roster(filename: str, data: bytes) -> RosterFile:
    """Raises RosterFileError with the reason in words."""
    lower = filename.lower()
    if not data:
        raise RosterFileError("文件是空的")
    if len(data) > MAX_BYTES:
        raise RosterFileError(f"文件太大（{SIZE_WORDS}）")
    if data.startswith(b"\xd0\xcf\x11\xe0") or lower.endswith(".xls"):
        raise RosterFileError("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 .csv 后再上传")
    if data.startswith(b"PK\x03\x04"):
        source = _xlsx_rows(data)
    elif lower.endswith((".csv", ".txt")):
        source = _csv_rows(data)
    else:
        raise RosterFileError("只能上传 Excel（.xlsx）或 CSV（.csv）文件")
    header, rows = None, []
    for number, row in source:
        cells = [_text(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue  # blank rows between and after the roster are not lines
        if header is None:
            header = tuple(cells)
            continue
        if len(rows) == ROSTER_IMPORT_MAX:
            raise RosterFileError(f"文件超过 {ROSTER_IMPORT_MAX} 行：一次最多导入 {ROSTER_IMPORT_MAX} 名志愿者，"
                                  "请分成几个文件")
        rows.append((number, tuple(cells)))
    if header is None:
        raise RosterFileError("文件里没有内容")
    if not rows:
        raise RosterFileError("文件只有表头，没有志愿者")
    return RosterFile(filename[-100:], header, tuple(rows))


def _plain(word: str) -> str:
    return "".join(unicodedata.normalize("NFKC", word).split()).strip("*:：").lower()


def guess_mapping(header: tuple[str, ...]) -> dict[str, int | None]:
    """The column of each field (None: not found), each column used once."""
    plain = [_plain(h) for h in header]
    mapping: dict[str, int | None] = {}
    for field in ROSTER_FIELDS:
        taken = set(mapping.values())
        exact = [i for i, h in enumerate(plain) if h in HEADER_WORDS[field] and i not in taken]
        near = [i for i, h in enumerate(plain) if any(part in h for part in HEADER_PARTS[field])
                and i not in taken]
        mapping[field] = (exact or near or [None])[0]
    return mapping


def mapping_problems(mapping: dict[str, int | None], header: tuple[str, ...]) -> dict[str, str]:
    """Field -> words, for a field with no column, a column that is not there, or one used twice."""
    problems, used = {}, {}
    for field, column in mapping.items():
        if column is None:
            problems[field] = f"请选择“{ROSTER_FIELDS[field]}”在哪一列"
        elif not 0 <= column < len(header):
            problems[field] = "没有这一列"
        elif column in used:
            problems[field] = f"与“{ROSTER_FIELDS[used[column]]}”选了同一列"
        else:
            used[column] = field
    return problems


def lines(roster: RosterFile, mapping: dict[str, int]) -> list[dict]:
    """Each row as the office's roster rules take it: its row number, number, name and phone."""
    def cell(cells: tuple[str, ...], column: int) -> str:
        return cells[column] if column < len(cells) else ""
    return [{"row": number, **{field: cell(cells, column) for field, column in mapping.items()}}
            for number, cells in roster.rows]
