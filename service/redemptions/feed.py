"""A batch as sent: JSON `{"records": [...]}` or CSV, into raw records to validate one by one.

CSV (text/csv, UTF-8, optional BOM) has one row per item; the rows of one record share its
txn_id and follow each other, and repeat the record's columns. The header is exactly
CSV_HEADER (in any column order); `reservation_id` may be empty.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from service.problems import BadRequest, FieldError, MalformedBody, UnsupportedMediaType
from service.redemptions.schemas import MAX_RECORDS, RecordIn

RECORD_COLUMNS = ("txn_id", "store_id", "at", "voucher_id", "household_ref", "phase",
                  "amount_fen", "reservation_id")
ITEM_COLUMNS = ("item_category", "item_name", "item_quantity", "item_unit_price_fen",
                "item_amount_fen")
CSV_HEADER = RECORD_COLUMNS + ITEM_COLUMNS


class RawRecord(msgspec.Struct):
    index: int
    data: Any
    line: int | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)
    # JSON batches that decode whole as records: the record as decoded (data is None);
    # validation still checks what msgspec does not know (service.validate)
    typed: RecordIn | None = None


class _Typed(msgspec.Struct):
    records: list[RecordIn]


_typed = msgspec.json.Decoder(_Typed)


def _too_many(count: int) -> BadRequest:
    return BadRequest(f"A batch holds at most {MAX_RECORDS} records, not {count}.",
                      f"每批最多 {MAX_RECORDS} 条记录，本批 {count} 条。",
                      errors=[FieldError("/records", "too_many",
                                         f"At most {MAX_RECORDS} records",
                                         f"最多 {MAX_RECORDS} 条记录")])


def parse(media_type: str, body: bytes) -> list[RawRecord]:
    if media_type == "text/csv":
        return from_csv(body)
    if media_type == "application/json" or media_type.endswith("+json"):
        return from_json(body)
    raise UnsupportedMediaType(
        f"Send the batch as application/json or text/csv, not {media_type or 'nothing'}.",
        f"请以 application/json 或 text/csv 格式发送，而不是 {media_type or '空'}。")


def from_json(body: bytes) -> list[RawRecord]:
    # The common case in one pass at msgspec's speed; any record msgspec refuses sends the
    # whole batch the generic way, which names every error of every record.
    try:
        typed = _typed.decode(body).records
    except (msgspec.DecodeError, RecursionError):
        typed = None
    if typed is not None:
        if len(typed) > MAX_RECORDS:
            raise _too_many(len(typed))
        return [RawRecord(i, None, typed=r) for i, r in enumerate(typed)]
    try:
        raw = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        raise MalformedBody("Malformed JSON.", "JSON 格式错误，无法解析。") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("records"), list):
        raise BadRequest('Send {"records": [...]}.', '请发送 {"records": [...]}。',
                         errors=[FieldError("/records", "required", "An array is required",
                                            "records 必须为数组")])
    records = raw["records"]
    if len(records) > MAX_RECORDS:
        raise _too_many(len(records))
    return [RawRecord(i, r) for i, r in enumerate(records)]


def _number(text: str) -> Any:
    """CSV cells are text: numbers become numbers; anything else stays text, so validation
    names the cell (`expected int`) instead of this parser guessing."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def from_csv(body: bytes) -> list[RawRecord]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedBody(f"The CSV is not UTF-8 (byte {exc.start}).",
                            f"CSV 不是 UTF-8 编码（第 {exc.start} 个字节）。") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise MalformedBody(f"Malformed CSV: {exc}", "CSV 格式错误。") from None
    if sorted(header) != sorted(CSV_HEADER):
        raise BadRequest(
            f"The CSV header must hold exactly these columns: {','.join(CSV_HEADER)}.",
            f"CSV 表头必须恰好包含以下列：{','.join(CSV_HEADER)}。",
            errors=[FieldError("/header", "csv_header", "Wrong columns", "表头列不正确")])
    records: list[RawRecord] = []
    current: RawRecord | None = None
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MalformedBody(f"Line {line} has {len(row)} cells, not {len(header)}.",
                                    f"第 {line} 行有 {len(row)} 列，应为 {len(header)} 列。")
            cells = dict(zip(header, row, strict=True))
            item = {
                "category": cells["item_category"],
                "name": cells["item_name"],
                "quantity": _number(cells["item_quantity"]),
                "unit_price_fen": _number(cells["item_unit_price_fen"]),
                "amount_fen": _number(cells["item_amount_fen"]),
            }
            record = {k: cells[k] for k in RECORD_COLUMNS}
            record["amount_fen"] = _number(record["amount_fen"])
            if not record["reservation_id"].strip():
                record["reservation_id"] = None
            if current is not None and current.data["txn_id"] == record["txn_id"]:
                _same_record(current, record, len(current.data["items"]))
                current.data["items"].append(item)
                continue
            if len(records) == MAX_RECORDS:
                raise _too_many(MAX_RECORDS + 1)
            current = RawRecord(len(records), {**record, "items": [item]}, line)
            records.append(current)
    except csv.Error as exc:
        raise MalformedBody(f"Malformed CSV: {exc}", "CSV 格式错误。") from None
    return records


def _same_record(current: RawRecord, record: dict[str, Any], item: int) -> None:
    for key in RECORD_COLUMNS:
        if current.data.get(key) != record[key]:
            current.errors.append(FieldError(
                f"/items/{item}/{key}", "csv_inconsistent",
                f"Every row of one txn_id must repeat the same {key}",
                f"同一 txn_id 的每一行必须重复相同的 {key}"))
