"""Property tests: whatever bytes a miner sends, only the client's typed errors escape."""

from __future__ import annotations

import base64
import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st

from custom_components.whatsminer.api import WhatsminerError
from custom_components.whatsminer.api.v2.crypto import aes_key, decrypt_reply
from custom_components.whatsminer.api.v2.models import V2Replies, build_identity, build_miner_data
from custom_components.whatsminer.api.v2.parser import check_status, decode_reply

from .fake_miner import FIXTURES

KEY = aes_key("RxmaDUO33TS7O26yeMHZ81")
PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

huge_integers = st.integers(min_value=2**1024, max_value=10**4000).flatmap(
    lambda n: st.sampled_from([n, -n])
)  # too large for a float; JSON has no limit
json_leaves = (
    st.none() | st.booleans() | st.integers() | huge_integers | st.floats() | st.text(max_size=20)
)
json_values = (
    json_leaves
    | st.lists(json_leaves, max_size=3)
    | st.dictionaries(st.text(max_size=8), json_leaves, max_size=3)
)
json_objects = st.dictionaries(st.text(max_size=12), json_values, max_size=8)
reply_fields = st.dictionaries(
    st.sampled_from(
        [
            "STATUS",
            "Code",
            "Msg",
            "HS RT",
            "MHS av",
            "Power",
            "Power_RT",
            "Power Limit",
            "power_limit_set",
            "Power Mode",
            "power_mode",
            "mineroff",
            "btmineroff",
            "Error Code 0",
            "Error 0 Time",
            "error_code",
            "vin",
            "pin",
            "fan_speed",
            "URL",
            "POOL",
            "Status",
            "ASC",
            "Chip Temp Avg",
            "Firmware Version",
            "mac",
            "MAC",
            "api_ver",
            "fw_ver",
            "ledstat",
            "upfreq_speed",
            "Model",
            "Stratum Active",
        ]
    ),
    json_values,
    max_size=10,
)
captures = [path.read_bytes() for path in sorted(FIXTURES.glob("*.json"))]


def _parse_quietly(raw: bytes) -> None:
    with contextlib.suppress(WhatsminerError):
        check_status(decode_reply(raw))


@PROPERTY_SETTINGS
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_only_raise_typed_errors(raw: bytes) -> None:
    _parse_quietly(raw)


@PROPERTY_SETTINGS
@given(st.sampled_from(captures), st.data())
def test_cut_or_corrupted_captures_only_raise_typed_errors(raw: bytes, data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(raw)))
    junk = data.draw(st.binary(max_size=8))
    _parse_quietly(raw[:cut])
    _parse_quietly(raw[:cut] + junk + raw[cut:])


@PROPERTY_SETTINGS
@given(json_objects)
def test_arbitrary_json_objects_only_raise_typed_errors(reply: dict[str, Any]) -> None:
    _parse_quietly(json.dumps(reply).encode())


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.text(max_size=64), st.binary(max_size=96).map(lambda raw: base64.b64encode(raw).decode())
    )
)
def test_decryptor_only_raises_typed_errors(data: str) -> None:
    with contextlib.suppress(WhatsminerError):
        _parse_quietly(decrypt_reply(data, KEY))


@PROPERTY_SETTINGS
@given(
    reply_fields,
    reply_fields,
    st.lists(reply_fields, max_size=3),
    reply_fields,
    st.none() | reply_fields,
)
def test_models_never_fail_on_junk_fields(
    summary: dict[str, Any],
    status: dict[str, Any],
    boards: list[dict[str, Any]],
    msg: dict[str, Any],
    optional: dict[str, Any] | None,
) -> None:
    build_miner_data(
        V2Replies(
            summary=summary,
            boards=tuple(boards),
            pools=tuple(boards),
            status=status,
            error_codes=optional,  # None: the firmware has no get_error_code
            psu=optional,
        )
    )
    with contextlib.suppress(WhatsminerError):
        build_identity(version_msg=msg, miner_info=msg, device_rows=tuple(boards), summary=summary)
