"""Reply repairs, STATUS checks and reply shapes, over every capture and each quirk."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from custom_components.whatsminer.api import (
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerInvalidReplyError,
    WhatsminerTokenLimitError,
    WhatsminerWriteDisabledError,
)
from custom_components.whatsminer.api.v2.parser import (
    check_read,
    check_status,
    decode_reply,
    message,
    rows,
    split_joined,
)

from .fake_miner import FIXTURES, btminer_reply

if TYPE_CHECKING:
    from pathlib import Path

CAPTURES = sorted(FIXTURES.glob("*.json"))
V3_CAPTURES = [path for path in CAPTURES if path.name.startswith(("asicrs_v3", "matroskin"))]
V2_CAPTURES = [path for path in CAPTURES if path not in V3_CAPTURES]
ERROR_CAPTURES = {
    "libbtctools-issue8_stats_invalid_cmd_v1.3.json",
    "misc-protocols-doc_version_invalid_cmd_v1.1.json",
    "whatsminer-api-issue3_enc_json_load_err.json",
}
MSG_ONLY_CAPTURES = {"official205_get_token_msg_example.json"}


def test_fixture_set_is_every_shared_capture() -> None:
    names = {path.name for path in FIXTURES.iterdir()} - {"SOURCES.md"}
    assert len(CAPTURES) == 49
    assert names == {path.name for path in CAPTURES} | {"official205_get_error_code.malformed.txt"}


@pytest.mark.parametrize("path", CAPTURES, ids=lambda path: path.name)
def test_every_capture_decodes_unchanged(path: Path) -> None:
    raw = path.read_bytes()

    assert decode_reply(raw) == json.loads(raw)


@pytest.mark.parametrize(
    "path",
    [
        path
        for path in V2_CAPTURES
        if path.name not in ERROR_CAPTURES and path.name not in MSG_ONLY_CAPTURES
    ],
    ids=lambda path: path.name,
)
def test_every_v2_success_capture_passes_its_status_check(path: Path) -> None:
    check_status(decode_reply(path.read_bytes()))


def test_error_captures_raise_their_typed_errors() -> None:
    for name in ERROR_CAPTURES - {"whatsminer-api-issue3_enc_json_load_err.json"}:
        reply = decode_reply((FIXTURES / name).read_bytes())
        with pytest.raises(WhatsminerCommandRejectedError, match="invalid cmd") as caught:
            check_status(reply)
        assert caught.value.code == 14
    reply = decode_reply((FIXTURES / "whatsminer-api-issue3_enc_json_load_err.json").read_bytes())
    with pytest.raises(WhatsminerAuthError, match="wrong password"):
        check_status(reply)


@pytest.mark.parametrize("path", V3_CAPTURES, ids=lambda path: path.name)
def test_v3_replies_are_not_mistaken_for_v2_ones(path: Path) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="no STATUS"):
        check_status(decode_reply(path.read_bytes()))


def test_official_malformed_error_code_is_repaired() -> None:
    raw = (FIXTURES / "official205_get_error_code.malformed.txt").read_bytes()

    reply = decode_reply(raw)

    assert reply["Msg"] == {"error_code": {"329": "2022-01-17 11:28:11"}}


VALID = {"STATUS": "S", "Msg": {"a": "x,}y", "b": '""temp0"'}, "Description": ""}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (json.dumps(VALID).encode(), VALID),
        (json.dumps(VALID).encode() + b"\0", VALID),
        (json.dumps(VALID).encode() + b"\0\n", VALID),
        (b'{"STATUS":"S","Msg":{"a":1,},}', {"STATUS": "S", "Msg": {"a": 1}}),
        (
            b'{"STATUS":"S","Description":"whatsminer v1.4.0\n"}',
            {"STATUS": "S", "Description": "whatsminer v1.4.0"},
        ),
        (
            b'{"Msg":{"vin":"22400""temp0":"36.0"}}',
            {"Msg": {"vin": "22400", "temp0": "36.0"}},
        ),
        (b'{"DEVS":[{"ASC":0}{"ASC":1}]}', {"DEVS": [{"ASC": 0}, {"ASC": 1}]}),
        (
            b'{"Msg":{"error_code":["1":"t1","2":"t2"]},"Description":""}',
            {"Msg": {"error_code": {"1": "t1", "2": "t2"}}, "Description": ""},
        ),
    ],
    ids=[
        "valid",
        "trailing-nul",
        "nul-and-newline",
        "trailing-commas",
        "raw-newline",
        "missing-comma-before-temp0",
        "bmminer-objects",
        "bracket-dict",
    ],
)
def test_known_quirks_are_repaired_and_valid_replies_kept(raw: bytes, expected: object) -> None:
    assert decode_reply(raw) == expected


def test_valid_reply_with_quirk_lookalikes_in_strings_is_not_altered() -> None:
    raw = b'{"Msg":{"passwd":"a,}b[\\"x\\"]","error_code":[]}}'

    assert decode_reply(raw) == {"Msg": {"passwd": 'a,}b["x"]', "error_code": []}}


def test_truncated_error_list_keeps_the_whole_items() -> None:
    raw = (
        b'{"STATUS":"S","When":1,"Code":131,"Msg":{"error_code":'
        b'[{"1":"2024-01-01 00:00:01"},{"2":"a \\"quoted\\" time"},{"3":"2024-01'
    )

    reply = decode_reply(raw)

    assert reply["Msg"] == {"error_code": [{"1": "2024-01-01 00:00:01"}, {"2": 'a "quoted" time'}]}


def test_truncated_bracket_dict_error_list_is_repaired() -> None:
    raw = b'{"STATUS":"S","Msg":{"error_code":["329":"2022-01-17 11:28:11","330":"2022-01'

    assert decode_reply(raw)["Msg"] == {"error_code": {"329": "2022-01-17 11:28:11"}}


def test_truncated_reply_cut_at_the_top_level_is_closed() -> None:
    raw = b'{"STATUS":"S","Msg":{"error_code":[]},"Description":"whatsm'

    assert decode_reply(raw) == {"STATUS": "S", "Msg": {"error_code": []}}


@pytest.mark.parametrize(
    "raw",
    [
        b'{"STATUS":"S","Msg":{"error_code":[{"1":"2024-01-01 00:00:01"},{"2":"x"}',
        # Cutting before the error list leaves a missing comma and no error list to
        # rewrite, so every repair fails. (Python-version independent, unlike deep
        # nesting, which 3.13's json refuses and 3.14's parses.)
        b'{"a":1 2,"error_code":',
        b'{"STATUS":[{"STATUS":"S"}],"SUMMARY":[{"Elapsed":1,"MHS av":2',
    ],
    ids=[
        "ending-in-a-brace-is-not-cut-further",
        "cut-error-list-that-stays-broken",
        "repaired-only-for-error-lists",
    ],
)
def test_truncated_reply_that_no_repair_mends_is_not_json(raw: bytes) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="not JSON"):
        decode_reply(raw)


@pytest.mark.parametrize(
    "tail",
    [b'{"1":"2024-01-01 00:00:01"},', b'"a",', b",", b"[]"],
    ids=["items", "strings", "commas", "brackets"],
)
def test_megabyte_of_cut_error_list_is_refused_unscanned(tail: bytes) -> None:
    raw = b'{"STATUS":"S","Msg":{"error_code":[' + tail * (1024 * 1024 // len(tail))

    with pytest.raises(WhatsminerInvalidReplyError, match="not JSON"):
        decode_reply(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"garbage",
        b"\xff\xfe\x00",
        b'{"error_code":[}',
        b'{"error_code":[},1',
        b"[" * 100_000,
    ],
    ids=["empty", "text", "binary", "no-comma", "mismatched", "deep"],
)
def test_unrepairable_replies_are_invalid(raw: bytes) -> None:
    with pytest.raises(WhatsminerInvalidReplyError):
        decode_reply(raw)


@pytest.mark.parametrize("raw", [b"[1]", b'"S"', b"42"])
def test_json_that_is_not_an_object_is_invalid(raw: bytes) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="not a JSON object"):
        decode_reply(raw)


@pytest.mark.parametrize(
    "reply",
    [
        btminer_reply("API command OK"),
        {"STATUS": "I", "Msg": "info"},
        {"STATUS": [{"STATUS": "S", "Msg": "Summary"}]},
        {"STATUS": [{"STATUS": "I", "Msg": "x"}]},
        btminer_reply("still fine", code=135),
    ],
)
def test_success_statuses_pass(reply: dict[str, object]) -> None:
    check_status(reply)


@pytest.mark.parametrize(
    ("reply", "error", "code"),
    [
        (btminer_reply("invalid cmd", code=14, status="E"), WhatsminerCommandRejectedError, 14),
        (
            btminer_reply("API command ERROR", code="132", status="E"),
            WhatsminerCommandRejectedError,
            132,
        ),
        ({"STATUS": "E", "Code": True}, WhatsminerCommandRejectedError, None),
        ({"STATUS": [{"STATUS": "W", "Msg": "warning"}]}, WhatsminerCommandRejectedError, None),
        ({"STATUS": [{"STATUS": "E", "Code": "x"}]}, WhatsminerCommandRejectedError, None),
        ({"STATUS": "E", "Code": " 8 "}, WhatsminerCommandRejectedError, 8),
        ({"STATUS": "E", "Code": "9" * 5000}, WhatsminerCommandRejectedError, None),
        ({"STATUS": "E", "Code": "\u0661\u0664"}, WhatsminerCommandRejectedError, None),
        (btminer_reply("check token err", code=135, status="E"), WhatsminerAuthError, None),
        (btminer_reply(" Enc json load err ", code=23, status="E"), WhatsminerAuthError, None),
        (
            btminer_reply("can't access write cmd", code=45, status="E"),
            WhatsminerWriteDisabledError,
            None,
        ),
        (btminer_reply("over max connect", code=0, status="S"), WhatsminerTokenLimitError, None),
        (btminer_reply({}, code=136, status="E"), WhatsminerTokenLimitError, None),
    ],
)
def test_error_statuses_raise_typed_errors(
    reply: dict[str, object], error: type[Exception], code: int | None
) -> None:
    with pytest.raises(error) as caught:
        check_status(reply)
    if isinstance(caught.value, WhatsminerCommandRejectedError):
        assert caught.value.code == code


def test_rejection_without_message_names_the_status() -> None:
    with pytest.raises(WhatsminerCommandRejectedError, match="STATUS 'F'"):
        check_status({"STATUS": "F"})


@pytest.mark.parametrize(
    "reply", [{}, {"STATUS": []}, {"STATUS": ["S"]}, {"STATUS": 1}, {"Msg": "x"}]
)
def test_replies_without_status_are_invalid(reply: dict[str, object]) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="no STATUS"):
        check_status(reply)


@pytest.mark.parametrize(
    "reply",
    [
        {"STATUS": [{"STATUS": ["S"]}]},
        {"STATUS": [{"STATUS": {"S": 1}}]},
        {"STATUS": [{"STATUS": None, "Msg": "Summary"}]},
        {"STATUS": [{"Msg": "Summary"}]},
        {"STATUS": [{"STATUS": 1, "Code": 136}]},
    ],
    ids=["list", "object", "null", "missing", "number"],
)
def test_status_entries_of_unknown_shape_are_invalid(reply: dict[str, object]) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="STATUS that is not a string"):
        check_status(reply)


def test_miner_messages_in_errors_are_clean_and_short() -> None:
    with pytest.raises(WhatsminerCommandRejectedError) as caught:
        check_status({"STATUS": "E", "Msg": "bad\ud800" + "x" * 500})

    text = str(caught.value)
    text.encode("utf-8")
    assert text.startswith("bad\ufffd")
    assert len(text) == 120
    with pytest.raises(WhatsminerCommandRejectedError, match="STATUS '\ufffd'"):
        check_status({"STATUS": "\udc80", "Msg": ["not", "text"]})


def test_refusals_tell_whether_they_came_encrypted() -> None:
    refusal = btminer_reply("invalid cmd", code=14, status="E")
    for encrypted in (False, True):
        with pytest.raises(WhatsminerCommandRejectedError) as caught:
            check_status(refusal, encrypted=encrypted)
        assert caught.value.encrypted is encrypted


def test_unreadable_replies_say_how_long_they_were_not_what_they_said() -> None:
    with pytest.raises(WhatsminerInvalidReplyError) as not_json:
        decode_reply(b'{"cmd": "status", "token": "w.BNbkCV6n1aNWgiBWLzT/"')
    with pytest.raises(WhatsminerInvalidReplyError) as not_object:
        decode_reply(b'["w.BNbkCV6n1aNWgiBWLzT/"]')

    assert str(not_json.value) == "reply is not JSON (51 bytes)"
    assert str(not_object.value) == "reply is not a JSON object (26 bytes)"


def test_message_and_rows_extract_data_or_fail() -> None:
    assert message(btminer_reply({"a": 1})) == {"a": 1}
    with pytest.raises(WhatsminerInvalidReplyError, match="no Msg object"):
        message(btminer_reply("text"))
    reply = {"DEVS": [{"ASC": 0}, "junk", {"ASC": 1}]}
    assert rows(reply, ("EDEVS", "DEVS")) == ({"ASC": 0}, {"ASC": 1})
    with pytest.raises(WhatsminerInvalidReplyError, match="no EDEVS list"):
        rows({"DEVS": {}}, ("EDEVS", "DEVS"))


def test_check_read_checks_status_then_shape() -> None:
    check_read({"STATUS": [{"STATUS": "S"}], "SUMMARY": [{}]}, ("SUMMARY",))
    check_read(btminer_reply({}), ())
    with pytest.raises(WhatsminerInvalidReplyError):
        check_read({"STATUS": [{"STATUS": "S"}]}, ("SUMMARY",))
    with pytest.raises(WhatsminerInvalidReplyError):
        check_read(btminer_reply("not an object"), ())


def test_split_joined_returns_each_part() -> None:
    summary = {"STATUS": [{"STATUS": "S"}], "SUMMARY": [{}]}
    edevs = {"STATUS": [{"STATUS": "S"}], "DEVS": []}

    parts = split_joined({"summary": [summary], "edevs": [edevs], "id": 1}, ("summary", "edevs"))

    assert parts == {"summary": summary, "edevs": edevs}


@pytest.mark.parametrize(
    "reply",
    [
        {"summary": [{}]},
        {"summary": [{}], "edevs": []},
        {"summary": [{}], "edevs": ["x"]},
        {"summary": [{}], "edevs": {}},
        {"STATUS": "S", "summary": [{}]},
    ],
)
def test_split_joined_rejects_missing_parts(reply: dict[str, object]) -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="no 'edevs' part"):
        split_joined(reply, ("summary", "edevs"))


def test_split_joined_raises_a_whole_request_error() -> None:
    with pytest.raises(WhatsminerCommandRejectedError, match="join"):
        split_joined(btminer_reply("command join err", code=45, status="E"), ("a", "b"))
