"""Field types of the intake, each with its rule and messages in Chinese and English."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated

from msgspec import Meta
from stdnum.cn import uscc

from scoring.vocabulary import CAPABILITIES, CATEGORIES
from service.validation import Check, Code, Invalid

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB 32100-2015: registration authority 1-9, A (other), N (agriculture), Y (other);
# python-stdnum demands digits in the first eight places, so it rejects A/N/Y codes.
_USCC_SHAPE = re.compile(r"^[1-9ANY][0-9A-HJ-NP-RT-UW-Y]\d{6}[0-9A-HJ-NP-RT-UW-Y]{10}$")


def _required(value: str, name_zh: str) -> None:
    if not value.strip():
        raise Invalid("required", "This field is required", f"请填写{name_zh}")


def credit_code(value: str) -> str:
    _required(value, "统一社会信用代码")
    code = uscc.compact(value)
    if len(code) != 18:
        raise Invalid(
            "length", "A Unified Social Credit Code has 18 characters", "统一社会信用代码应为 18 位"
        )
    if not _USCC_SHAPE.match(code):
        raise Invalid(
            "format",
            "Not a Unified Social Credit Code (GB 32100-2015)",
            "统一社会信用代码格式不正确（GB 32100-2015）",
        )
    if code[0].isdigit():
        valid = uscc.is_valid(code)
    else:
        valid = code[-1] == uscc.calc_check_digit(code[:-1])
    if not valid:
        raise Invalid(
            "checksum", "The check character does not match", "统一社会信用代码校验位不正确"
        )
    if any(ch not in _USCC_ALPHABET for ch in code):  # I, O, S, V, Z are not used
        raise Invalid(
            "format",
            "Not a Unified Social Credit Code (GB 32100-2015)",
            "统一社会信用代码格式不正确（GB 32100-2015）",
        )
    return code


def mobile(value: str) -> str:
    _required(value, "手机号码")
    digits = re.sub(r"[\s\-()]", "", value)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not re.fullmatch(r"1[3-9]\d{9}", digits):
        raise Invalid(
            "mobile",
            "Not a mainland mobile number (11 digits starting with 1)",
            "不是有效的中国大陆手机号码（以 1 开头的 11 位数字）",
        )
    return digits


def wechat_mch_id(value: str) -> str:
    _required(value, "微信支付商户号")
    if not re.fullmatch(r"\d{8,10}", value):
        raise Invalid(
            "mch_id",
            "A WeChat Pay merchant id has 8 to 10 digits",
            "微信支付商户号应为 8 至 10 位数字",
        )
    return value


def _one_of(code: str, known: Mapping[str, object], what_en: str, zh: str) -> Check:
    """A check that a code is one of `known` (the vocabulary's keys), naming them all."""

    def check(value: str) -> str:
        if value not in known:
            raise Invalid(code, f"Unknown {what_en}; use one of: {', '.join(known)}", zh)
        return value

    return Check(check)


CategoryCheck = _one_of(
    "category", CATEGORIES, "category",
    "未知的商品品类：" + "、".join(f"{c.zh}({c.code})" for c in CATEGORIES.values()),
)
CapabilityCheck = _one_of(
    "capability", CAPABILITIES, "capability", "未知的服务能力：" + "、".join(CAPABILITIES)
)


def text(min_len: int, max_len: int) -> type[str]:
    return Annotated[str, Meta(min_length=min_len, max_length=max_len)]  # type: ignore[return-value]


# Codes and numbers are NFKC-folded (Code()); names and other text are kept as typed.
CreditCode = Annotated[
    str, Meta(max_length=40, description="统一社会信用代码"), Code(), Check(credit_code)
]
Mobile = Annotated[
    str, Meta(max_length=32, description="11-digit mainland mobile"), Code(), Check(mobile)
]
WechatMchId = Annotated[
    str, Meta(max_length=20, description="微信支付直连商户号"), Code(), Check(wechat_mch_id)
]
CategoryCode = Annotated[str, Meta(max_length=40), Code(), CategoryCheck]
CapabilityCode = Annotated[str, Meta(max_length=40), Code(), CapabilityCheck]
CommunityCode = Annotated[str, Meta(pattern=r"^\d{12}$", description="12-digit statistical code")]
RoundCode = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]
