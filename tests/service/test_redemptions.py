"""The redemption feed: merchant keys, validation record by record, idempotent re-sends,
JSON and CSV, the key's scope, pseudonymised households."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from service.redemptions.feed import CSV_HEADER
from tests.service.redemption_world import (
    CHAOSHIFA,
    HOUSEHOLD_KEY,
    JINGKELONG,
    WUMART,
    World,
    item,
    record,
    world_fixture,  # noqa: F401  (the `world` fixture)
)
from tests.support import bearer


async def count(w: World) -> tuple[int, int]:
    return (await w.conn.fetchval("SELECT count(*) FROM redemptions"),
            await w.conn.fetchval("SELECT count(*) FROM redemption_items"))


async def test_key_is_shown_once_hashed_and_rotates(world: World) -> None:
    w = world
    app_id, stores = w.merchants[JINGKELONG]
    old = w.keys[JINGKELONG]
    assert old.startswith("boai_m_")
    info = (await w.client.get(f"/api/v1/merchants/{app_id}/key", headers=w.admin())).json()
    assert info["active"] is True and "key" not in info and old not in str(info)
    stored = await w.conn.fetchval(
        "SELECT key_hash FROM merchant_keys WHERE application_id = $1 AND revoked_at IS NULL",
        app_id)
    assert bytes(stored) == hashlib.sha256(old.encode()).digest()

    new = await w.issue(JINGKELONG)  # rotation
    assert new != old
    batch = {"records": [record(stores[0], "T-1")]}
    r = await w.client.post("/api/v1/redemptions", json=batch, headers=bearer(old))
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    r = await w.client.post("/api/v1/redemptions", json=batch, headers=bearer(new))
    assert r.status_code == 200 and r.json()["accepted"] == 1
    actions = [r["action"] for r in await w.conn.fetch(
        "SELECT action FROM audit_log WHERE entity_id = $1 AND action LIKE 'merchant_key%' "
        "ORDER BY id", str(app_id))]
    assert actions == ["merchant_key_issued", "merchant_key_rotated"]

    r = await w.client.delete(f"/api/v1/merchants/{app_id}/key", headers=w.admin())
    assert r.status_code == 200 and r.json()["active"] is False
    r = await w.client.post("/api/v1/redemptions", json=batch, headers=bearer(new))
    assert r.status_code == 401


async def test_only_approved_merchants_get_a_key(world: World) -> None:
    w = world
    app_id = w.merchants[WUMART][0]
    await w.conn.execute("UPDATE applications SET status = 'withdrawn' WHERE id = $1", app_id)
    r = await w.client.post(f"/api/v1/merchants/{app_id}/key", headers=w.admin())
    assert r.status_code == 409
    # and the key it had stops working with the approval
    r = await w.client.post("/api/v1/redemptions", headers=w.key(WUMART),
                            json={"records": [record(w.merchants[WUMART][1][0], "T-1")]})
    assert r.status_code == 401


async def test_staff_and_missing_keys_are_refused(world: World) -> None:
    w = world
    batch = {"records": [record(w.merchants[WUMART][1][0], "T-1")]}
    r = await w.client.post("/api/v1/redemptions", json=batch)
    assert r.status_code == 401
    r = await w.client.post("/api/v1/redemptions", json=batch, headers=w.admin())
    assert r.status_code == 403
    r = await w.client.post("/api/v1/redemptions", json=batch,
                            headers=bearer("boai_m_not-a-real-key"))
    assert r.status_code == 401
    assert await count(w) == (0, 0)


async def test_a_merchant_cannot_post_for_another_merchants_store(world: World) -> None:
    w = world
    mine = w.merchants[WUMART][1][0]
    theirs = w.merchants[CHAOSHIFA][1][0]
    r = await w.client.post(
        "/api/v1/redemptions", headers=w.key(WUMART),
        json={"records": [record(mine, "T-1"), record(theirs, "T-2")]})
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["pointer"] for e in r.json()["errors"]] == ["/records/1/store_id"]
    assert await count(w) == (0, 0)  # nothing stored, not even the own store's record


async def test_accepts_valid_records_and_rejects_bad_ones_with_pointers(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    naive = record(store, "T-3")
    naive["at"] = "2026-11-20T10:00:00"  # no offset
    future = record(store, "T-5", at=datetime.now(UTC) + timedelta(days=1))
    answer = await w.send(WUMART, [
        record(store, "T-1"),
        record(store, "T-2", items=[item("sweets", "糖", 1, 100)]),  # unknown category
        naive,
        record(store, "T-4", phase="aftermath"),
        future,
        record(store, "T-6", items=[item("grain_oil", "油", 0, 100)]),
        record(store, "T-7", reservation_id="6f1c1d1e-0000-4000-8000-000000000000"),
    ])
    assert (answer["accepted"], answer["rejected"], answer["duplicates"]) == (1, 6, 0)
    pointers = {r["txn_id"]: [e["pointer"] for e in r["errors"]]
                for r in answer["rejected_records"]}
    assert pointers == {
        "T-2": ["/records/1/items/0/category"],
        "T-3": ["/records/2/at"],
        "T-4": ["/records/3/phase"],
        "T-5": ["/records/4/at"],
        "T-6": ["/records/5/items/0/quantity"],
        "T-7": ["/records/6/reservation_id"],
    }
    first = answer["rejected_records"][0]["errors"][0]
    assert first["detail_zh"] and first["detail_en"]
    assert await count(w) == (1, 1)


async def test_a_repeated_batch_changes_nothing(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    batch = [record(store, f"T-{i}", items=[item("grain_oil", "大米", 2, 3990),
                                            item("daily_goods", "牙膏", 1, 1200)])
             for i in range(20)]
    first = await w.send(WUMART, batch)
    assert (first["accepted"], first["duplicates"]) == (20, 0)
    before = await count(w)
    again = await w.send(WUMART, batch)
    assert (again["accepted"], again["rejected"], again["duplicates"]) == (0, 0, 20)
    assert await count(w) == before == (20, 40)
    # the same txn_id with other content is no duplicate: refused, the stored one kept
    changed = record(store, "T-0", amount=1)
    answer = await w.send(WUMART, [changed])
    assert answer["rejected"] == 1
    assert answer["rejected_records"][0]["errors"][0]["code"] == "txn_conflict"
    assert await w.conn.fetchval(
        "SELECT amount_fen FROM redemptions WHERE txn_id = 'T-0'") == 2 * 3990 + 1200
    # txn_ids are per merchant: another merchant may use the same one
    other = await w.send(JINGKELONG, [record(w.merchants[JINGKELONG][1][0], "T-0")])
    assert other["accepted"] == 1


def to_csv(records: list[dict]) -> str:
    lines = [",".join(CSV_HEADER)]
    for r in records:
        for it in r["items"]:
            cells = [r["txn_id"], r["store_id"], r["at"], r["voucher_id"], r["household_ref"],
                     r["phase"], str(r["amount_fen"]), r.get("reservation_id") or "",
                     it["category"], it["name"], str(it["quantity"]),
                     str(it["unit_price_fen"]), str(it["amount_fen"])]
            lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"


async def test_csv_and_json_are_the_same_records(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][1]
    records = [record(store, "C-1", items=[item("grain_oil", "大米（东北）5kg", 1, 3990),
                                           item("fresh_food", "鸡蛋", 1.5, 1200)]),
               record(store, "C-2", phase="warning",
                      items=[item("drinking_water", "矿泉水", 12, 200)])]
    r = await w.client.post("/api/v1/redemptions", content=to_csv(records).encode(),
                            headers={**w.key(WUMART), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert (r.json()["accepted"], r.json()["rejected"]) == (2, 0)
    assert await count(w) == (2, 3)
    rows = await w.conn.fetch("SELECT name, quantity FROM redemption_items ORDER BY name")
    assert [(x["name"], float(x["quantity"])) for x in rows] == [
        ("大米（东北）5kg", 1.0), ("矿泉水", 12.0), ("鸡蛋", 1.5)]
    # the same records as JSON are duplicates: one txn_id, one content, whatever the format
    again = await w.send(WUMART, records)
    assert (again["accepted"], again["duplicates"]) == (0, 2)


async def test_csv_errors_name_the_line_and_the_cell(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][1]
    records = [record(store, "C-1"), record(store, "C-2")]
    text = to_csv(records).replace(",3990,3990\r\n", ",3990,lots\r\n", 1)
    r = await w.client.post("/api/v1/redemptions", content=text.encode(),
                            headers={**w.key(WUMART), "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["accepted"], body["rejected"]) == (1, 1)
    rejected = body["rejected_records"][0]
    assert (rejected["txn_id"], rejected["line"]) == ("C-1", 2)
    assert rejected["errors"][0]["pointer"] == "/records/0/items/0/amount_fen"
    bad_header = "txn_id,store_id\r\nA,B\r\n"
    r = await w.client.post("/api/v1/redemptions", content=bad_header.encode(),
                            headers={**w.key(WUMART), "Content-Type": "text/csv"})
    assert r.status_code == 400 and r.json()["errors"][0]["pointer"] == "/header"


async def test_envelope_errors_are_problems_and_store_nothing(world: World) -> None:
    w = world
    h = w.key(WUMART)
    r = await w.client.post("/api/v1/redemptions", content=b"{not json", headers={
        **h, "Content-Type": "application/json"})
    assert r.status_code == 400
    r = await w.client.post("/api/v1/redemptions", content=b"a", headers={
        **h, "Content-Type": "text/plain"})
    assert r.status_code == 415
    store = w.merchants[WUMART][1][0]
    r = await w.client.post("/api/v1/redemptions", headers=h, json={
        "records": [record(store, f"T-{i}") for i in range(5001)]})
    assert r.status_code in (400, 413)
    assert await count(w) == (0, 0)


async def test_households_are_kept_only_as_a_keyed_hash(world: World) -> None:
    w = world
    store = w.merchants[WUMART][1][0]
    await w.send(WUMART, [record(store, "T-1", household="ZLB-0042"),
                          record(store, "T-2", household="ｚｌｂ-００４２")])
    hashes = [bytes(r["household_hash"]) for r in await w.conn.fetch(
        "SELECT household_hash FROM redemptions ORDER BY txn_id")]
    want = hmac.new(HOUSEHOLD_KEY.encode(), b"ZLB-0042", hashlib.sha256).digest()
    assert hashes == [want, want]  # full-width and case folded: one household
    dump = await w.conn.fetchval("SELECT string_agg(r::text, ' ') FROM redemptions r")
    assert "0042" not in dump


def test_the_fast_path_gives_what_the_full_validation_gives() -> None:
    """Records whose strings need no cleaning skip the collect-every-error walk; for them both
    must agree, and anything needing cleaning or failing must take the full walk."""
    from uuid import uuid4

    from service.redemptions.schemas import RecordIn
    from service.redemptions.service import _fast
    from service.validation import collect

    store = uuid4()
    plain = [
        record(store, "F-1"),
        record(store, "F-2", phase="recovery", reservation_id=str(uuid4()),
               items=[item("fresh_food", "猪肉（五花）", 1.25, 2999),
                      item("tobacco", "香烟", 1, 2300)]),
        record(store, "F-3", at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC)),
    ]
    for raw in plain:
        fast = _fast(raw)
        assert fast is not None and fast == collect(RecordIn, raw)[0]
    needs_cleaning = [
        record(store, "F-4", household="ＺＬＢ-０００１"),  # full-width: folded
        record(store, "F-5", items=[item("grain_oil", "大米 ", 1, 10)]),  # trailing space
        record(store, "F-6", items=[item("grain_oil", "大\u200b米", 1, 10)]),  # zero-width
    ]
    for raw in needs_cleaning:
        assert _fast(raw) is None and collect(RecordIn, raw)[0] is not None
    invalid = [record(store, "F-7", phase="later"),
               record(store, "F-8", items=[item("sweets", "糖", 1, 10)]),
               record(store, "F-9", at=datetime.now(UTC) + timedelta(hours=1))]
    for raw in invalid:
        assert _fast(raw) is None and collect(RecordIn, raw)[1]


def test_a_batch_decoded_whole_gives_what_record_by_record_gives() -> None:
    """A JSON batch that msgspec decodes whole as records skips the dicts; validation must
    answer exactly as for the same records taken one by one (cleaning, future times, unknown
    categories included), and a batch with a record msgspec refuses goes the generic way."""
    from uuid import uuid4

    import msgspec

    from service.redemptions.feed import RawRecord, from_json
    from service.redemptions.service import validate

    store = uuid4()
    records = [
        record(store, "Y-1"),
        record(store, "Y-2", household="ＺＬＢ-０００１"),  # full-width: folded
        record(store, "Y-3", items=[item("grain_oil", "大米 ", 1, 10)]),  # trailing space
        record(store, "Y-4", at=datetime.now(UTC) + timedelta(hours=1)),  # future
        record(store, "Y-5", items=[item("sweets", "糖", 1, 10)]),  # unknown category
    ]
    key = HOUSEHOLD_KEY.encode()

    def answer(raws: list[RawRecord]) -> object:
        valid, rejected = validate(raws, key)
        return (msgspec.to_builtins([(v.index, v.record, v.household_hash, v.content_hash)
                                     for v in valid]), msgspec.to_builtins(rejected))

    whole = from_json(msgspec.json.encode({"records": records}))
    assert all(r.typed is not None for r in whole)
    one_by_one = [RawRecord(i, r) for i, r in enumerate(records)]
    got = answer(whole)
    assert got == answer(one_by_one)
    assert [v[0] for v in got[0]] == [0, 1, 2]  # type: ignore[index]

    # a code with a space msgspec's pattern refuses (cleaning accepts it): the generic way
    mixed = [*records, record(store, " Y-6")]
    refused = from_json(msgspec.json.encode({"records": mixed}))
    assert all(r.typed is None for r in refused)
    assert answer(refused) == answer([RawRecord(i, r) for i, r in enumerate(mixed)])
