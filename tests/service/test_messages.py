"""Field errors in words a shop owner understands: the field's name and what to do."""

from __future__ import annotations

from service.applications.schemas import Application
from service.review.schemas import ReviewIn
from service.validation import collect
from tests.factories import merchant


def zh_by_pointer(cls: type, body: dict) -> dict[str, str]:
    value, errors = collect(cls, body)
    assert value is None
    return {e.pointer: e.detail_zh for e in errors}


def test_application_errors_name_the_field_and_the_fix() -> None:
    body = merchant()
    body["legal_name"] = ""
    body["credit_code"] = " "
    body["settlement_contact"]["mobile"] = ""
    body["trained_staff"] = "三"
    body["data_feedback"] = "yes"
    first = body["stores"][0]
    first["name"] = ""
    first["location"].pop("crs")
    first["categories"] = []
    first["delivery"]["radius_m"] = 10
    assert zh_by_pointer(Application, body) == {
        "/legal_name": "请填写企业名称",
        "/credit_code": "请填写统一社会信用代码",
        "/settlement_contact/mobile": "请填写手机号码",
        "/trained_staff": "请输入 0 到 100000 之间的整数",
        "/data_feedback": "请选择数据反馈承诺",
        "/stores/0/name": "请填写门店名称",
        "/stores/0/location/crs": "请选择坐标系",
        "/stores/0/categories": "请至少选择一项经营品类",
        "/stores/0/delivery/radius_m": "请输入 50 到 50000 之间的整数",
    }
    body = merchant()
    body["legal_name"] = "北"
    assert zh_by_pointer(Application, body) == {"/legal_name": "企业名称至少需要 2 个字"}


def test_scores_out_of_range_or_not_numbers_say_the_range() -> None:
    for value in ("八十", 150, -1):
        errors = zh_by_pointer(ReviewIn, {"scores": {"coverage": value}})
        assert list(errors.values()) == ["请输入 0 到 100 之间的数字"], value
