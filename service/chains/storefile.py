"""Store lists from a spreadsheet: CSV (stdlib csv) or XLSX (openpyxl), and the template.

A chain's regional manager keeps the branches in a spreadsheet. Each data row becomes the
same raw JSON object the form would send, and is validated by the same walker (`collect`
over `Store`), so a row's errors are the form's errors, named by spreadsheet row and column
("第 37 行「纬度」：…"). Cells are only converted where a spreadsheet differs from JSON
(numbers typed as text, 是/否, category names in Chinese); everything else is the schema's
business. Nothing is stored here: the caller stores the whole list or nothing.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from scoring.vocabulary import CATEGORIES
from service.applications.limits import limits
from service.applications.schemas import Store
from service.problems import FieldError, ValidationFailed
from service.validation import collect

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv"
SHEET = "门店"
# A zip whose parts inflate beyond this is refused before openpyxl opens it (zip bombs).
MAX_XLSX_INFLATED = 64 * 1024 * 1024
MAX_XLSX_PARTS = 200
# Every bad cell is reported; past this many the answer says how many more there were.
MAX_REPORTED = 5_000


@dataclass(frozen=True, slots=True)
class Column:
    zh: str
    en: str
    kind: str  # text | number | int | bool | crs | categories
    pointer: str  # where the value goes in a store object (JSON pointer)
    example: Any
    help_zh: str


COLUMNS: tuple[Column, ...] = (
    Column("门店名称", "store name", "text", "/name", "团结湖店", "必填，最多 100 字"),
    Column("地址", "address", "text", "/address", "北京市朝阳区团结湖中路北1号", "必填"),
    Column("经度", "longitude", "number", "/location/lon", 116.4663, "如 116.4663（经度在前）"),
    Column("纬度", "latitude", "number", "/location/lat", 39.9303, "如 39.9303"),
    Column("坐标系", "coordinate system", "crs", "/location/crs", "WGS84",
           "WGS84（GPS）、GCJ02（高德/腾讯）或 BD09（百度）"),
    Column("商品品类", "categories", "categories", "/categories", "粮油、日用品、生鲜",
           "用顿号或逗号分隔：" + "、".join(c.zh for c in CATEGORIES.values() if not c.excluded)),
    Column("送货上门", "home delivery", "bool", "/delivery/home_delivery", "是", "是 / 否"),
    Column("配送半径", "delivery radius (m)", "int", "/delivery/radius_m", 1500,
           "米；送货上门时必填，50–50000"),
    Column("每日服务能力", "daily capacity", "int", "/delivery/daily_capacity", 40,
           "每日可送货上门的户数；送货上门时须大于 0"),
    Column("24小时应急", "24-hour emergency", "bool", "/delivery/emergency_24h", "是", "是 / 否"),
    Column("助行服务", "mobility assistance", "bool", "/delivery/mobility_assist", "否",
           "是 / 否（为行动不便者送货到家）"),
    # Not in the list, but the form requires it: the last column, so the issue's
    # eleven stay in their order.
    Column("营业时间", "opening hours", "text", "/opening_hours", "07:00-22:00",
           "必填，如 07:00-22:00"),
)
_BY_POINTER = sorted(COLUMNS, key=lambda c: len(c.pointer), reverse=True)
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓", "提供", "支持"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", "✗", "不提供", "不支持"}
_CRS = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "gps": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "高德": "gcj02", "腾讯": "gcj02", "火星坐标": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "百度": "bd09",
}
_CATEGORY_BY_ZH = {c.zh: c.code for c in CATEGORIES.values()}
_SPLIT = re.compile(r"[、,，;；/|\s]+")
_UNIT = re.compile(r"[（(].*[)）]$")


class StoreFileError(ValidationFailed):
    """The file as a whole cannot be read (encoding, format, headers, size)."""


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def _file_error(code: str, en: str, zh: str, pointer: str = "/") -> StoreFileError:
    return StoreFileError(en, zh, errors=[FieldError(pointer, code, en, zh)])


# -- reading ------------------------------------------------------------------------------
def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without Excel's BOM), UTF-16 with a BOM, or GBK/GB18030 (Excel's
    "CSV" on Chinese Windows); anything else is refused by name."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK and GB2312: what Excel writes on Chinese Windows.
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _file_error(
            "encoding",
            "The CSV file is neither UTF-8 nor GBK; save it as \"CSV UTF-8\" and retry.",
            "无法识别 CSV 文件的编码（既不是 UTF-8 也不是 GBK）。"
            "请在 Excel 中“另存为”→“CSV UTF-8（逗号分隔）”后重试。",
        ) from None


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = decode_csv(data)
    if "\x00" in text:
        raise _file_error("binary", "The file is not a CSV text file.", "该文件不是 CSV 文本文件。")
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if first else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes, width: int) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # imported on use: most requests never need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_XLSX_PARTS or sum(p.file_size for p in parts) > MAX_XLSX_INFLATED:
                raise _file_error(
                    "too_large", "The XLSX file inflates to too much data.",
                    "XLSX 文件解压后过大，请只保留门店表。",
                )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except StoreFileError:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise _file_error(
            "unreadable", "The XLSX file cannot be read.",
            "无法读取该 XLSX 文件，请用 Excel 或 WPS 重新保存为 .xlsx 后重试。",
        ) from None
    try:
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        for row in sheet.iter_rows(max_col=width, values_only=True):
            yield list(row)
    finally:
        book.close()


def sniff(data: bytes, content_type: str = "", filename: str = "") -> str:
    """'xlsx' or 'csv', by the bytes first (a renamed file is still what it is)."""
    if data.startswith(b"PK\x03\x04"):
        return "xlsx"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            "xls", "Old .xls files are not accepted; save as .xlsx or CSV.",
            "不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV 后重试。",
        )
    return "csv"


def read_rows(data: bytes, kind: str) -> Iterator[list[Any]]:
    # A few spare columns so an unknown header is reported rather than cut off.
    return _xlsx_rows(data, len(COLUMNS) + 5) if kind == "xlsx" else _csv_rows(data)


# -- from cells to a store object ----------------------------------------------------------
def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any, integral: bool) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = _fold(value).replace(",", "")
        try:
            value = float(text)
        except ValueError:
            return value.strip()  # the walker names the type error, as for the form
    if isinstance(value, float) and integral and value.is_integer():
        return int(value)
    return value


def _bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else value
    text = _fold(str(value)).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return str(value).strip()


def _cell(column: Column, value: Any) -> Any:
    if column.kind == "text":
        return value.strip() if isinstance(value, str) else str(value)
    if column.kind in ("number", "int"):
        return _number(value, column.kind == "int")
    if column.kind == "bool":
        return _bool(value)
    if column.kind == "crs":
        text = _fold(str(value)).lower()
        return _CRS.get(text, text)
    parts = [p for p in _SPLIT.split(_fold(str(value))) if p]
    return [_CATEGORY_BY_ZH.get(p, p) for p in parts]


def _put(target: dict[str, Any], pointer: str, value: Any) -> None:
    *path, last = pointer.strip("/").split("/")
    for key in path:
        target = target.setdefault(key, {})
    target[last] = value


def store_object(columns: list[Column | None], cells: list[Any]) -> dict[str, Any]:
    raw: dict[str, Any] = {"location": {}, "delivery": {}}
    for column, value in zip(columns, cells, strict=False):
        if column is not None and not _blank(value):
            _put(raw, column.pointer, _cell(column, value))
    return raw


def column_of(pointer: str) -> str:
    """The spreadsheet column a store's JSON pointer falls in."""
    if pointer in ("", "/location"):
        return "经度、纬度"
    for column in _BY_POINTER:
        if pointer == column.pointer or pointer.startswith(column.pointer + "/"):
            return column.zh
    if pointer.startswith("/delivery/zone"):
        return "配送半径"
    return "门店名称"


def _headers(row: list[Any]) -> list[Column | None]:
    by_name = {c.zh: c for c in COLUMNS}
    columns: list[Column | None] = []
    errors: list[FieldError] = []
    for i, value in enumerate(row):
        name = _UNIT.sub("", _fold(str(value))) if not _blank(value) else ""
        if not name:
            columns.append(None)
            continue
        column = by_name.get(name)
        if column is None or column in columns:
            what = "重复的列" if column is not None else "未知的列"
            errors.append(FieldError(
                f"/header/{i}", "unknown_column" if column is None else "duplicate_column",
                f"Row 1, column {i + 1}: {'duplicate' if column else 'unknown'} column {name!r}",
                f"第 1 行第 {i + 1} 列：{what}「{name}」（请使用模板的表头）",
            ))
        columns.append(column)
    missing = [c.zh for c in COLUMNS if c not in columns]
    errors.extend(
        FieldError("/header", "missing_column", f"Missing column {name!r}",
                   f"缺少「{name}」列（请使用模板的表头）")
        for name in missing
    )
    if errors:
        raise StoreFileError(
            f"The header row does not match the template ({len(errors)} problem(s)).",
            "表头与模板不一致，请下载模板后按模板填写。",
            errors=errors,
        )
    return columns


@dataclass(frozen=True, slots=True)
class Parsed:
    stores: list[Store]
    rows: list[int]  # each store's spreadsheet row number


def parse(data: bytes, content_type: str = "", filename: str = "") -> Parsed:
    """Every store of the file, or one 422 naming every bad cell by row and column."""
    if not data.strip():
        raise _file_error("empty", "The file is empty.", "文件为空。")
    rows = read_rows(data, sniff(data, content_type, filename))
    header: list[Column | None] | None = None
    raws: list[tuple[int, dict[str, Any]]] = []
    limit = limits().max_stores
    for number, cells in enumerate(rows, start=1):
        if all(_blank(c) for c in cells):
            continue
        if header is None:
            header = _headers(cells)
            continue
        if len(raws) >= limit:
            raise _file_error(
                "too_many", f"At most {limit} stores per application (row {number} is one more).",
                f"每份申请最多 {limit} 家门店，文件超出（第 {number} 行起）。", "/stores",
            )
        raws.append((number, store_object(header, cells)))
    if header is None or not raws:
        raise _file_error("no_rows", "The file has no store rows.", "文件中没有门店数据行。")
    return _validate(raws)


def _validate(raws: list[tuple[int, dict[str, Any]]]) -> Parsed:
    stores: list[Store] = []
    errors: list[FieldError] = []
    for index, (number, raw) in enumerate(raws):
        store, problems = collect(Store, raw)
        for p in problems:
            column = column_of(p.pointer)
            errors.append(FieldError(
                f"/stores/{index}{'' if p.pointer == '/' else p.pointer}", p.code,
                f"Row {number}, column {column}: {p.detail_en}",
                f"第 {number} 行「{column}」：{p.detail_zh}",
            ))
        if store is not None:
            stores.append(store)
    if errors:
        shown = errors[:MAX_REPORTED]
        more = len(errors) - len(shown)
        raise StoreFileError(
            f"{len(errors)} cell(s) are invalid; see errors (row and column in each).",
            f"有 {len(errors)} 个单元格未通过校验，详见 errors（每条注明行与列）；未保存任何门店。",
            errors=shown,
            **({"more_errors": more} if more else {}),
        )
    return Parsed(stores, [n for n, _ in raws])


def stores_json(parsed: Parsed) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(s) for s in parsed.stores]


# -- the template ---------------------------------------------------------------------------
def _example_row() -> list[Any]:
    return [c.example for c in COLUMNS]


def template_csv() -> bytes:
    """UTF-8 with a BOM: Excel on Chinese Windows then opens it without mojibake."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.zh for c in COLUMNS])
    writer.writerow(_example_row())
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([c.zh for c in COLUMNS])
    sheet.append(_example_row())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for i, column in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + i)].width = max(10, len(column.zh) * 2 + 4)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("说明")
    notes.append(["列", "English", "填写说明"])
    for column in COLUMNS:
        notes.append([column.zh, column.en, column.help_zh])
    notes.append([])
    notes.append(["", "", "第 1 行为表头，请勿修改；每行一家门店；示例行可直接覆盖。"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_from_rows(rows: Iterable[list[Any]]) -> bytes:
    """A store sheet from rows (tests and the benchmark build files this way)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
