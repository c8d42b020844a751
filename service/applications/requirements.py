"""The requirements checklist (after Stripe's onboarding model).

`currently_due` lists what is still missing; `errors` lists what is present but
blocks review. An application with neither moves on to review.
"""

from __future__ import annotations

from typing import Any

from scoring.vocabulary import ELIGIBLE
from service.applications.schemas import Application, MerchantApplication, NgoApplication


def _error(field: str, code: str, zh: str, en: str) -> dict[str, str]:
    return {"field": field, "code": code, "reason_zh": zh, "reason_en": en}


def _merchant(app: MerchantApplication) -> tuple[list[str], list[dict[str, str]]]:
    due: list[str] = []
    errors: list[dict[str, str]] = []
    if app.wechat_pay_mch_id is None:
        due.append("wechat_pay_mch_id")
    if app.settlement_contact is None:
        due.append("settlement_contact")
    if app.data_feedback is None:
        due.append("data_feedback")
    elif not app.data_feedback:
        errors.append(
            _error(
                "data_feedback",
                "commitment_required",
                "须承诺及时、准确反馈核销与商品数据",
                "A commitment to timely redemption and item data is required",
            )
        )
    if not app.trained_staff:
        due.append("trained_staff")
    if not app.stores:
        due.append("stores")
    for i, store in enumerate(app.stores):
        if not set(store.categories) & ELIGIBLE:
            errors.append(
                _error(
                    f"stores/{i}/categories",
                    "no_eligible_category",
                    f"门店“{store.name}”没有可用赈济券购买的商品品类",
                    f"Store '{store.name}' sells no voucher-eligible category",
                )
            )
    return due, errors


def _ngo(app: NgoApplication) -> tuple[list[str], list[dict[str, str]]]:
    due: list[str] = []
    if app.contact is None:
        due.append("contact")
    if not app.communities_served and app.service_area is None:
        due.append("communities_served")
    if app.disaster_experience_years is None:
        due.append("disaster_experience_years")
    if app.staff is None and app.volunteers is None:
        due.append("staff")
    if not app.capabilities:
        due.append("capabilities")
    return due, []


def requirements(
    app: Application, info_requests: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    due, errors = _merchant(app) if isinstance(app, MerchantApplication) else _ngo(app)
    open_requests = [r for r in info_requests or [] if not r.get("answered_at")]
    due.extend(f"info_requests/{r['id']}" for r in open_requests)
    return {"currently_due": due, "errors": errors, "info_requests": open_requests}


def nothing_due(reqs: dict[str, Any]) -> bool:
    return not reqs["currently_due"] and not reqs["errors"]
