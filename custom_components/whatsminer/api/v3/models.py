"""Build the models from API v3 replies (PROTOCOL.md §3.10 "v3 source", §4.6).

v3 already reports TH/s, W and °C, with kebab-case keys. The replies' ``msg`` objects come
in as they are; anything missing or junk becomes None, and every value passes a reader of
:mod:`values` (amounts and counts for what cannot be negative). The settings replies
(``get.miner.setting``, ``get.fan.setting``) may be absent, leaving their fields None
unless ``get.device.info`` or the summary also carries them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypedDict

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

_HASHRATE_NOW_KEYS: Final = ("hash-realtime", "hash-1min", "hash-average")
_BOARD_HASHRATE_KEYS: Final = ("hash-realtime", "hash-average")
_POWER_NOW_KEYS: Final = ("power-realtime", "power-5min")
_PLAUSIBLE_MAINS_VOLTS: Final = (80.0, 320.0)
_UPFREQ_SPEEDS: Final = range(11)  # 0 (normal) to 10 (fastest) on v3
_POWER_PERCENTS: Final = range(101)
_TEMP_OFFSETS: Final = range(-30, 1)
_TARGET_FREQS: Final = range(-100, 101)
_BTMINER_DOWN: Final = "process is down"
"""What firmware says in place of data while btminer is down:
``"btminer process is down err"`` (pyasic #416)."""


def section(msg: JsonObject | None, key: str) -> JsonObject:
    """Return the object under ``key``, or an empty one when it is missing or not an object."""
    found = msg.get(key) if msg is not None else None
    return found if isinstance(found, dict) else {}


def says_btminer_down(value: object) -> bool:
    """Tell whether ``value`` is the firmware's text for "the mining process is down"."""
    return isinstance(value, str) and _BTMINER_DOWN in value.lower()


def _within(value: int | None, allowed: range) -> int | None:
    """Return ``value`` if it lies in ``allowed``."""
    return value if value in allowed else None


def _board(position: int, row: JsonObject, temperatures: object) -> Board:
    """Build one hashboard from an ``edevs`` row and the summary's board temperatures.

    ``board-temperature`` lists one value per board, in the order of ``edevs``.
    """
    index = first_known(values.count(row.get("id")), values.count(row.get("slot")))
    temperature = (
        values.number(temperatures[position])
        if isinstance(temperatures, list) and position < len(temperatures)
        else None
    )
    status = values.text(row.get("status"))
    return Board(
        index=position if index is None else index,
        temperature=temperature,
        hashrate=values.first_amount(row, _BOARD_HASHRATE_KEYS),
        chip_temp_min=values.number(row.get("chip-temp-min")),
        chip_temp_avg=values.number(row.get("chip-temp-avg")),
        chip_temp_max=values.number(row.get("chip-temp-max")),
        frequency=values.amount(row.get("freq")),
        effective_chips=values.count(row.get("effective-chips")),
        alive=None if status is None else status.lower() == "alive",
    )


def _pool(position: int, row: JsonObject) -> Pool | None:
    """Build one pool from a ``pools`` row; rows without a URL are empty slots.

    v3 numbers pools with ``id`` from 1; rows without one count from their position.
    v3 has no share counts.
    """
    url = values.text(row.get("url"))
    if url is None:
        return None
    status = values.text(row.get("status"))
    index = values.count(row.get("id"))
    return Pool(
        index=position + 1 if index is None else index,
        url=url,
        user=values.text(row.get("account")),
        alive=None if status is None else status.lower() == "alive",
        active=values.boolean(row.get("stratum-active")) is True,
        accepted=None,
        rejected=None,
    )


def _psu(power: object) -> Psu | None:
    """Build the PSU from ``get.device.info``'s ``power`` section (volts as volts)."""
    if not isinstance(power, dict):
        return None
    volts = values.number(power.get("vin"))
    low, high = _PLAUSIBLE_MAINS_VOLTS
    return Psu(
        model=first_known(values.text(power.get("model")), values.text(power.get("type"))),
        serial=values.text(power.get("sn")),
        firmware=values.text(power.get("swversion")),
        fan_speed=values.count(power.get("fanspeed")),  # int, float or numeric string
        input_power=values.amount(power.get("pin")),
        input_voltage=volts if volts is not None and low <= volts <= high else None,
    )


def errors(device_info: JsonObject) -> tuple[ErrorCode, ...] | None:
    """Read ``error-code``: ``[{"<code>": "<time>", "reason": "…"}, …]`` or bare codes.

    Firmware leaves the key out when there are none (so does a real M60S reply). While
    btminer is down it puts its "process is down" text here instead of a list; that is
    no hardware fault code, and ``mining`` already reports it, so it yields no entry.
    Anything else that is no list (``null``, an object), or a list of nothing but junk,
    says nothing about the errors: None, unknown.
    """
    listed = device_info.get("error-code", [])
    if says_btminer_down(listed):
        return ()
    if not isinstance(listed, list):
        return None
    found: list[ErrorCode] = []
    for item in listed:
        if not isinstance(item, dict):
            if (code := values.text(item)) is not None:
                found.append(ErrorCode(code=code, time=None))
            continue
        reason = values.text(item.get("reason"))
        found.extend(
            ErrorCode(code=code, time=values.text(time), reason=reason)
            for raw_code, time in item.items()
            if raw_code != "reason" and (code := values.text(raw_code)) is not None
        )
    return tuple(found) if found or not listed else None


def _power_limit(setting: JsonObject, miner: JsonObject, summary: JsonObject) -> int | None:
    """Read the power limit in force: the one set, else the limit the summary applies.

    ``get.miner.setting`` and ``get.device.info`` report the limit the user set (99999
    and up, or ``""``, when none is); the summary reports the limit in force, 0 while
    stopped, which means unknown here.
    """
    for raw in (setting.get("power-limit"), miner.get("power-limit-set")):
        limit = values.integer(raw)
        if limit is not None and 0 < limit < NO_POWER_LIMIT_FROM:
            return limit
    fallback = values.integer(summary.get("power-limit"))
    return fallback if fallback is not None and fallback > 0 else None


def _power_mode(setting: JsonObject) -> PowerMode | None:
    """Read ``power-mode`` (``"normal"``…); device info's ``power.mode`` ``"1"`` is unclear."""
    name = values.text(setting.get("power-mode"))
    return PowerMode(name.lower()) if name is not None and name.lower() in PowerMode else None


def _pools(status: JsonObject | None) -> tuple[Pool, ...]:
    """Read the pools ``get.miner.status`` lists; none while btminer is down."""
    listed = status.get("pools") if status is not None else None
    return tuple(
        pool
        for position, row in enumerate(listed if isinstance(listed, list) else [])
        if isinstance(row, dict) and (pool := _pool(position, row)) is not None
    )


class _Settings(TypedDict):
    """The settings a v3 poll reads back, as :class:`MinerData` names them."""

    power_mode: PowerMode | None
    fast_boot: bool | None
    upfreq_speed: int | None
    power_percent: int | None
    temp_offset: int | None
    poweroff_cool: bool | None
    fan_zero_speed: bool | None
    led_auto: bool | None
    web_pools: bool | None
    target_freq: int | None
    zone_name: str | None


def _settings(
    setting: JsonObject,
    miner: JsonObject,
    fans: JsonObject,
    system_settings: JsonObject,
    system: JsonObject,
) -> _Settings:
    """Read every setting back: ``get.*.setting`` first, device info where it has them."""
    ledstatus = values.text(system.get("ledstatus"))
    return _Settings(
        power_mode=_power_mode(setting),
        fast_boot=first_known(
            values.flag(setting.get("fast-boot"), true="enable", false="disable"),
            values.flag(miner.get("fast-boot"), true="enable", false="disable"),
        ),
        upfreq_speed=first_known(
            _within(values.integer(setting.get("upfreq-speed")), _UPFREQ_SPEEDS),
            _within(values.integer(miner.get("UpfreqSpeed")), _UPFREQ_SPEEDS),
        ),
        power_percent=_within(values.integer(setting.get("power-percent")), _POWER_PERCENTS),
        temp_offset=_within(values.integer(fans.get("fan-temp-offset")), _TEMP_OFFSETS),
        poweroff_cool=values.switch(fans.get("fan-poweroff-cool")),
        fan_zero_speed=values.switch(fans.get("fan-zero-speed")),
        led_auto=None if ledstatus is None else ledstatus.lower() == "auto",
        web_pools=values.switch(system_settings.get("web-pool")),
        target_freq=_within(values.integer(setting.get("target-freq")), _TARGET_FREQS),
        zone_name=values.text(system_settings.get("zonename")),
    )


def build_miner_data(
    *,
    status: JsonObject | None,
    device_info: JsonObject,
    miner_setting: JsonObject | None,
    fan_setting: JsonObject | None,
    system_setting: JsonObject | None = None,
) -> MinerData:
    """Build the data of one v3 poll.

    ``status`` is the ``msg`` of ``get.miner.status`` (``summary+pools+edevs``), None while
    btminer is down: then nothing hashes (hashrate 0, no boards, ``mining`` False), and
    what ``get.device.info`` reports (PSU, errors, firmware) is still there.
    ``device_info`` is the full ``get.device.info`` ``msg``; the settings are the ``msg`` of
    ``get.miner.setting``, ``get.fan.setting`` and ``get.system.setting``, None when they
    could not be read.
    """
    summary = section(status, "summary")
    miner, system = section(device_info, "miner"), section(device_info, "system")
    setting, fans, system_settings = miner_setting or {}, fan_setting or {}, system_setting or {}
    edevs = status.get("edevs") if status is not None else None
    rows = [row for row in edevs if isinstance(row, dict)] if isinstance(edevs, list) else []
    temperatures = summary.get("board-temperature")
    boards = tuple(_board(position, row, temperatures) for position, row in enumerate(rows))
    psu = _psu(device_info.get("power"))
    btminer_down = status is None or says_btminer_down(device_info.get("error-code"))
    hashrate = 0.0 if status is None else values.first_amount(summary, _HASHRATE_NOW_KEYS)
    power = first_known(
        values.first_amount(summary, _POWER_NOW_KEYS),
        psu.input_power if psu else None,
    )
    chip_min, chip_avg, chip_max = chip_temperatures(
        summary, ("chip-temp-min", "chip-temp-avg", "chip-temp-max"), boards
    )
    return MinerData(
        hashrate=hashrate,
        hashrate_average=values.amount(summary.get("hash-average")),
        hashrate_factory=values.amount(summary.get("factory-hash")),
        power=power,
        power_limit=_power_limit(setting, miner, summary),
        efficiency=efficiency(power, hashrate),
        environment_temperature=values.number(summary.get("environment-temperature")),
        boards=boards,
        chip_temp_min=chip_min,
        chip_temp_avg=chip_avg,
        chip_temp_max=chip_max,
        fan_in=values.count(summary.get("fan-speed-in")),
        fan_out=values.count(summary.get("fan-speed-out")),
        psu=psu,
        elapsed=values.count(summary.get("elapsed")),
        mining=False if btminer_down else values.boolean(miner.get("working")),
        upfreq_complete=values.switch(summary.get("up-freq-finish")),
        **_settings(setting, miner, fans, system_settings, system),
        pools=_pools(status),
        accepted=None,
        rejected=None,
        errors=errors(device_info),
        firmware=values.text(system.get("fwversion")),
    )


def build_identity(device_info: JsonObject) -> Identity:
    """Build the identity from the ``msg`` of a full ``get.device.info``.

    Raises WhatsminerInvalidReplyError when it carries no MAC address: the MAC is what
    tells miners apart.
    """
    network, miner = section(device_info, "network"), section(device_info, "miner")
    system = section(device_info, "system")
    mac = mac_address(network.get("mac"))
    if mac is None:
        raise WhatsminerInvalidReplyError("get.device.info reports no MAC address")
    return Identity(
        mac=mac,
        hostname=values.text(network.get("hostname")),
        model=values.text(miner.get("type")),
        firmware=values.text(system.get("fwversion")),
        api_version=values.text(system.get("api")),
        api_generation=ApiGeneration.V3,
        serial=values.text(miner.get("miner-sn")),
    )
