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
    ],
)
def test_text(raw: object, expected: str | None) -> None:
    assert values.text(raw) == expected


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
    ],
)
def test_number(raw: object, expected: float | None) -> None:
    assert values.number(raw) == expected


def test_integer_rounds_numeric_values() -> None:
    assert values.integer("12.0") == 12
    assert values.integer(3600) == 3600
    assert values.integer("x") is None
    assert values.integer(10**400) is None


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


def test_first_number_skips_missing_and_junk() -> None:
    row = {"a": "junk", "b": None, "c": "5"}
    assert values.first_number(row, ("x", "a", "b", "c")) == 5.0
    assert values.first_number(row, ("x",)) is None


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
