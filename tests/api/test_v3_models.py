"""Models from real API v3 replies: snapshots, field rules and junk-tolerance properties."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, assume, given, settings, strategies as st
import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    ErrorCode,
    PowerMode,
    WhatsminerError,
    WhatsminerInvalidReplyError,
)
from custom_components.whatsminer.api.v3.models import build_identity, build_miner_data, errors

from .fake_miner import FIXTURES
from .mutations import check_model, mutate

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

type Json = dict[str, Any]


def msg(name: str) -> Json:
    """Load the ``msg`` of one captured v3 reply."""
    loaded: Json = json.loads((FIXTURES / name).read_text())["msg"]
    return loaded


def status_msg() -> Json:
    """Join the three captured ``get.miner.status`` parts, as ``summary+pools+edevs`` does."""
    return {
        **msg("asicrs_v3_get_miner_status_summary.json"),
        **msg("asicrs_v3_get_miner_status_pools.json"),
        **msg("asicrs_v3_get_miner_status_edevs.json"),
    }


def replies(capture: str = "asicrs_v3_get_device_info.json", **overrides: Any) -> Json:
    """Return the five inputs of one poll, from the captures; keyword arguments replace some."""
    return {
        "status": status_msg(),
        "device_info": msg(capture),
        "miner_setting": msg("matroskin-apidoc_get.miner.setting.json"),
        "fan_setting": msg("matroskin-apidoc_get.fan.setting.json"),
        "system_setting": msg("matroskin-apidoc_get.system.setting.json"),
        **overrides,
    }


def down_device_info() -> Json:
    info = msg("matroskin_get.device.info.json")
    info["error-code"] = "btminer process is down err"
    info["miner"]["working"] = "false"
    return info


POLLS = {
    "asicrs": replies(),
    "asicrs_with_errors": replies("asicrs_v3_get_device_info_with_errors.json"),
    "matroskin": replies("matroskin_get.device.info.json"),
    "without_settings": replies(miner_setting=None, fan_setting=None, system_setting=None),
    "btminer_down": replies(status=None, device_info=down_device_info()),
}
DEVICE_INFOS = ("asicrs_v3_get_device_info.json", "asicrs_v3_get_device_info_with_errors.json")


@pytest.mark.parametrize("poll", POLLS)
def test_miner_data_from_captures(poll: str, snapshot: SnapshotAssertion) -> None:
    assert build_miner_data(**POLLS[poll]) == snapshot


@pytest.mark.parametrize("device_info", DEVICE_INFOS)
def test_identity_from_captures(device_info: str, snapshot: SnapshotAssertion) -> None:
    assert build_identity(msg(device_info)) == snapshot


def test_identity_fields() -> None:
    identity = build_identity(msg("asicrs_v3_get_device_info.json"))

    assert identity.mac == "CE:02:01:00:8C:36"
    assert identity.model == "M60S_VK40"
    assert identity.firmware == "20251209.16.Rel2"
    assert identity.api_version == "3.0.2"
    assert identity.api_generation is ApiGeneration.V3
    assert identity.serial == "BTM3CS40HD24083100000000000000000"


def test_identity_mac_is_upper_case() -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["network"]["mac"] = "ce:02:01:00:8c:36"

    assert build_identity(info).mac == "CE:02:01:00:8C:36"


@pytest.mark.parametrize(
    "network", [{}, {"mac": "**:**:**:**:**:**"}, {"mac": None}, "WhatsMiner", None]
)
def test_identity_without_a_mac_is_invalid(network: object) -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["network"] = network

    with pytest.raises(WhatsminerInvalidReplyError, match="no MAC address"):
        build_identity(info)


def test_poll_fields_and_units() -> None:
    data = build_miner_data(**replies())

    assert data.hashrate == 171.259  # TH/s as v3 reports them
    assert data.hashrate_average == 170.8
    assert data.hashrate_factory == 181.051
    assert data.power == 3156.0
    assert data.power_limit == 3500  # from get.miner.setting
    assert data.efficiency == pytest.approx(3156.0 / 171.259)
    assert [board.temperature for board in data.boards] == [41.1, 40.1, 41.5]
    assert [board.index for board in data.boards] == [0, 1, 2]
    assert data.mining is True
    assert data.power_mode is PowerMode.NORMAL
    assert (data.fast_boot, data.upfreq_speed, data.power_percent) == (False, 0, 0)
    assert (data.temp_offset, data.poweroff_cool, data.fan_zero_speed) == (-10, True, False)
    assert data.led_auto is True
    assert [pool.index for pool in data.pools] == [1, 2, 3]  # no ids: counted from 1
    assert data.active_pool is not None
    assert data.active_pool.url == "stratum+tcp://btc.example.pool:3333"
    assert (data.accepted, data.rejected) == (None, None)
    assert data.psu is not None
    assert data.psu.fan_speed == 6344
    assert data.firmware == "20251209.16.Rel2"


def test_errors_keep_code_time_and_reason() -> None:
    data = build_miner_data(**replies("asicrs_v3_get_device_info_with_errors.json"))

    assert data.errors[0] == ErrorCode(
        code="264",
        time="2026-05-23 09:19:10",
        reason="Power xfer error. code: 0xffffffffc0000000",
    )
    assert len(data.errors) == 5


def test_bare_error_codes_and_junk_items() -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["error-code"] = ["329", 541, None, {"reason": "no code"}, {"": "2026-01-01"}]

    errors = build_miner_data(**replies(device_info=info)).errors

    assert errors == (ErrorCode(code="329", time=None), ErrorCode(code="541", time=None))


@pytest.mark.parametrize(
    "error_code",
    [None, {"329": "t"}, 329, "junk", [None, [], {"reason": "no code"}]],
    ids=["null", "object", "number", "text", "only-junk"],
)
def test_a_garbled_error_list_leaves_the_errors_unknown(error_code: object) -> None:
    info = msg("asicrs_v3_get_device_info.json")

    assert errors(info | {"error-code": error_code}) is None
    assert "error-code" not in info  # what firmware sends when there are none
    assert errors(info) == ()
    assert errors(info | {"error-code": []}) == ()
    assert errors(info | {"error-code": "btminer process is down err"}) == ()


@pytest.mark.parametrize(("raw", "expected"), [(0, False), (1, True), ("0", False), (None, None)])
def test_upfreq_complete_reads_up_freq_finish(raw: object, expected: bool | None) -> None:
    status = status_msg()
    status["summary"] = status["summary"] | {"up-freq-finish": raw}
    assert build_miner_data(**replies(status=status)).upfreq_complete is expected


def test_btminer_down_is_a_miner_that_does_not_hash() -> None:
    data = build_miner_data(**replies(status=None))

    assert data.mining is False
    assert data.hashrate == 0.0
    assert data.efficiency is None
    assert data.boards == ()
    assert data.pools == ()
    assert data.upfreq_complete is None
    assert data.psu is not None  # get.device.info still reports the PSU


def test_btminer_down_in_error_code_means_not_mining_without_an_error_entry() -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["error-code"] = "btminer process is down err"

    data = build_miner_data(**replies(device_info=info))

    assert data.mining is False
    assert data.errors == ()


def test_settings_fall_back_to_device_info_and_summary() -> None:
    info = msg("matroskin_get.device.info.json")
    info["miner"] |= {"fast-boot": "enable", "UpfreqSpeed": "7", "power-limit-set": "3300"}

    data = build_miner_data(**replies(device_info=info, miner_setting=None, fan_setting=None))

    assert (data.fast_boot, data.upfreq_speed, data.power_limit) == (True, 7, 3300)
    assert data.power_mode is None
    assert (data.power_percent, data.temp_offset) == (None, None)
    assert (data.poweroff_cool, data.fan_zero_speed) == (None, None)


@pytest.mark.parametrize(
    ("setting_limit", "set_limit", "summary_limit", "expected"),
    [
        (3500, "3300", 3600, 3500),
        (99999, "3300", 3600, 3300),
        (0, "", 3600, 3600),
        (None, "2147483647", 0, None),
    ],
)
def test_power_limit_prefers_the_one_set(
    setting_limit: object, set_limit: str, summary_limit: int, expected: int | None
) -> None:
    status = status_msg()
    status["summary"]["power-limit"] = summary_limit
    info = msg("asicrs_v3_get_device_info.json")
    info["miner"]["power-limit-set"] = set_limit

    data = build_miner_data(
        **replies(status=status, device_info=info, miner_setting={"power-limit": setting_limit})
    )

    assert data.power_limit == expected


def test_power_falls_back_to_the_psu_input_power() -> None:
    status = status_msg()
    del status["summary"]["power-realtime"]
    status["summary"]["power-5min"] = -1

    data = build_miner_data(
        **replies(status=status, device_info=msg("matroskin_get.device.info.json"))
    )

    assert data.power == 3573


def test_chip_temperatures_fall_back_to_the_boards() -> None:
    status = status_msg()
    for key in ("chip-temp-min", "chip-temp-avg", "chip-temp-max"):
        del status["summary"][key]

    data = build_miner_data(**replies(status=status))

    assert (data.chip_temp_min, data.chip_temp_avg, data.chip_temp_max) == (68.0, 75.0, 82.0)


def test_boards_come_from_edevs_whatever_their_number() -> None:
    status = status_msg()
    status["edevs"] = [{"slot": 4, "status": "dead"}, "junk", {"hash-average": 1.5}]
    status["summary"]["board-temperature"] = [30.0]

    boards = build_miner_data(**replies(status=status)).boards

    assert [(b.index, b.alive, b.temperature, b.hashrate) for b in boards] == [
        (4, False, 30.0, None),
        (1, None, None, 1.5),
    ]


@pytest.mark.parametrize(
    ("fanspeed", "expected"), [(6344, 6344), (6344.4, 6344), ("6344", 6344), ("fast", None)]
)
def test_psu_fan_speed_may_be_int_float_or_text(fanspeed: object, expected: int | None) -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["power"]["fanspeed"] = fanspeed

    psu = build_miner_data(**replies(device_info=info)).psu

    assert psu is not None
    assert psu.fan_speed == expected


@pytest.mark.parametrize(("vin", "expected"), [(231.5, 231.5), (22405, None), ("x", None)])
def test_psu_voltage_must_be_mains_volts(vin: object, expected: float | None) -> None:
    info = msg("matroskin_get.device.info.json")
    info["power"]["vin"] = vin

    psu = build_miner_data(**replies(device_info=info)).psu

    assert psu is not None
    assert psu.input_voltage == expected


def test_no_power_section_means_no_psu() -> None:
    info = msg("asicrs_v3_get_device_info.json")
    del info["power"]

    assert build_miner_data(**replies(device_info=info)).psu is None


@pytest.mark.parametrize(
    ("ledstatus", "expected"), [("auto", True), ("manual", False), ("", None), (None, None)]
)
def test_led_auto_reads_ledstatus(ledstatus: object, expected: bool | None) -> None:
    info = msg("asicrs_v3_get_device_info.json")
    info["system"]["ledstatus"] = ledstatus

    assert build_miner_data(**replies(device_info=info)).led_auto is expected


@pytest.mark.parametrize(
    ("fan_setting", "expected"),
    [
        (
            {"fan-poweroff-cool": True, "fan-zero-speed": "1", "fan-temp-offset": -30},
            (True, True, -30),
        ),
        ({"fan-poweroff-cool": 2, "fan-zero-speed": "x", "fan-temp-offset": 5}, (None, None, None)),
    ],
)
def test_fan_settings(fan_setting: Json, expected: tuple[object, ...]) -> None:
    data = build_miner_data(**replies(fan_setting=fan_setting))

    assert (data.poweroff_cool, data.fan_zero_speed, data.temp_offset) == expected


@pytest.mark.parametrize(
    ("miner_setting", "expected"),
    [
        (
            {"power-mode": "High", "upfreq-speed": 10, "power-percent": 100},
            (PowerMode.HIGH, 10, 100),
        ),
        ({"power-mode": "eco", "upfreq-speed": 11, "power-percent": 150}, (None, None, None)),
    ],
)
def test_miner_settings(miner_setting: Json, expected: tuple[object, ...]) -> None:
    data = build_miner_data(**replies(miner_setting=miner_setting))

    assert (data.power_mode, data.upfreq_speed, data.power_percent) == expected


def test_pools_use_their_ids_and_skip_rows_without_a_url() -> None:
    status = status_msg()
    status["pools"] = [
        {"id": 3, "url": "stratum+tcp://a:1", "status": "dead", "stratum-active": "true"},
        {"id": 4, "url": ""},
        "junk",
        {"url": "stratum+tcp://b:1"},
    ]

    pools = build_miner_data(**replies(status=status)).pools

    assert [(p.index, p.url, p.alive, p.active) for p in pools] == [
        (3, "stratum+tcp://a:1", False, True),
        (4, "stratum+tcp://b:1", None, False),
    ]


def test_missing_parts_of_a_status_leave_fields_empty() -> None:
    data = build_miner_data(**replies(status={"summary": "junk", "edevs": {}, "pools": None}))

    assert (data.hashrate, data.boards, data.pools, data.elapsed) == (None, (), (), None)


# Properties ---------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(POLLS)), st.data())
def test_mutated_captures_give_data_or_typed_errors(poll: str, data: st.DataObject) -> None:
    inputs = POLLS[poll]
    documents = {key: value for key, value in inputs.items() if value is not None}
    key = data.draw(st.sampled_from(sorted(documents)))
    mutated = {**inputs, key: mutate(documents[key], data, times=data.draw(st.integers(1, 3)))}
    assume(isinstance(mutated[key], dict))  # the client hands the models objects only

    with contextlib.suppress(WhatsminerError):
        check_model(build_miner_data(**mutated))


@PROPERTY_SETTINGS
@given(st.sampled_from(DEVICE_INFOS), st.data())
def test_mutated_device_info_gives_identity_or_typed_error(
    device_info: str, data: st.DataObject
) -> None:
    mutated = mutate(msg(device_info), data, times=data.draw(st.integers(1, 3)))
    assume(isinstance(mutated, dict))  # the client hands the models objects only

    with contextlib.suppress(WhatsminerInvalidReplyError):
        check_model(build_identity(mutated))


def test_minus_one_for_unknown_is_none_for_every_quantity_that_cannot_be_negative() -> None:
    status = status_msg()
    status["summary"] |= dict.fromkeys(
        ["hash-realtime", "hash-1min", "hash-average", "factory-hash", "power-realtime",
         "power-5min", "fan-speed-in", "fan-speed-out", "elapsed"],
        -1,
    )  # fmt: skip
    for row in status["edevs"]:
        row |= {"id": -1, "slot": "-1", "freq": -1, "effective-chips": -1, "hash-realtime": -1}
        row.pop("hash-average", None)
    status["pools"][0]["id"] = -1
    info = msg("asicrs_v3_get_device_info.json")
    info["power"] |= {"fanspeed": -1, "pin": "-1"}

    data = build_miner_data(**replies(status=status, device_info=info))

    check_model(data)
    assert (data.hashrate, data.hashrate_average, data.hashrate_factory) == (None, None, None)
    assert (data.fan_in, data.fan_out, data.elapsed, data.power) == (None, None, None, None)
    assert [board.index for board in data.boards] == list(range(len(data.boards)))
    for board in data.boards:
        assert (board.hashrate, board.frequency, board.effective_chips) == (None, None, None)
    assert data.pools[0].index == 1  # its position instead
    assert data.psu is not None
    assert (data.psu.fan_speed, data.psu.input_power) == (None, None)
