"""Serialising v2 replies, with the malformations old firmware puts on the wire.

Clients repair these (PROTOCOL.md §1.4), so a miner with quirks switched on exercises the
repair paths: a trailing NUL, a `,}` before the final brace, and API 2.0.4's
`"error_code":["329":"…"]` (a dict written with list brackets). The quoted firmware version
is a value, not syntax, so `v2_reads.summary` applies that one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .profiles import QUIRK_BRACKET_ERROR_CODE, QUIRK_TRAILING_COMMA, QUIRK_TRAILING_NUL

_ERROR_CODE_LIST = re.compile(r'"error_code":\[(.*?)\]')


def _bracket_dict(match: re.Match[str]) -> str:
    items = match.group(1).replace("{", "").replace("}", "")
    return f'"error_code":[{items}]'


def to_json(reply: dict[str, Any]) -> str:
    """Compact JSON, as the firmware writes it."""
    return json.dumps(reply, separators=(",", ":"))


def render_plaintext(reply: dict[str, Any], quirks: frozenset[str]) -> bytes:
    """Return the bytes of a plaintext v2 reply with the miner's quirks applied."""
    text = to_json(reply)
    if QUIRK_BRACKET_ERROR_CODE in quirks:
        text = _ERROR_CODE_LIST.sub(_bracket_dict, text)
    if QUIRK_TRAILING_COMMA in quirks:
        text = text[:-1] + ",}"
    data = text.encode()
    if QUIRK_TRAILING_NUL in quirks:
        data += b"\x00"
    return data
