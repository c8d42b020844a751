"""Kinds of evidence an applicant uploads or a reviewer asks for, with their Chinese names.

A kind is a short code (`business_licence`); codes not listed here are accepted when they
have the shape (a reviewer may ask for something new) and shown by their code.
"""

from __future__ import annotations

KIND_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

DOCUMENT_KINDS: dict[str, tuple[str, str]] = {
    "business_licence": ("营业执照", "Business licence"),
    "food_licence": ("食品经营许可证", "Food business licence"),
    "wechat_pay_proof": ("微信支付商户号证明", "Proof of the WeChat Pay merchant account"),
    "store_photo": ("门店照片", "Photo of the store"),
    "site_visit_photo": ("实地核查照片", "Photo taken on a site visit"),
    "other": ("其他证明材料", "Other evidence"),
}
