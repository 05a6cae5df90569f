"""The junk-tolerant value readers."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.api import values


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("x", "x"),
        ("  'quoted'  ", "quoted"),
        ('"double"', "double"),
        ("''", None),
        ("", None),
        (12, "12"),
        (True, None),
        (1.5, None),
        (None, None),
        ([], None),
        (10**15, "1000000000000000"),
        (10**16, None),  # no code or name is a 17-digit number
        ("host\ud800name", "host\ufffdname"),  # a lone surrogate cannot be UTF-8
        ("\udfff", "\ufffd"),
        ("a\x00b\x7f", "a\ufffdb\ufffd"),
        ("\U0001f600", "\U0001f600"),  # a real astral character stays
    ],
)
def test_text(raw: object, expected: str | None) -> None:
    assert values.text(raw) == expected


@pytest.mark.parametrize("raw", ["\ud800", "x\udc80y", "\x00", ["\ud800"], "'\udfff'"])
def test_text_always_encodes_as_utf8(raw: object) -> None:
    cleaned = values.text(raw)
    assert cleaned is None or cleaned.encode("utf-8")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (3, 3.0),
        (2.5, 2.5),
        ("6976", 6976.0),
        (" '-1' ", -1.0),
        ("nan", None),
        (float("inf"), None),
        ("abc", None),
        ("", None),
        (None, None),
        (False, None),
        ({}, None),
        (10**400, None),  # a JSON integer too large for a float
        (-(10**400), None),
        ("9" * 400, None),
        (1e308, None),  # finite, but sums and means of it overflow
        (-1e308, None),
        ("1e16", None),
        (10**15, 1e15),
        (-(10**15), -1e15),
        ("-40", -40.0),  # a temperature may be negative
    ],
)
def test_number(raw: object, expected: float | None) -> None:
    assert values.number(raw) == expected


def test_integer_rounds_numeric_values() -> None:
    assert values.integer("12.0") == 12
    assert values.integer(3600) == 3600
    assert values.integer(-30) == -30
    assert values.integer("x") is None
    assert values.integer(10**400) is None
    assert values.integer(1e300) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, 0.0), ("3306.5", 3306.5), (-1, None), ("-0.5", None), (1e308, None), ("x", None)],
)
def test_amount_is_a_number_that_cannot_be_negative(raw: object, expected: float | None) -> None:
    assert values.amount(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(0, 0), ("6976", 6976), (4530.4, 4530), (-1, None), ("-1", None), (-0.4, None), ([], None)],
)
def test_count_is_a_whole_number_that_cannot_be_negative(raw: object, expected: int | None) -> None:
    assert values.count(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("enable", True), ("Disable", False), ("maybe", None), ("", None), (1, None)],
)
def test_flag(raw: object, expected: bool | None) -> None:
    assert values.flag(raw, true="enable", false="disable") is expected


@pytest.mark.parametrize(
    ("raw", "expected"), [(True, True), (False, False), ("true", True), ("no", None)]
)
def test_boolean(raw: object, expected: bool | None) -> None:
    assert values.boolean(raw) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(1, True), (0, False), ("1", True), ("0.0", False), (True, True), (2, None), ("on", None)],
)
def test_switch(raw: object, expected: bool | None) -> None:
    assert values.switch(raw) is expected


def test_first_amount_skips_missing_junk_and_unknown() -> None:
    row = {"a": "junk", "b": None, "u": -1, "c": "5"}
    assert values.first_amount(row, ("x", "a", "b", "u", "c")) == 5.0
    assert values.first_amount(row, ("x", "u")) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.0.5", (2, 0, 5)),
        ("whatsminer v1.4.0", (1, 4, 0)),
        ("v3", (3,)),
        ("none", None),
        (None, None),
    ],
)
def test_version(raw: object, expected: tuple[int, ...] | None) -> None:
    assert values.version(raw) == expected
