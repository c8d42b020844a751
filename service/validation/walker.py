"""Walk a msgspec type alongside decoded JSON, collecting every invalid field."""

from __future__ import annotations

import functools
import types
import typing
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from service.problems import FieldError, MalformedBody, invalid
from service.validation.checks import Check, Code, Invalid
from service.validation.messages import required_zh, too_few_zh, translate
from service.validation.normalise import BadCharacter, TooDeep, describe, fold, normalise

T = TypeVar("T")
_BAD = object()  # marks a subtree that failed; its errors are already recorded


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@functools.cache
def _fields(cls: type[msgspec.Struct]) -> tuple[msgspec.structs.FieldInfo, ...]:
    # msgspec resolves the annotations on every call: ~1.4 ms per struct, which is most of
    # validating a 1,000-store chain when done per store (bench/chains.py).
    return msgspec.structs.fields(cls)


def _is_code(base: Any, metas: tuple[Any, ...]) -> bool:
    """Codes are folded with NFKC; free text is kept as typed. A string is a code when
    its type says so (`Code()`), when it must match a pattern, or when it is one of a
    fixed set of literals."""
    if get_origin(base) is Literal:
        return True
    return any(
        isinstance(m, Code) or (isinstance(m, msgspec.Meta) and m.pattern is not None)
        for m in metas
    )


class _Walker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, pointer: str, code: str, en: str, zh: str) -> object:
        self.errors.append(FieldError(pointer or "/", code, en, zh))
        return _BAD

    # -- dispatch ---------------------------------------------------------
    def walk(self, ann: Any, raw: Any, ptr: str) -> Any:
        base, metas = ann, ()
        if get_origin(ann) is Annotated:
            base, *rest = get_args(ann)
            metas = tuple(rest)
        checks = [m for m in metas if isinstance(m, Check)]
        origin = get_origin(base)
        if isinstance(raw, str) and _is_code(base, metas):
            raw = fold(raw)

        if isinstance(base, type) and issubclass(base, msgspec.Struct):
            value = self.struct(base, raw, ptr)
        elif origin in (list, tuple, set, frozenset) and origin is not None:
            value = self.sequence(base, metas, raw, ptr)
        elif origin in (Union, types.UnionType):
            value = self.union(ann, base, raw, ptr)
        else:
            value = self.leaf(ann, raw, ptr)
        if value is _BAD:
            return _BAD
        for check in checks:
            try:
                value = check(value)
            except Invalid as exc:
                return self.fail(ptr + exc.suffix, exc.code, exc.detail_en, exc.detail_zh)
        return value

    def leaf(self, ann: Any, raw: Any, ptr: str) -> Any:
        try:
            return msgspec.convert(raw, ann, strict=True)
        except msgspec.ValidationError as exc:
            code, en, zh = translate(str(exc), pointer=ptr, ann=ann, raw=raw)
            return self.fail(ptr, code, en, zh)

    def sequence(self, base: Any, metas: tuple[Any, ...], raw: Any, ptr: str) -> Any:
        if not isinstance(raw, list):
            return self.fail(ptr, "type", "Expected `array`", "类型错误：应为数组")
        for meta in metas:
            if isinstance(meta, msgspec.Meta):
                if meta.max_length is not None and len(raw) > meta.max_length:
                    return self.fail(
                        ptr,
                        "too_many",
                        f"At most {meta.max_length} items allowed",
                        f"最多允许 {meta.max_length} 项",
                    )
                if meta.min_length is not None and len(raw) < meta.min_length:
                    return self.fail(
                        ptr,
                        "too_few",
                        f"At least {meta.min_length} item(s) required",
                        too_few_zh(ptr, meta.min_length),
                    )
        (item_type, *_rest) = get_args(base) or (Any,)
        items = [self.walk(item_type, item, f"{ptr}/{i}") for i, item in enumerate(raw)]
        if any(item is _BAD for item in items):
            return _BAD
        origin = get_origin(base)
        return items if origin is list else origin(items)

    def union(self, ann: Any, base: Any, raw: Any, ptr: str) -> Any:
        args = [a for a in get_args(base) if a is not type(None)]
        if raw is None and len(args) < len(get_args(base)):
            return None
        structs = [a for a in args if isinstance(a, type) and issubclass(a, msgspec.Struct)]
        if len(args) == 1:
            return self.walk(args[0], raw, ptr)
        if structs and len(structs) == len(args):
            return self.tagged(structs, raw, ptr)
        return self.leaf(ann, raw, ptr)

    def tagged(self, structs: list[type[msgspec.Struct]], raw: Any, ptr: str) -> Any:
        tag_field = structs[0].__struct_config__.tag_field
        if not isinstance(raw, dict):
            return self.fail(ptr, "type", "Expected `object`", "类型错误：应为对象")
        by_tag = {s.__struct_config__.tag: s for s in structs}
        tag = raw.get(tag_field)
        if tag not in by_tag:
            allowed = ", ".join(sorted(map(str, by_tag)))
            return self.fail(
                f"{ptr}/{_escape(str(tag_field))}",
                "enum",
                f"Must be one of: {allowed}",
                f"取值必须为：{allowed}",
            )
        return self.struct(by_tag[tag], raw, ptr)

    def struct(self, cls: type[msgspec.Struct], raw: Any, ptr: str) -> Any:
        if not isinstance(raw, dict):
            return self.fail(ptr, "type", "Expected `object`", "类型错误：应为对象")
        config = cls.__struct_config__
        fields = _fields(cls)
        known = {f.encode_name for f in fields}
        if config.tag_field:
            known.add(config.tag_field)
        before = len(self.errors)
        if config.forbid_unknown_fields:
            for key in raw:
                if key not in known:
                    self.fail(f"{ptr}/{_escape(key)}", "unknown_field", "Unknown field", "未知字段")
        values: dict[str, Any] = {}
        for field in fields:
            child = f"{ptr}/{_escape(field.encode_name)}"
            if field.encode_name in raw:
                values[field.name] = self.walk(field.type, raw[field.encode_name], child)
            elif field.required:
                zh = required_zh(child, field.type)
                self.fail(child, "required", "This field is required", zh)
        if len(self.errors) > before:
            return _BAD
        instance = cls(**values)
        rules = getattr(instance, "problems", None)
        if callable(rules):
            for problem in rules():
                self.fail(ptr + problem.suffix, problem.code, problem.detail_en, problem.detail_zh)
            if len(self.errors) > before:
                return _BAD
        return instance


def collect(cls: type[T], raw: Any) -> tuple[T | None, list[FieldError]]:
    """Normalise and validate `raw` against `cls`: (value, []) or (None, errors)."""
    walker = _Walker()
    bad: list[BadCharacter] = []
    try:
        clean = normalise(raw, bad=bad)
    except TooDeep as exc:
        raise MalformedBody(str(exc), "JSON 嵌套层数过深") from None
    if bad:
        # PostgreSQL cannot store these: name each field and go no further.
        return None, [
            FieldError(b.pointer, "bad_character", *describe(b.char)) for b in bad[:50]
        ]
    value = walker.walk(cls, clean, "")
    if walker.errors:
        return None, walker.errors
    return typing.cast(T, value), []


def decode_and_collect(cls: type[T], body: bytes) -> T:
    """Decode JSON bytes and validate; raise a problem naming every invalid field."""
    try:
        raw = msgspec.json.decode(body) if body else None
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise MalformedBody(f"Malformed JSON: {exc}", "JSON 格式错误，无法解析") from None
    except RecursionError:
        raise MalformedBody("JSON nested too deeply.", "JSON 嵌套层数过深") from None
    except UnicodeDecodeError as exc:
        raise MalformedBody(
            f"The body is not valid UTF-8 (byte {exc.start}).",
            f"请求体不是有效的 UTF-8 编码（第 {exc.start} 个字节）。",
        ) from None
    value, errors = collect(cls, raw)
    if errors:
        raise invalid(errors)
    return typing.cast(T, value)

