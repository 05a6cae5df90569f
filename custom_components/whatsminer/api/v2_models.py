"""Build the models from API v2 replies (PROTOCOL.md §3.10: where each field comes from).

v2 reports hashrates in MH/s (``Factory GHS`` in GH/s); models hold TH/s. Anything
missing or junk becomes None: firmware differ in which fields they send and how.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from statistics import fmean
from typing import TYPE_CHECKING, Final

from . import values
from .errors import WhatsminerInvalidReplyError
from .models import ApiGeneration, Board, ErrorCode, Identity, MinerData, Pool, PowerMode, Psu

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from .parser import JsonObject

MH_PER_TH: Final = 1_000_000
GH_PER_TH: Final = 1_000
NO_POWER_LIMIT_FROM: Final = 99_999
"""``power_limit_set`` from here up means no limit is set: ``adjust_power_limit`` 99999
removes the limit, and firmware reports INT_MAX (2147483647) when none was ever set."""
MIN_EFFICIENCY_HASHRATE: Final = 0.1
"""TH/s below which efficiency is None. While btminer ramps up (or winds down) the boards
draw kilowatts for a fraction of a TH/s, and power / hashrate would report thousands of
J/TH: true for that minute, but it would swamp the efficiency history."""

_HASHRATE_NOW_KEYS: Final = ("HS RT", "MHS 1m", "MHS 5s", "MHS av")
_BOARD_FREQUENCY_KEYS: Final = ("Chip Frequency", "Frequency")
_PSU_VOLTS_PER_UNIT: Final = 0.01  # get_psu "vin" "22400" reads as 224.00 V
_PLAUSIBLE_MAINS_VOLTS: Final = (80.0, 320.0)
_API_VERSION_PREFIX: Final = re.compile(r"^\s*whatsminer\s+v", re.IGNORECASE)
_MAC: Final = re.compile(r"[0-9A-F]{2}(?::[0-9A-F]{2}){5}")
_SUMMARY_ERROR_CODE: Final = re.compile(r"Error Code (\d{1,4})")
_UPFREQ_SPEEDS: Final = range(10)  # 0 (normal) to 9 (fastest)


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Replies:
    """The replies one v2 poll gathered, already checked and cut down to their data.

    ``error_codes`` and ``psu`` are None when the firmware has no such command. The
    LED and ramp-up settings have no read in the poll; the client passes what it last
    learned from ``get_miner_info`` or a confirmed write.
    """

    summary: JsonObject  # SUMMARY[0]
    boards: tuple[JsonObject, ...]  # edevs/devs rows
    pools: tuple[JsonObject, ...]  # POOLS rows
    status: JsonObject  # status Msg
    error_codes: JsonObject | None  # get_error_code Msg
    psu: JsonObject | None  # get_psu Msg
    led_auto: bool | None
    upfreq_speed: int | None


def _th(value: float | None, per_th: int) -> float | None:
    """Convert a hashrate to TH/s."""
    return None if value is None else value / per_th


def _non_negative(value: float | None) -> float | None:
    """Drop the negative numbers firmware sends for "unknown" (``Power: -1``)."""
    return value if value is not None and value >= 0 else None


def _board(position: int, row: JsonObject) -> Board:
    """Build one hashboard from an ``edevs``/``devs`` row."""
    index = next(
        (i for key in ("ASC", "Slot", "ID") if (i := values.integer(row.get(key))) is not None),
        position,
    )
    status = values.text(row.get("Status"))
    return Board(
        index=index,
        temperature=values.number(row.get("Temperature")),
        hashrate=_th(values.first_number(row, _HASHRATE_NOW_KEYS), MH_PER_TH),
        chip_temp_min=values.number(row.get("Chip Temp Min")),
        chip_temp_avg=values.number(row.get("Chip Temp Avg")),
        chip_temp_max=values.number(row.get("Chip Temp Max")),
        frequency=values.first_number(row, _BOARD_FREQUENCY_KEYS),
        effective_chips=values.integer(row.get("Effective Chips")),
        alive=None if status is None else status.lower() == "alive",
    )


def _pool(row: JsonObject) -> Pool | None:
    """Build one pool from a ``pools`` row; rows without a URL are empty slots."""
    url = values.text(row.get("URL"))
    index = values.integer(row.get("POOL"))
    if url is None or index is None:
        return None
    status = values.text(row.get("Status"))
    return Pool(
        index=index,
        url=url,
        user=values.text(row.get("User")),
        alive=None if status is None else status.lower() == "alive",
        active=values.boolean(row.get("Stratum Active")) is True,
        accepted=values.integer(row.get("Accepted")),
        rejected=values.integer(row.get("Rejected")),
    )


def _psu(psu: JsonObject | None, summary: JsonObject) -> Psu | None:
    """Build the PSU from ``get_psu`` (all strings), or the old summary's PSU fan."""
    summary_fan = values.integer(summary.get("Power Fanspeed"))
    if psu is None:
        if summary_fan is None:
            return None
        psu = {}
    raw_volts = values.number(psu.get("vin"))
    volts = None if raw_volts is None else round(raw_volts * _PSU_VOLTS_PER_UNIT, 2)
    low, high = _PLAUSIBLE_MAINS_VOLTS
    return Psu(
        model=values.text(psu.get("model")) or values.text(psu.get("name")),
        serial=values.text(psu.get("serial_no")),
        firmware=values.text(psu.get("sw_version")),
        fan_speed=_first_known(values.integer(psu.get("fan_speed")), summary_fan),
        input_power=_non_negative(values.number(psu.get("pin"))),
        input_voltage=volts if volts is not None and low <= volts <= high else None,
    )


def _listed_errors(listed: object) -> tuple[ErrorCode, ...]:
    """Read ``get_error_code``: a list of ``{code: time}`` objects or bare codes.

    The repaired API 2.0.4 form is one object holding every code.
    """
    items: list[object] = listed if isinstance(listed, list) else [listed]
    pairs: list[tuple[object, object]] = []
    for item in items:
        if isinstance(item, dict):
            pairs.extend(item.items())
        else:
            pairs.append((item, None))
    return tuple(
        ErrorCode(code=code, time=values.text(time))
        for raw_code, time in pairs
        if (code := values.text(raw_code)) is not None
    )


def _summary_errors(summary: JsonObject) -> tuple[ErrorCode, ...]:
    """Read the ``Error Code N`` / ``Error N Time`` fields of older firmware's summary."""
    numbered = sorted(
        int(match.group(1))
        for key in summary
        if (match := _SUMMARY_ERROR_CODE.fullmatch(key)) is not None
    )
    return tuple(
        ErrorCode(code=code, time=values.text(summary.get(f"Error {n} Time")))
        for n in numbered
        if (code := values.text(summary.get(f"Error Code {n}"))) is not None
    )


def _power_limit(status: JsonObject, summary: JsonObject) -> int | None:
    """Read the power limit in force.

    ``status`` reports the limit the user set, or 99999 or INT_MAX when none is set; the
    miner then runs at its model's default, which summary ``"Power Limit"`` shows (0
    while stopped, which means unknown here).
    """
    limit = values.integer(status.get("power_limit_set"))
    if limit is not None and 0 < limit < NO_POWER_LIMIT_FROM:
        return limit
    fallback = values.integer(summary.get("Power Limit"))
    return fallback if fallback is not None and fallback > 0 else None


def _power_mode(summary: JsonObject, status: JsonObject) -> PowerMode | None:
    """Read the power mode: summary ``"Normal"``, or status ``"normal"`` (``""`` = unknown)."""
    for raw in (summary.get("Power Mode"), status.get("power_mode")):
        name = values.text(raw)
        if name is not None and name.lower() in PowerMode:
            return PowerMode(name.lower())
    return None


def _mining(status: JsonObject) -> bool | None:
    """Read whether the miner hashes: ``mineroff`` (v1 firmware: ``btmineroff``) is inverted."""
    raw = status.get("mineroff", status.get("btmineroff"))
    off = values.flag(raw, true="true", false="false")
    return None if off is None else not off


def _first_known[T](*candidates: T | None) -> T | None:
    """Return the first candidate that is not None (``or`` would skip a real zero)."""
    return next((candidate for candidate in candidates if candidate is not None), None)


def _efficiency(power: float | None, hashrate: float | None) -> float | None:
    """Return J/TH, or None when either is unknown or hashing has barely begun."""
    if power is None or hashrate is None or hashrate < MIN_EFFICIENCY_HASHRATE:
        return None
    return power / hashrate


def _mean(temperatures: list[float]) -> float:
    """Average board temperatures the way the firmware rounds them."""
    return round(fmean(temperatures), 2)


def _chip_temperature(
    summary_value: object,
    board_values: Iterable[float | None],
    combine: Callable[[list[float]], float],
) -> float | None:
    """Prefer the summary's chip temperature, else combine the boards' ones."""
    known = [value for value in board_values if value is not None]
    return _first_known(values.number(summary_value), combine(known) if known else None)


def build_miner_data(replies: V2Replies) -> MinerData:
    """Build the snapshot of one v2 poll."""
    summary, status = replies.summary, replies.status
    boards = tuple(_board(position, row) for position, row in enumerate(replies.boards))
    psu = _psu(replies.psu, summary)
    hashrate = _non_negative(_th(values.first_number(summary, _HASHRATE_NOW_KEYS), MH_PER_TH))
    power = _first_known(
        _non_negative(values.number(summary.get("Power"))),
        _non_negative(values.number(summary.get("Power_RT"))),
        psu.input_power if psu else None,
    )
    firmware = _first_known(
        values.text(status.get("FirmwareVersion")),
        values.text(status.get("Firmware Version")),
        values.text(summary.get("Firmware Version")),
    )
    return MinerData(
        hashrate=hashrate,
        hashrate_average=_th(values.number(summary.get("MHS av")), MH_PER_TH),
        hashrate_factory=_th(values.number(summary.get("Factory GHS")), GH_PER_TH),
        power=power,
        power_limit=_power_limit(status, summary),
        efficiency=_efficiency(power, hashrate),
        environment_temperature=values.number(summary.get("Env Temp")),
        boards=boards,
        chip_temp_min=_chip_temperature(
            summary.get("Chip Temp Min"), (board.chip_temp_min for board in boards), min
        ),
        chip_temp_avg=_chip_temperature(
            summary.get("Chip Temp Avg"), (board.chip_temp_avg for board in boards), _mean
        ),
        chip_temp_max=_chip_temperature(
            summary.get("Chip Temp Max"), (board.chip_temp_max for board in boards), max
        ),
        fan_in=values.integer(summary.get("Fan Speed In")),
        fan_out=values.integer(summary.get("Fan Speed Out")),
        psu=psu,
        elapsed=values.integer(summary.get("Elapsed")),
        mining=_mining(status),
        power_mode=_power_mode(summary, status),
        fast_boot=values.flag(summary.get("Btminer Fast Boot"), true="enable", false="disable"),
        upfreq_speed=replies.upfreq_speed,
        power_percent=None,
        temp_offset=None,
        poweroff_cool=None,
        fan_zero_speed=None,
        led_auto=replies.led_auto,
        pools=tuple(pool for row in replies.pools if (pool := _pool(row)) is not None),
        accepted=values.integer(summary.get("Accepted")),
        rejected=values.integer(summary.get("Rejected")),
        errors=_listed_errors(replies.error_codes.get("error_code"))
        if replies.error_codes is not None
        else _summary_errors(summary),
        firmware=firmware,
    )


def mac_address(value: object) -> str | None:
    """Return a MAC address upper-cased and colon-separated, or None if it is not one."""
    cleaned = values.text(value)
    if cleaned is None:
        return None
    normalised = cleaned.upper().replace("-", ":")
    return normalised if _MAC.fullmatch(normalised) else None


def api_version(version_msg: JsonObject | None) -> str | None:
    """Return ``get_version``'s ``api_ver`` without the v1 prefix ``"whatsminer v"``."""
    raw = values.text(version_msg.get("api_ver")) if version_msg else None
    return values.text(_API_VERSION_PREFIX.sub("", raw)) if raw else None


def led_auto(miner_info: JsonObject | None) -> bool | None:
    """Read ``get_miner_info``'s ``ledstat``: ``"auto"`` or a manual pattern."""
    ledstat = values.text(miner_info.get("ledstat")) if miner_info else None
    return None if ledstat is None else ledstat.lower() == "auto"


def upfreq_speed(miner_info: JsonObject | None) -> int | None:
    """Read ``upfreq_speed``, which only some firmware add to ``get_miner_info``."""
    speed = values.integer(miner_info.get("upfreq_speed")) if miner_info else None
    return speed if speed in _UPFREQ_SPEEDS else None


def build_identity(
    *,
    version_msg: JsonObject | None,
    miner_info: JsonObject | None,
    device_rows: tuple[JsonObject, ...],
    summary: JsonObject | None,
) -> Identity:
    """Build the identity from ``get_version``, ``get_miner_info`` and ``devdetails``.

    ``summary`` supplies the MAC on old firmware whose ``get_miner_info`` lacks it.
    Raises WhatsminerInvalidReplyError when no reply carries a MAC address: the MAC is
    what tells miners apart.
    """
    mac = mac_address(miner_info.get("mac") if miner_info else None) or mac_address(
        summary.get("MAC") if summary else None
    )
    if mac is None:
        raise WhatsminerInvalidReplyError("the miner reports no MAC address")
    return Identity(
        mac=mac,
        hostname=values.text(miner_info.get("hostname")) if miner_info else None,
        model=values.text(device_rows[0].get("Model")) if device_rows else None,
        firmware=values.text(version_msg.get("fw_ver")) if version_msg else None,
        api_version=api_version(version_msg),
        api_generation=ApiGeneration.V2,
        serial=values.text(miner_info.get("minersn")) if miner_info else None,
    )
