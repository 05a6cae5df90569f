"""Build the models from API v2 replies (PROTOCOL.md §3.10: where each field comes from).

v2 reports hashrates in MH/s (``Factory GHS`` in GH/s); models hold TH/s. Anything
missing or junk becomes None: firmware differ in which fields they send and how. Every
value passes a reader of :mod:`values`; quantities that cannot be negative are read as
amounts or counts, so the firmware's ``-1`` for "unknown" becomes None.
"""

from __future__ import annotations

from dataclasses import dataclass
import re
from typing import TYPE_CHECKING, Final

from .. import values
from ..errors import WhatsminerInvalidReplyError
from ..models import ApiGeneration, Board, ErrorCode, Identity, MinerData, Pool, PowerMode, Psu
from ..readings import (
    NO_POWER_LIMIT_FROM,
    chip_temperatures,
    efficiency,
    first_known,
    mac_address,
)

if TYPE_CHECKING:
    from ..common import JsonObject

MH_PER_TH: Final = 1_000_000
GH_PER_TH: Final = 1_000
_HASHRATE_NOW_KEYS: Final = ("HS RT", "MHS 1m", "MHS 5s", "MHS av")
_BOARD_FREQUENCY_KEYS: Final = ("Chip Frequency", "Frequency")
_PSU_VOLTS_PER_UNIT: Final = 0.01  # get_psu "vin" "22400" reads as 224.00 V
_PLAUSIBLE_MAINS_VOLTS: Final = (80.0, 320.0)
_API_VERSION_PREFIX: Final = re.compile(r"^\s*whatsminer\s+v", re.IGNORECASE)
_SUMMARY_ERROR_CODE: Final = re.compile(r"Error Code (\d{1,4})")


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Replies:
    """The replies one v2 poll gathered, already checked and cut down to their data.

    ``error_codes`` and ``psu`` are None when the firmware has no such command; an
    ``error_codes`` without an error list (a garbled reply) leaves the errors unknown.
    """

    summary: JsonObject  # SUMMARY[0]
    boards: tuple[JsonObject, ...]  # edevs/devs rows
    pools: tuple[JsonObject, ...]  # POOLS rows
    status: JsonObject  # status Msg
    error_codes: JsonObject | None  # get_error_code Msg
    psu: JsonObject | None  # get_psu Msg


def _th(value: float | None, per_th: int) -> float | None:
    """Convert a hashrate to TH/s."""
    return None if value is None else value / per_th


def _board(position: int, row: JsonObject) -> Board:
    """Build one hashboard from an ``edevs``/``devs`` row."""
    index = next(
        (i for key in ("ASC", "Slot", "ID") if (i := values.count(row.get(key))) is not None),
        position,
    )
    status = values.text(row.get("Status"))
    return Board(
        index=index,
        temperature=values.number(row.get("Temperature")),
        hashrate=_th(values.first_amount(row, _HASHRATE_NOW_KEYS), MH_PER_TH),
        chip_temp_min=values.number(row.get("Chip Temp Min")),
        chip_temp_avg=values.number(row.get("Chip Temp Avg")),
        chip_temp_max=values.number(row.get("Chip Temp Max")),
        frequency=values.first_amount(row, _BOARD_FREQUENCY_KEYS),
        effective_chips=values.count(row.get("Effective Chips")),
        alive=None if status is None else status.lower() == "alive",
    )


def _pool(row: JsonObject) -> Pool | None:
    """Build one pool from a ``pools`` row; rows without a URL are empty slots."""
    url = values.text(row.get("URL"))
    index = values.count(row.get("POOL"))
    if url is None or index is None:
        return None
    status = values.text(row.get("Status"))
    return Pool(
        index=index,
        url=url,
        user=values.text(row.get("User")),
        alive=None if status is None else status.lower() == "alive",
        active=values.boolean(row.get("Stratum Active")) is True,
        accepted=values.count(row.get("Accepted")),
        rejected=values.count(row.get("Rejected")),
    )


def _psu(psu: JsonObject | None, summary: JsonObject) -> Psu | None:
    """Build the PSU from ``get_psu`` (all strings), or the old summary's PSU fan."""
    summary_fan = values.count(summary.get("Power Fanspeed"))
    if psu is None:
        if summary_fan is None:
            return None
        psu = {}
    raw_volts = values.amount(psu.get("vin"))
    volts = None if raw_volts is None else round(raw_volts * _PSU_VOLTS_PER_UNIT, 2)
    low, high = _PLAUSIBLE_MAINS_VOLTS
    return Psu(
        model=values.text(psu.get("model")) or values.text(psu.get("name")),
        serial=values.text(psu.get("serial_no")),
        firmware=values.text(psu.get("sw_version")),
        fan_speed=first_known(values.count(psu.get("fan_speed")), summary_fan),
        input_power=values.amount(psu.get("pin")),
        input_voltage=volts if volts is not None and low <= volts <= high else None,
    )


def _listed_errors(listed: object) -> tuple[ErrorCode, ...] | None:
    """Read ``get_error_code``: a list of ``{code: time}`` objects or bare codes.

    The repaired API 2.0.4 form is one object holding every code. Anything else (no
    list, ``null``, a list of nothing but junk) says nothing about the errors: None.
    """
    items = [listed] if isinstance(listed, dict) else listed
    if not isinstance(items, list):
        return None
    pairs: list[tuple[object, object]] = []
    for item in items:
        pairs.extend(item.items() if isinstance(item, dict) else [(item, None)])
    found = tuple(
        ErrorCode(code=code, time=values.text(time))
        for raw_code, time in pairs
        if (code := values.text(raw_code)) is not None
    )
    return found if found or not pairs else None


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


def errors(replies: V2Replies) -> tuple[ErrorCode, ...] | None:
    """Read the hardware errors; None when the miner's reply leaves them unknown.

    API 2.0.4 moved the errors from summary to ``get_error_code``; either may hold them.
    Errors summary lists count even when ``get_error_code`` is garbled.
    """
    from_summary = _summary_errors(replies.summary)
    if replies.error_codes is None:
        return from_summary
    listed = _listed_errors(replies.error_codes.get("error_code"))
    if listed:
        return listed
    return from_summary or listed  # summary's errors over "none" and over "unknown"


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


def mining(status: JsonObject) -> bool | None:
    """Read whether the miner hashes: ``mineroff`` (v1 firmware: ``btmineroff``) is inverted."""
    raw = status.get("mineroff", status.get("btmineroff"))
    off = values.flag(raw, true="true", false="false")
    return None if off is None else not off


def build_miner_data(replies: V2Replies) -> MinerData:
    """Build the snapshot of one v2 poll."""
    summary, status = replies.summary, replies.status
    boards = tuple(_board(position, row) for position, row in enumerate(replies.boards))
    psu = _psu(replies.psu, summary)
    hashrate = _th(values.first_amount(summary, _HASHRATE_NOW_KEYS), MH_PER_TH)
    power = first_known(
        values.amount(summary.get("Power")),
        values.amount(summary.get("Power_RT")),
        psu.input_power if psu else None,
    )
    firmware = first_known(
        values.text(status.get("FirmwareVersion")),
        values.text(status.get("Firmware Version")),
        values.text(summary.get("Firmware Version")),
    )
    chip_min, chip_avg, chip_max = chip_temperatures(
        summary, ("Chip Temp Min", "Chip Temp Avg", "Chip Temp Max"), boards
    )
    return MinerData(
        hashrate=hashrate,
        hashrate_average=_th(values.amount(summary.get("MHS av")), MH_PER_TH),
        hashrate_factory=_th(values.amount(summary.get("Factory GHS")), GH_PER_TH),
        power=power,
        power_limit=_power_limit(status, summary),
        efficiency=efficiency(power, hashrate),
        environment_temperature=values.number(summary.get("Env Temp")),
        boards=boards,
        chip_temp_min=chip_min,
        chip_temp_avg=chip_avg,
        chip_temp_max=chip_max,
        fan_in=values.count(summary.get("Fan Speed In")),
        fan_out=values.count(summary.get("Fan Speed Out")),
        psu=psu,
        elapsed=values.count(summary.get("Elapsed")),
        mining=mining(status),
        upfreq_complete=values.switch(summary.get("Upfreq Complete")),
        power_mode=_power_mode(summary, status),
        fast_boot=values.flag(summary.get("Btminer Fast Boot"), true="enable", false="disable"),
        # No v2 read reports these; the entities show the last value written instead.
        upfreq_speed=None,
        power_percent=None,
        temp_offset=None,
        poweroff_cool=None,
        fan_zero_speed=None,
        led_auto=None,
        web_pools=None,
        target_freq=None,  # summary's "Target Freq" is MHz, not the percentage set
        zone_name=None,
        pools=tuple(pool for row in replies.pools if (pool := _pool(row)) is not None),
        accepted=values.count(summary.get("Accepted")),
        rejected=values.count(summary.get("Rejected")),
        errors=errors(replies),
        firmware=firmware,
    )


def api_version(version_msg: JsonObject | None) -> str | None:
    """Return ``get_version``'s ``api_ver`` without the v1 prefix ``"whatsminer v"``."""
    raw = values.text(version_msg.get("api_ver")) if version_msg else None
    return values.text(_API_VERSION_PREFIX.sub("", raw)) if raw else None


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
