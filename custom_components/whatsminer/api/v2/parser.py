"""From reply bytes to a checked JSON object: firmware-quirk repairs and STATUS checks.

Whatsminer firmware sends JSON with known defects (PROTOCOL.md §1.4). A reply is
parsed as it is first, so a valid reply is never altered. Only when that fails are the
harmless repairs tried (stray commas, raw newlines, a missing comma before ``"temp0"``),
and only when those fail too the invasive ones that rewrite structure (the API 2.0.4
``"error_code":["329":"…"]`` list-as-dict, error lists cut short).

Two reply families share port 4028 (PROTOCOL.md §1.3): cgminer-style reads whose
``STATUS`` is a list of one object, and BTMiner-style replies whose ``STATUS`` is a
string beside ``Code`` and ``Msg``. :func:`check_status` turns both into typed errors.
"""

from __future__ import annotations

import collections
import json
import re
from typing import TYPE_CHECKING, Final

from .. import values
from ..errors import (
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerInvalidReplyError,
    WhatsminerTokenLimitError,
    WhatsminerWriteDisabledError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..common import JsonObject

_SUCCESS_STATES: Final = frozenset({"S", "I"})  # cgminer: success and informational

CODE_TOKEN_REJECTED: Final = 135
CODE_TOKEN_LIMIT: Final = 136
MSG_OVER_MAX_CONNECT: Final = "over max connect"
MSG_ENC_JSON_LOAD_ERR: Final = "enc json load err"
MSG_CANT_ACCESS_WRITE: Final = "can't access write cmd"

_BRACKET_DICT_ERRORS: Final = re.compile(r'"error_code"\s*:\s*\[([^\[\]{}]*)\]')
_TRUNCATION_CUTS_TRIED: Final = 4
_TRUNCATION_REPAIR_MAX_CHARS: Final = 64 * 1024
"""The longest reply a truncation repair is tried on. Cut error lists hold a few hundred
codes (about 10 KiB); scanning a megabyte of garbage in Python would stall the event loop."""
_STRUCTURE: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{},]', re.DOTALL)
"""A JSON string (possibly cut short) or one bracket or comma: what a bracket scan needs."""
_CLOSER_OF: Final = {"{": "}", "[": "]"}
_OPENER_OF: Final = {"}": "{", "]": "["}
_CODE_TEXT: Final = re.compile(r"[0-9]{1,9}")
_MESSAGE_MAX_CHARS: Final = 120
"""The most of the miner's own words an error text quotes; real messages are a few words."""


def _load(text: str) -> object | None:
    """Parse ``text`` as JSON, or return None when it is not JSON."""
    try:
        parsed: object = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return parsed


def _harmless_repairs(text: str) -> str:
    """Fix the defects that can be fixed without guessing at structure."""
    return (
        text.replace("\r", "")
        .replace("\n", "")
        .replace(",}", "}")
        .replace('""temp0"', '","temp0"')
        .replace("}{", "},{")
    )


def _error_list_as_object(text: str) -> str:
    """Rewrite API 2.0.4's ``"error_code":["329":"time"]`` into a JSON object."""
    return _BRACKET_DICT_ERRORS.sub(r'"error_code":{\1}', text)


type _OpenBrackets = tuple[str, _OpenBrackets] | None
"""The brackets open at a point, innermost first, as a linked list: sharing its tail
makes a snapshot at every comma free."""


def _truncation_cuts(text: str) -> collections.deque[tuple[int, _OpenBrackets]]:
    """Return the last few commas outside strings, each with the brackets open there.

    One pass, in which the regular expression skips strings and plain text in C. The
    scan stops at a closing bracket that does not match: nothing after it can be kept.
    """
    open_brackets: _OpenBrackets = None
    cuts: collections.deque[tuple[int, _OpenBrackets]] = collections.deque(
        maxlen=_TRUNCATION_CUTS_TRIED
    )
    for token in _STRUCTURE.finditer(text):
        char = token.group()
        if char == ",":
            cuts.append((token.start(), open_brackets))
        elif char in _CLOSER_OF:
            open_brackets = (char, open_brackets)
        elif char in _OPENER_OF:
            if open_brackets is None or open_brackets[0] != _OPENER_OF[char]:
                break
            open_brackets = open_brackets[1]
    return cuts


def _closers(open_brackets: _OpenBrackets) -> str:
    """Return the brackets that close ``open_brackets``, innermost first."""
    closers = []
    while open_brackets is not None:
        bracket, open_brackets = open_brackets
        closers.append(_CLOSER_OF[bracket])
    return "".join(closers)


def _closed_truncations(text: str) -> Iterable[str]:
    """Yield ``text`` cut after each of its last complete items, brackets closed.

    Some firmware cuts long ``error_code`` lists at an arbitrary byte. Dropping the
    last partial item and closing what is open keeps the codes that did arrive.
    """
    for cut, open_brackets in reversed(_truncation_cuts(text)):
        yield text[:cut] + _closers(open_brackets)


def _with_error_list_fixed(candidate: str) -> Iterable[str]:
    """Yield ``candidate``, then its error-list rewrite if that changes anything."""
    yield candidate
    if (rewritten := _error_list_as_object(candidate)) != candidate:
        yield rewritten


def _invasive_repairs(text: str) -> Iterable[str]:
    """Yield candidate rewrites for replies the harmless repairs could not fix.

    Truncation is only suspected where it can be one: an error list is present, the
    text does not end with ``}`` (a complete reply always does) and it is not too long.
    """
    if (rewritten := _error_list_as_object(text)) != text:
        yield rewritten
    if (
        '"error_code"' in text
        and not text.endswith("}")
        and len(text) <= _TRUNCATION_REPAIR_MAX_CHARS
    ):
        for candidate in _closed_truncations(text):
            yield from _with_error_list_fixed(candidate)


def decode_reply(raw: bytes) -> JsonObject:
    """Return the JSON object in ``raw``, repairing known firmware defects if needed.

    Raises WhatsminerInvalidReplyError when no repair yields a JSON object. The error
    says what was wrong and how long the reply was, never what it said: ``raw`` may be
    decrypted plaintext, and a peer that echoes our own ciphertext makes that our
    token sign.
    """
    text = raw.rstrip(b"\0 \t\r\n").decode("utf-8", errors="replace")
    parsed = _load(text)
    if parsed is None:
        repaired = _harmless_repairs(text)
        parsed = _load(repaired)
        candidates = iter(_invasive_repairs(repaired))
        while parsed is None and (candidate := next(candidates, None)) is not None:
            parsed = _load(candidate)
    if parsed is None:
        raise WhatsminerInvalidReplyError(f"reply is not JSON ({len(raw)} bytes)")
    if not isinstance(parsed, dict):
        raise WhatsminerInvalidReplyError(f"reply is not a JSON object ({len(raw)} bytes)")
    return parsed


def _code(value: object) -> int | None:
    """Return a STATUS ``Code`` as an int; firmware sends ints, tolerate strings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _CODE_TEXT.fullmatch(value.strip()):
        return int(value)
    return None


def _miner_message(value: object) -> str:
    """Return the miner's ``Msg`` text, cleaned and cut to a length an error text can hold."""
    cleaned = values.text(value) if isinstance(value, str) else None
    return (cleaned or "")[:_MESSAGE_MAX_CHARS]


def _check_entry(entry: JsonObject, *, encrypted: bool) -> None:
    """Raise the typed error that a STATUS object describes; return if it is a success.

    A ``STATUS`` that is no string is a shape no firmware sends: the reply is invalid.
    """
    state = entry.get("STATUS")
    if not isinstance(state, str):
        raise WhatsminerInvalidReplyError("reply has a STATUS that is not a string")
    code = _code(entry.get("Code"))
    message = _miner_message(entry.get("Msg"))
    if code == CODE_TOKEN_LIMIT or message.lower() == MSG_OVER_MAX_CONNECT:
        raise WhatsminerTokenLimitError("the miner has no tokens left for this client")
    if state in _SUCCESS_STATES:
        return
    if message.lower() == MSG_CANT_ACCESS_WRITE:
        raise WhatsminerWriteDisabledError(
            "the miner's write API is off; enable it in WhatsMinerTool"
        )
    if message.lower() == MSG_ENC_JSON_LOAD_ERR:
        raise WhatsminerAuthError("the miner could not decrypt the command: wrong password")
    if code == CODE_TOKEN_REJECTED:
        raise WhatsminerAuthError("the miner rejected the token")
    raise WhatsminerCommandRejectedError(
        message or f"STATUS {_miner_message(state)!r}", code=code, encrypted=encrypted
    )


def check_status(reply: JsonObject, *, encrypted: bool = False) -> None:
    """Raise a typed error unless ``reply`` reports success, in either reply family.

    ``encrypted`` tells that the reply came encrypted with the key derived from the
    password; a refusal then says so (:class:`WhatsminerCommandRejectedError`).
    """
    status = reply.get("STATUS")
    if isinstance(status, str):
        _check_entry(reply, encrypted=encrypted)
    elif isinstance(status, list) and status and isinstance(status[0], dict):
        _check_entry(status[0], encrypted=encrypted)
    else:
        raise WhatsminerInvalidReplyError("reply has no STATUS")


def message(reply: JsonObject) -> JsonObject:
    """Return the ``Msg`` object of a BTMiner-style reply (``get_*``, ``status``)."""
    msg = reply.get("Msg")
    if not isinstance(msg, dict):
        raise WhatsminerInvalidReplyError("reply has no Msg object")
    return msg


def rows(reply: JsonObject, names: tuple[str, ...]) -> tuple[JsonObject, ...]:
    """Return the rows of a cgminer-style reply, e.g. ``SUMMARY`` or ``DEVS``.

    ``names`` lists the keys the section is known under; junk rows are skipped.
    """
    for name in names:
        section = reply.get(name)
        if isinstance(section, list):
            return tuple(row for row in section if isinstance(row, dict))
    raise WhatsminerInvalidReplyError(f"reply has no {names[0]} list")


def split_joined(reply: JsonObject, commands: tuple[str, ...]) -> dict[str, JsonObject]:
    """Split a joined read (``{"summary": [reply], "edevs": [reply]}``) into its replies.

    A miner that cannot join answers with one STATUS for the whole request instead;
    that error is raised as it is.
    """
    if "STATUS" in reply:
        check_status(reply)
    parts: dict[str, JsonObject] = {}
    for command in commands:
        part = reply.get(command)
        if not (isinstance(part, list) and part and isinstance(part[0], dict)):
            raise WhatsminerInvalidReplyError(f"joined reply has no {command!r} part")
        parts[command] = part[0]
    return parts


def check_read(reply: JsonObject, sections: tuple[str, ...]) -> None:
    """Check a read reply: success STATUS, then its rows (cgminer style) or its Msg object."""
    check_status(reply)
    if sections:
        rows(reply, sections)
    else:
        message(reply)
