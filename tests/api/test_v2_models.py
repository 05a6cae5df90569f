"""Snapshots and identities built from captured v2 replies, and from junk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from custom_components.whatsminer.api import (
    ApiGeneration,
    ErrorCode,
    PowerMode,
    Psu,
    WhatsminerInvalidReplyError,
)
from custom_components.whatsminer.api.readings import mac_address
from custom_components.whatsminer.api.v2.models import (
    V2Replies,
    api_version,
    build_identity,
    build_miner_data,
    errors,
)
from custom_components.whatsminer.api.v2.parser import decode_reply, message, rows

from .fake_miner import FIXTURES, fixture

if TYPE_CHECKING:
    from syrupy.assertion import SnapshotAssertion

    from custom_components.whatsminer.api import Identity


def _rows(name: str, section: str) -> tuple[dict[str, Any], ...]:
    return rows(fixture(name), (section,))  # type: ignore[return-value]


def _msg(name: str) -> dict[str, Any]:
    return message(fixture(name))  # type: ignore[return-value]


def replies(**overrides: Any) -> V2Replies:
    """Return the replies of an API 2.0.5 miner (vendor examples), with overrides."""
    base: dict[str, Any] = {
        "summary": _rows("official205_summary.json", "SUMMARY")[0],
        "boards": _rows("official205_edevs.json", "DEVS"),
        "pools": _rows("official205_pools.json", "POOLS"),
        "status": _msg("asicrs-pr187_status_fw20240924.json"),
        "error_codes": _msg("asicrs_v2_get_error_code_with_errors.json"),
        "psu": _msg("official205_get_psu.json"),
    }
    return V2Replies(**(base | overrides))


def test_snapshot_of_the_vendor_examples() -> None:
    snapshot = build_miner_data(replies())

    assert snapshot.hashrate == pytest.approx(84.94136602)  # HS RT, MH/s -> TH/s
    assert snapshot.hashrate_average == pytest.approx(84.98373062)
    assert snapshot.hashrate_factory == pytest.approx(84.773)  # Factory GHS, GH/s -> TH/s
    assert snapshot.power == 3593
    assert snapshot.power_limit == 3300  # status power_limit_set wins over summary
    assert snapshot.efficiency == pytest.approx(3593 / 84.94136602)
    assert snapshot.environment_temperature == 32.0
    assert [board.index for board in snapshot.boards] == [0, 1, 2]
    board = snapshot.boards[0]
    assert board.temperature == 80.0
    assert board.hashrate == pytest.approx(10.35111056)
    assert (board.chip_temp_min, board.chip_temp_avg, board.chip_temp_max) == (80.56, 89.89, 97.0)
    assert board.frequency == 587
    assert board.effective_chips == 156
    assert board.alive is True
    assert (snapshot.chip_temp_min, snapshot.chip_temp_avg, snapshot.chip_temp_max) == (
        75.17,
        89.6,
        101.25,
    )
    assert (snapshot.fan_in, snapshot.fan_out) == (4530, 4530)
    assert snapshot.psu == Psu(
        model="P221B",
        serial="A1232B0120100049",
        firmware="V01.00.V01.03",
        fan_speed=6976,
        input_power=None,
        input_voltage=224.0,
    )
    assert snapshot.elapsed == 2648
    assert snapshot.mining is True
    assert snapshot.power_mode is PowerMode.NORMAL
    assert snapshot.fast_boot is False
    # No v2 read reports these settings: the entities remember what was written.
    assert (snapshot.upfreq_speed, snapshot.power_percent, snapshot.led_auto) == (None, None, None)
    assert (snapshot.temp_offset, snapshot.poweroff_cool, snapshot.fan_zero_speed) == (
        None,
        None,
        None,
    )
    assert len(snapshot.pools) == 1
    assert snapshot.active_pool is not None
    assert snapshot.active_pool.url == "stratum+tcp://btc.ss.poolin.com:443"
    assert snapshot.active_pool.user == "microbtinitial"
    assert snapshot.active_pool.alive is True
    assert (snapshot.accepted, snapshot.rejected) == (804, 0)
    assert snapshot.errors == (
        ErrorCode(code="218", time="2024-06-15 10:30:00"),
        ErrorCode(code="110", time="2024-06-15 09:15:00"),
    )
    assert snapshot.firmware == "20240924.14.Rel"


def test_snapshot_of_v1_api_firmware() -> None:
    snapshot = build_miner_data(
        replies(
            summary=_rows("asicrs_v1_summary_with_errors.json", "SUMMARY")[0],
            boards=_rows("asicrs_v1_devs.json", "DEVS"),
            pools=_rows("asicrs_v1_pools.json", "POOLS"),
            status=_msg("asicrs_v1_status.json"),
            error_codes=None,
            psu=_msg("asicrs_v1_get_psu.json"),
        )
    )

    assert snapshot.hashrate == pytest.approx(67.39480097)
    assert snapshot.power == 3417
    assert snapshot.power_limit == 3500  # no power_limit_set: summary "Power Limit"
    assert snapshot.mining is True  # btmineroff "false"
    assert snapshot.firmware == "20220919.15.REL"  # quotes stripped
    assert snapshot.errors == (ErrorCode(code="110", time=None), ErrorCode(code="600", time=None))
    assert snapshot.psu == Psu(
        model="P21-12-3600-E",
        serial=None,
        firmware="102220.009",
        fan_speed=9060,  # summary "Power Fanspeed"
        input_power=None,
        input_voltage=None,
    )
    assert [pool.active for pool in snapshot.pools] == [True, False, False]
    assert snapshot.boards[2].hashrate == pytest.approx(22.55473792)  # MHS 1m
    assert snapshot.boards[0].frequency == 650


def test_snapshot_of_a_liquid_cooled_m30() -> None:
    summary = _rows("pyasic-issue22_summary.json", "SUMMARY")[0]
    snapshot = build_miner_data(replies(summary=summary, boards=(), psu=None))

    assert snapshot.hashrate == pytest.approx(60.37540049)
    assert snapshot.hashrate_factory == pytest.approx(55.525)
    assert (snapshot.fan_in, snapshot.fan_out) == (0, 0)
    assert snapshot.environment_temperature == 54.44
    assert snapshot.boards == ()
    assert snapshot.psu is None


def test_snapshot_of_the_asicrs_v2_replies() -> None:
    snapshot = build_miner_data(
        replies(
            summary=_rows("asicrs_v2_summary.json", "SUMMARY")[0],
            boards=_rows("asicrs_v2_devs.json", "DEVS"),
            pools=_rows("asicrs_v2_pools.json", "POOLS"),
            status=_msg("asicrs_v2_status.json"),
            error_codes=_msg("asicrs_v2_get_error_code.json"),
            psu=_msg("asicrs_v2_get_psu.json"),
        )
    )

    assert snapshot.power_mode is PowerMode.NORMAL  # summary "Normal" before status "low"
    assert snapshot.power_limit == 3600
    assert snapshot.boards[1].hashrate == pytest.approx(41.8)  # only MHS av
    assert snapshot.boards[1].frequency == 600
    assert snapshot.errors == ()
    assert snapshot.psu is not None
    assert snapshot.psu.fan_speed == 6000


@pytest.mark.parametrize(
    "status_name",
    [
        "asicrs-pr187_status_fw20230208.json",
        "asicrs-pr187_status_fw20230803.json",
        "asicrs-pr187_status_fw20240924.json",
        "asicrs-pr187_status_fw20250214_v3device_on_4028.json",
        "asicrs-pr187_status_v1api_fw20220919.json",
        "asicrs_v1_status.json",
        "asicrs_v2_status.json",
        "pyasic-tests_status.json",
    ],
)
def test_every_captured_status_reads(status_name: str) -> None:
    status = _msg(status_name)
    summary = {"Power Limit": 3000}

    snapshot = build_miner_data(replies(summary=summary, status=status))

    assert snapshot.firmware is not None
    assert snapshot.firmware[:2] == "20"
    assert snapshot.mining is (status_name != "asicrs-pr187_status_v1api_fw20220919.json")
    limit_set = status.get("power_limit_set")
    if limit_set in {"2147483647", "99999"}:
        assert snapshot.power_limit == summary["Power Limit"]
    elif limit_set:
        assert snapshot.power_limit == int(limit_set)
    else:
        assert snapshot.power_limit == 3000


def test_junk_everywhere_becomes_none() -> None:
    fields = [
        "HS RT", "MHS av", "Factory GHS", "Power", "Power_RT", "Env Temp", "Chip Temp Min",
        "Chip Temp Avg", "Chip Temp Max", "Fan Speed In", "Fan Speed Out", "Elapsed", "Accepted",
        "Rejected", "Power Mode", "Btminer Fast Boot", "Firmware Version", "Power Limit",
        "Power Fanspeed",
    ]  # fmt: skip
    junk: dict[str, Any] = dict.fromkeys(fields, "junk")
    junk |= {"Power": -1, "Power Mode": "Turbo", "Error Code 0": None, "Error Code x": 5}
    junk_replies = replies(
        summary=junk,
        boards=({"Status": ["Alive"], "Temperature": "hot"}, {}),
        pools=({"URL": "", "POOL": 1}, {"URL": "u"}, {"URL": "v", "POOL": "2"}),
        status={"mineroff": "perhaps", "power_mode": "", "power_limit_set": "x"},
        error_codes={"error_code": "junk"},
        psu={"vin": "100", "fan_speed": None, "pin": -1},
    )
    snapshot = build_miner_data(junk_replies)

    assert snapshot.hashrate is None
    assert snapshot.hashrate_factory is None
    assert snapshot.environment_temperature is None
    assert (snapshot.fan_in, snapshot.fan_out, snapshot.elapsed) == (None, None, None)
    assert (snapshot.accepted, snapshot.rejected) == (None, None)
    assert snapshot.power is None
    assert snapshot.efficiency is None
    assert snapshot.power_limit is None
    assert snapshot.mining is None
    assert snapshot.power_mode is None
    assert snapshot.fast_boot is None
    assert snapshot.firmware == "junk"  # text is text; the caller only compares it
    assert errors(junk_replies) is None  # a garbled error list: unknown, not "no errors"
    assert [board.index for board in snapshot.boards] == [0, 1]
    assert snapshot.boards[0].alive is None
    assert snapshot.boards[0].temperature is None
    assert snapshot.chip_temp_avg is None
    assert [pool.index for pool in snapshot.pools] == [2]
    assert snapshot.pools[0].alive is None
    assert snapshot.pools[0].active is False
    assert snapshot.psu == Psu(
        model=None, serial=None, firmware=None, fan_speed=None, input_power=None, input_voltage=None
    )


def test_power_falls_back_to_power_rt_then_psu_input() -> None:
    psu = {"pin": "3573"}
    with_rt = build_miner_data(replies(summary={"Power": -1, "Power_RT": 3427}, psu=psu))
    with_psu = build_miner_data(replies(summary={"Power": -1}, psu=psu))
    stopped = build_miner_data(replies(summary={"Power": 0, "Power_RT": 12}, psu=psu))

    assert with_rt.power == 3427
    assert with_psu.power == 3573
    assert stopped.power == 0  # a real zero is kept


def test_efficiency_needs_a_hashrate() -> None:
    stopped = build_miner_data(replies(summary={"Power": 13, "HS RT": 0}))
    assert stopped.efficiency is None


@pytest.mark.parametrize(
    ("hs_rt", "hashrate", "efficiency"),
    [
        (-1, None, None),  # junk for "unknown"
        (0, 0.0, None),  # stopped
        (99_999, 0.099999, None),  # ramping up: 3000 W / 0.1 TH/s is no efficiency
        (100_000, 0.1, 30_000.0),
        (100_000_000, 100.0, 30.0),
    ],
)
def test_efficiency_waits_for_a_real_hashrate(
    hs_rt: int, hashrate: float | None, efficiency: float | None
) -> None:
    snapshot = build_miner_data(replies(summary={"Power": 3000, "HS RT": hs_rt}))

    assert snapshot.hashrate == (None if hashrate is None else pytest.approx(hashrate))
    assert snapshot.efficiency == (None if efficiency is None else pytest.approx(efficiency))


def test_power_limit_rules() -> None:
    def limit(status_value: object, summary_value: object) -> int | None:
        return build_miner_data(
            replies(
                status={"power_limit_set": status_value}, summary={"Power Limit": summary_value}
            )
        ).power_limit

    assert limit("2147483647", 3600) == 3600  # none set: the model's default is in force
    assert limit("2147483647", 0) is None
    assert limit("99999", 3600) == 3600  # 99999 removed the limit
    assert limit("99999", "0") is None
    assert limit("99998", 3600) == 99998
    assert limit("3300", 3600) == 3300
    assert limit("", 3600) == 3600
    assert limit("0", 3600) == 3600
    assert limit("", 0) is None
    assert limit(None, None) is None


def test_power_mode_from_status_when_summary_lacks_it() -> None:
    snapshot = build_miner_data(replies(summary={}, status={"power_mode": "high"}))
    assert snapshot.power_mode is PowerMode.HIGH


def test_chip_temperatures_come_from_the_boards_when_summary_lacks_them() -> None:
    snapshot = build_miner_data(replies(summary={}))

    assert snapshot.chip_temp_min == 77.94
    assert snapshot.chip_temp_avg == pytest.approx(89.68)
    assert snapshot.chip_temp_max == 97.44


def test_mining_is_false_while_mineroff() -> None:
    snapshot = build_miner_data(replies(status={"mineroff": "true"}))
    assert snapshot.mining is False


@pytest.mark.parametrize(("raw", "expected"), [(0, False), (1, True), ("1", True), (None, None)])
def test_upfreq_complete_reads_the_summary_flag(raw: object, expected: bool | None) -> None:
    summary = _rows("official205_summary.json", "SUMMARY")[0] | {"Upfreq Complete": raw}
    assert build_miner_data(replies(summary=summary)).upfreq_complete is expected


def test_psu_voltage_outside_mains_range_is_unknown() -> None:
    snapshot = build_miner_data(replies(psu={"vin": "231.5", "name": "P221B"}))

    assert snapshot.psu is not None
    assert snapshot.psu.input_voltage is None
    assert snapshot.psu.model == "P221B"


def test_error_code_forms() -> None:
    def listed(error_code: object) -> tuple[ErrorCode, ...] | None:
        return errors(replies(error_codes={"error_code": error_code}))

    repaired = decode_reply((FIXTURES / "official205_get_error_code.malformed.txt").read_bytes())
    assert listed(message(repaired)["error_code"]) == (
        ErrorCode(code="329", time="2022-01-17 11:28:11"),
    )
    assert listed([110, "600", {"218": "t", "": "x"}, None, 1.5]) == (
        ErrorCode(code="110", time=None),
        ErrorCode(code="600", time=None),
        ErrorCode(code="218", time="t"),
    )
    assert listed([]) == ()


@pytest.mark.parametrize(
    "error_code",
    [None, "junk", 5, True, [None, [1], {"": "t"}], {"": "t", "''": None}],
    ids=["null", "text", "number", "bool", "only-junk-items", "only-junk-codes"],
)
def test_a_garbled_error_list_leaves_the_errors_unknown(error_code: object) -> None:
    assert errors(replies(error_codes={"error_code": error_code})) is None
    assert errors(replies(error_codes={})) is None  # no list at all


def test_firmware_without_get_error_code_has_its_errors_in_summary() -> None:
    assert errors(replies(error_codes=None)) == ()


SUMMARY_ERRORS: dict[str, Any] = {"Error Code Count": 1, "Error Code 0": 531}
LISTED_ERRORS: dict[str, Any] = {"error_code": [{"218": "2024-06-15 10:30:00"}]}


@pytest.mark.parametrize(
    ("summary", "error_codes", "expected"),
    [
        ({}, LISTED_ERRORS, [("218", "2024-06-15 10:30:00")]),
        (SUMMARY_ERRORS, LISTED_ERRORS, [("218", "2024-06-15 10:30:00")]),  # the list wins
        (SUMMARY_ERRORS, {"error_code": []}, [("531", None)]),  # an empty list: summary's
        (SUMMARY_ERRORS, {"error_code": "junk?"}, [("531", None)]),  # summary's over unknown
        (SUMMARY_ERRORS, {}, [("531", None)]),
        (SUMMARY_ERRORS, None, [("531", None)]),  # no get_error_code (API before 2.0.4)
        ({}, {"error_code": []}, []),
        ({}, None, []),
    ],
    ids=[
        "listed",
        "listed-wins",
        "empty-list",
        "junk-list",
        "no-list",
        "no-read",
        "none-anywhere",
        "nothing-read",
    ],
)
def test_errors_are_the_listed_ones_else_those_in_summary(
    summary: dict[str, Any],
    error_codes: dict[str, Any] | None,
    expected: list[tuple[str, str | None]],
) -> None:
    snapshot = build_miner_data(replies(summary=summary, error_codes=error_codes))

    assert snapshot.errors == tuple(ErrorCode(code=code, time=time) for code, time in expected)


def test_summary_errors_with_times_in_index_order() -> None:
    summary = {
        "Error Code Count": 3,
        "Error Code 10": 531,
        "Error Code 2": 110,
        "Error 2 Time": "2024-01-01 00:00:00",
        "Error Code 3": "",
    }
    snapshot = build_miner_data(replies(summary=summary, error_codes=None))

    assert snapshot.errors == (
        ErrorCode(code="110", time="2024-01-01 00:00:00"),
        ErrorCode(code="531", time=None),
    )


def identity_of_api_2_0_5() -> Identity:
    return build_identity(
        version_msg=_msg("asicrs_v2_get_version.json"),
        miner_info=_msg("official205_get_miner_info.json") | {"minersn": "HTM1", "hostname": "wm"},
        device_rows=_rows("official205_devdetails.json", "DEVDETAILS"),
        summary=None,
    )


POLLS = {
    "vendor_examples": replies(),
    "mining_off": replies(status=_msg("asicrs-pr187_status_v1api_fw20220919.json")),
    "without_optional_reads": replies(error_codes=None, psu=None),
}


@pytest.mark.parametrize("poll", POLLS)
def test_miner_data_from_captures(poll: str, snapshot: SnapshotAssertion) -> None:
    assert build_miner_data(POLLS[poll]) == snapshot


def test_identity_from_captures(snapshot: SnapshotAssertion) -> None:
    assert identity_of_api_2_0_5() == snapshot


def test_identity_of_api_2_0_5_firmware() -> None:
    identity = identity_of_api_2_0_5()

    assert identity.mac == "C6:07:20:00:1E:C2"
    assert identity.hostname == "wm"
    assert identity.model == "M30S+VE40"
    assert identity.firmware == "20230803.11.REL"
    assert identity.api_version == "2.0.5"
    assert identity.api_generation is ApiGeneration.V2
    assert identity.serial == "HTM1"
    assert (identity.counts_shares, identity.upfreq_speed_max) == (True, 9)


def test_identity_of_v1_firmware_takes_the_mac_from_summary() -> None:
    identity = build_identity(
        version_msg=_msg("asicrs_v1_get_version.json"),
        miner_info=None,
        device_rows=(),
        summary=_rows("asicrs_v1_summary.json", "SUMMARY")[0],
    )

    assert identity.mac == "C4:08:28:00:A4:19"
    assert identity.api_version == "1.4.0"
    assert identity.firmware == "20210322.22.REL"
    assert (identity.hostname, identity.model, identity.serial) == (None, None, None)


def test_identity_without_any_mac_is_invalid() -> None:
    with pytest.raises(WhatsminerInvalidReplyError, match="no MAC"):
        build_identity(
            version_msg=None, miner_info={"mac": "junk"}, device_rows=(), summary={"MAC": None}
        )


def test_identity_helpers() -> None:
    assert mac_address("c4-08-28-00-a4-19") == "C4:08:28:00:A4:19"
    assert mac_address("C4:08:28:00:A4") is None
    assert mac_address(None) is None
    assert api_version({"api_ver": "whatsminer v"}) is None
    assert api_version({"api_ver": None}) is None
    assert api_version(None) is None


def test_minus_one_for_unknown_is_none_for_every_quantity_that_cannot_be_negative() -> None:
    unknown: dict[str, Any] = dict.fromkeys(
        [
            "HS RT", "MHS 1m", "MHS 5s", "MHS av", "Factory GHS", "Power", "Power_RT",
            "Fan Speed In", "Fan Speed Out", "Elapsed", "Accepted", "Rejected",
            "Power Fanspeed", "Chip Frequency", "Frequency", "Effective Chips", "ASC",
        ],
        -1,
    )  # fmt: skip
    snapshot = build_miner_data(
        replies(
            summary=unknown | {"Env Temp": -12.5, "Chip Temp Min": "-3"},
            boards=(unknown | {"Temperature": -5}, unknown | {"Slot": "-2"}),
            pools=(unknown | {"URL": "u", "POOL": 1}, {"URL": "v", "POOL": -1}),
            psu={"fan_speed": "-1", "pin": "-1", "vin": "-22400"},
        )
    )

    assert (snapshot.hashrate, snapshot.hashrate_average, snapshot.hashrate_factory) == (
        None,
        None,
        None,
    )
    assert (snapshot.power, snapshot.efficiency) == (None, None)
    assert (snapshot.fan_in, snapshot.fan_out, snapshot.elapsed) == (None, None, None)
    assert (snapshot.accepted, snapshot.rejected) == (None, None)
    assert [board.index for board in snapshot.boards] == [0, 1]  # their position instead
    for board in snapshot.boards:
        assert (board.hashrate, board.frequency, board.effective_chips) == (None, None, None)
    assert [(pool.index, pool.accepted, pool.rejected) for pool in snapshot.pools] == [
        (1, None, None)
    ]
    assert snapshot.psu is not None
    assert (snapshot.psu.fan_speed, snapshot.psu.input_power) == (None, None)
    assert snapshot.psu.input_voltage is None
    # Temperatures may be below zero.
    assert (snapshot.environment_temperature, snapshot.chip_temp_min) == (-12.5, -3.0)
    assert snapshot.boards[0].temperature == -5


def test_an_unknown_hashrate_window_gives_way_to_the_next() -> None:
    snapshot = build_miner_data(replies(summary={"HS RT": -1, "MHS 1m": 120e6}))

    assert snapshot.hashrate == 120.0


def test_huge_numbers_are_junk_and_nothing_overflows() -> None:
    huge: dict[str, Any] = {"Chip Temp Avg": 1e308, "Temperature": 1e308, "MHS av": 1e308}
    snapshot = build_miner_data(
        replies(summary={"Power": 1.7e308, "HS RT": 1e-300}, boards=(huge, huge, huge))
    )

    assert snapshot.chip_temp_avg is None
    assert snapshot.power is None
    assert {board.temperature for board in snapshot.boards} == {None}
    assert {board.hashrate for board in snapshot.boards} == {None}


def test_lone_surrogates_never_reach_the_identity() -> None:
    identity = build_identity(
        version_msg={"fw_ver": "2024\ud800", "api_ver": "2.0.5\udfff"},
        miner_info={"mac": "C4:08:28:00:A4:19", "hostname": "\ud800", "minersn": "S\udc00N"},
        device_rows=({"Model": "M50\ud83d"},),
        summary=None,
    )

    for text in (identity.hostname, identity.model, identity.firmware, identity.serial):
        assert text is not None
        assert "\ufffd" in text
        text.encode("utf-8")
    assert identity.api_version == "2.0.5\ufffd"
