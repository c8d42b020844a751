"""What every text shown to applicants and reviewers must look like, in both languages.

The Chinese text is Chinese (no stray Latin letters beyond the technical terms it names), the
English text is English: capitalised and punctuated sentences, no Chinese characters, no
shouting in capitals. Used by the pure tests of scoring/ and geo/.
"""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3400-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
CAPITALS_RUN = re.compile(r"[A-Z]{2,}")
TERMS = ("MultiPolygon", "Polygon", "GeoJSON", "Point", "NaN")


def _without(text: str, words: tuple[str, ...]) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return text


def assert_zh(text: object, *, names: tuple[str, ...] = ()) -> None:
    assert isinstance(text, str) and CJK.search(text), f"not Chinese text: {text!r}"
    assert text.endswith(("。", "）")), f"Chinese text not ended as a sentence: {text!r}"
    rest = _without(text, (*names, *TERMS))
    assert not LATIN.search(rest), f"Latin letters in the Chinese text: {text!r}"


def assert_en(text: object, *, names: tuple[str, ...] = ()) -> None:
    assert isinstance(text, str) and text, f"not English text: {text!r}"
    assert not CJK.search(text), f"Chinese characters in the English text: {text!r}"
    assert text[0].isupper() or text[0].isdigit(), f"sentence not capitalised: {text!r}"
    assert text.endswith("."), f"English text not ended with a full stop: {text!r}"
    rest = _without(text, (*names, *TERMS))
    assert not CAPITALS_RUN.search(rest), f"capitals where none belong: {text!r}"
    for match in re.finditer(r"\. ([A-Za-z])", rest):
        assert match.group(1).isupper(), f"sentence not capitalised: {text!r}"


def assert_bilingual(zh: object, en: object, *, names: tuple[str, ...] = ()) -> None:
    assert_zh(zh, names=names)
    assert_en(en, names=names)
