"""Replies to the v2 read commands, shaped after the captures in ../shared/whatsminer.

Two families (PROTOCOL.md §1.3): cgminer-style replies (`summary`, `pools`, `edevs`, `devs`,
`devdetails`) carry a STATUS *list* and can be joined with `+`; BTMiner-style replies (`get_*`,
`status`) carry a STATUS *string*. The profile's generation picks the field set:

* `old_v2`: long cgminer STATUS, MAC, quoted firmware and error codes inside `summary`,
  `status` without `power_limit_set` (captures asicrs_v1_*, asicrs-pr187 fw20230208);
* `v2`: API 2.0.5 (captures official205_*, pyasic-issue22, asicrs-pr187 fw20240924);
* `v3`: the reduced v2-compat API of v3 firmware: no per-board chip temperatures and only the
  average hashrate windows (asicrs_v2_devs, asicrs-pr187 fw20250214).

Hashrates are MH/s, factory hashrates GH/s (PROTOCOL.md §5 item 10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .identity import miner_serial, psu_serial
from .profiles import QUIRK_QUOTED_FIRMWARE
from .telemetry import REJECTED_EVERY, BoardReading, Hashrates, Readings, read

if TYPE_CHECKING:
    from .profiles import Profile
    from .state import MinerState

type Reply = dict[str, Any]

MHS_PER_THS = 1_000_000
GHS_PER_THS = 1_000
NO_POWER_LIMIT = "2147483647"  # INT_MAX: what `power_limit_set` shows when no limit is set
CGMINER_DESCRIPTION = "cgminer 4.9.2"
_V3_COMPAT_DROPS_FROM_SUMMARY = (
    "Total MH",
    "Last getwork",
    "Security Mode",
    "Hash Stable Cost Seconds",
    "Hash Deviation%",
    "Debug",
)


@dataclass(frozen=True, slots=True)
class ReadContext:
    """Everything a read reply is built from, measured once per request."""

    state: MinerState
    profile: Profile
    quirks: frozenset[str]
    now: float
    readings: Readings

    @classmethod
    def measure(cls, state: MinerState, profile: Profile, quirks: frozenset[str]) -> ReadContext:
        """Take the readings for one request."""
        return cls(
            state=state,
            profile=profile,
            quirks=quirks,
            now=state.clock(),
            readings=read(state, profile),
        )

    @property
    def generation(self) -> str:
        """The profile's reply generation."""
        return self.profile.generation


def btminer_reply(now: float, msg: object, *, code: int = 131, status: str = "S") -> Reply:
    """Return a BTMiner-family reply (STATUS is a string)."""
    return {"STATUS": status, "When": int(now), "Code": code, "Msg": msg, "Description": ""}


def _cgminer_status(ctx: ReadContext, code: int, msg: str, *, status: str = "S") -> list[Reply]:
    if ctx.generation == "old_v2" or status != "S":
        return [
            {
                "STATUS": status,
                "When": int(ctx.now),
                "Code": code,
                "Msg": msg,
                "Description": CGMINER_DESCRIPTION,
            }
        ]
    return [{"STATUS": status, "Msg": msg}]


def _mhs(ths: float) -> float:
    return round(ths * MHS_PER_THS, 2)


def _windows(hashrate: Hashrates) -> dict[str, float]:
    return {
        "MHS av": _mhs(hashrate.average),
        "MHS 5s": _mhs(hashrate.realtime),
        "MHS 1m": _mhs(hashrate.one_minute),
        "MHS 5m": _mhs(hashrate.five_minutes),
        "MHS 15m": _mhs(hashrate.fifteen_minutes),
        "HS RT": _mhs(hashrate.five_minutes),
    }


def summary(ctx: ReadContext) -> Reply:
    """`summary`: totals of the whole miner."""
    r, state = ctx.readings, ctx.state
    windows = _windows(r.hashrate)
    if ctx.generation == "v3":
        windows = {"MHS av": windows["MHS av"], "HS RT": windows["HS RT"]}
    shares = r.accepted + r.rejected
    fields: Reply = {
        "Elapsed": r.elapsed,
        **windows,
        "Accepted": r.accepted,
        "Rejected": r.rejected,
        "Total MH": round(r.hashrate.average * MHS_PER_THS * state.mining_seconds, 1),
        "Temperature": r.temperature,
        "freq_avg": r.frequency,
        "Fan Speed In": r.fan_in_rpm,
        "Fan Speed Out": r.fan_out_rpm,
        "Power": r.power_w,
        "Power Rate": r.power_rate,
        "Pool Rejected%": round(100 * r.rejected / shares, 4) if shares else 0.0,
        "Pool Stale%": 0.0,
        "Last getwork": 0,
        "Uptime": r.uptime,
        "Security Mode": 0,
        "Hash Stable": r.upfreq_complete,
        "Hash Stable Cost Seconds": min(r.elapsed, 1538),
        "Hash Deviation%": 0.1061 if r.mining else 0.0,
        "Target Freq": r.target_frequency,
        "Target MHS": round(r.target_ths * MHS_PER_THS) if r.mining else 0,
        "Env Temp": r.environment_c,
        "Power Mode": state.power_mode.capitalize(),
        "Factory GHS": round(r.factory_ths * GHS_PER_THS),
        "Power Limit": r.power_limit_w,
        "Chip Temp Min": r.chip_temp_min,
        "Chip Temp Max": r.chip_temp_max,
        "Chip Temp Avg": r.chip_temp_avg,
        "Debug": "",
        "Btminer Fast Boot": "enable" if state.fast_boot else "disable",
    }
    if ctx.generation == "v3":
        for dropped in _V3_COMPAT_DROPS_FROM_SUMMARY:
            del fields[dropped]
    if ctx.generation == "old_v2":
        fields |= _old_summary_extras(ctx)
    else:
        fields["Upfreq Complete"] = int(r.upfreq_complete)
    return {"STATUS": _cgminer_status(ctx, 11, "Summary"), "SUMMARY": [fields], "id": 1}


def _old_summary_extras(ctx: ReadContext) -> Reply:
    """Return what 2023 firmware also put in `summary` (captures asicrs_v1_summary*)."""
    r, profile = ctx.readings, ctx.profile
    firmware = profile.firmware
    if QUIRK_QUOTED_FIRMWARE in ctx.quirks:
        firmware = f"'{firmware}'"
    extras: Reply = {
        "MAC": ctx.state.mac,
        "Firmware Version": firmware,
        "CB Platform": profile.platform,
        "CB Version": profile.control_board,
        "Chip Data": profile.chip_data,
        "Power Current": round(r.psu_input_a * 10),
        "Power Fanspeed": r.psu_fan_rpm,
        "Power_RT": r.power_w,
        "Liquid Cooling": False,
        "Error Code Count": len(ctx.state.error_codes),
    }
    for index, (code, _when) in enumerate(ctx.state.error_codes):
        extras[f"Error Code {index}"] = code
    extras["Factory Error Code Count"] = 0
    return extras


def pools(ctx: ReadContext) -> Reply:
    """`pools`: the configured pools; the first one is active while mining."""
    r, state = ctx.readings, ctx.state
    if not state.pools:
        # cgminer's MSG_NOPOOL: an error reply without a POOLS list.
        return {"STATUS": _cgminer_status(ctx, 8, "No pools", status="E"), "id": 1}
    entries = []
    for index, pool in enumerate(state.pools):
        active = index == 0 and r.mining
        url = pool["url"]
        entries.append(
            {
                "POOL": index + 1,
                "URL": url,
                "Status": "Alive",
                "Priority": index,
                "Quota": 1,
                "Long Poll": "N",
                "Getworks": r.elapsed // 30 if active else 0,
                "Accepted": r.accepted if active else 0,
                "Rejected": r.rejected if active else 0,
                "Works": 0,
                "Discarded": 0,
                "Stale": 0,
                "Get Failures": 0,
                "Remote Failures": 0,
                "User": pool["worker"],
                "Last Share Time": int(ctx.now) - 2 if active else 0,
                "Diff1 Shares": 0,
                "Proxy Type": "",
                "Proxy": "",
                "Difficulty Accepted": float(r.accepted * 65536) if active else 0.0,
                "Difficulty Rejected": float(r.rejected * 65536) if active else 0.0,
                "Difficulty Stale": 0.0,
                "Last Share Difficulty": 65536.0 if active else 0.0,
                "Work Difficulty": 0.0,
                "Has Stratum": 1,
                "Stratum Active": active,
                "Stratum URL": url.split("://", 1)[-1].rsplit(":", 1)[0],
                "Stratum Difficulty": 65536.0 if active else 0.0,
                "Best Share": 0,
                "Pool Rejected%": 0.0,
                "Pool Stale%": 0.0,
                "Bad Work": 0,
                "Current Block Height": 0,
                "Current Block Version": 536870916,
            }
        )
    msg = f"{len(entries)} Pool(s)"
    return {"STATUS": _cgminer_status(ctx, 7, msg), "POOLS": entries, "id": 1}


def devs(ctx: ReadContext) -> Reply:
    """`devs` / `edevs`: one entry per hashboard."""
    board_entry = _v3_compat_board if ctx.generation == "v3" else _board
    entries = [board_entry(ctx, board) for board in ctx.readings.boards]
    msg = f"{len(entries)} ASC(s)"
    return {"STATUS": _cgminer_status(ctx, 9, msg), "DEVS": entries, "id": 1}


def _board(ctx: ReadContext, board: BoardReading) -> Reply:
    """Describe a board as API 2.0.5 reports it (official205_edevs), or older firmware."""
    mining = ctx.readings.mining
    entry: Reply = {
        "ASC": board.index,
        "Slot": board.index,
        "Enabled": "Y",
        "Status": "Alive",
        "Temperature": board.temperature,
        "Chip Frequency": board.frequency,
        **_windows(board.hashrate),
        "Accepted": board.accepted,
        "Rejected": board.accepted // REJECTED_EVERY,
        "Last Valid Work": int(ctx.now) if mining else 0,
        "Effective Chips": board.effective_chips,
        "PCB SN": board.serial,
        "Chip Data": ctx.profile.chip_data,
        "Chip Temp Min": board.chip_temp_min,
        "Chip Temp Max": board.chip_temp_max,
        "Chip Temp Avg": board.chip_temp_avg,
        "chip_vol_diff": 9,
    }
    if ctx.generation == "old_v2":
        return entry | {"ID": board.index, "Name": "SM", "Hardware Errors": 0}
    return entry | {
        "HS Factory": round(board.factory_ths * GHS_PER_THS),
        "Upfreq Complete": int(ctx.readings.upfreq_complete),
    }


def _v3_compat_board(ctx: ReadContext, board: BoardReading) -> Reply:
    """Describe a board on v3 firmware's port 4028: no chip temperatures, average hashrate."""
    r = ctx.readings
    return {
        "ASC": board.index,
        "Slot": board.index,
        "ID": board.index,
        "Name": "SM",
        "Enabled": "Y",
        "Status": "Alive",
        "Temperature": board.temperature,
        "Chip Frequency": board.frequency,
        "MHS av": _mhs(board.hashrate.average),
        "Factory GHS": round(board.factory_ths * GHS_PER_THS),
        "Accepted": board.accepted,
        "Rejected": board.accepted // REJECTED_EVERY,
        "Effective Chips": board.effective_chips,
        "PCB SN": board.serial,
        "Device Elapsed": r.elapsed,
        "Fan Speed In": r.fan_in_rpm,
        "Fan Speed Out": r.fan_out_rpm,
    }


def devdetails(ctx: ReadContext) -> Reply:
    """`devdetails`: the model name per board (how clients identify a Whatsminer)."""
    details = [
        {
            "DEVDETAILS": board,
            "Name": "SM",
            "ID": board,
            "Driver": "bitmicro",
            "Kernel": "",
            "Model": ctx.profile.model,
        }
        for board in range(ctx.profile.boards)
    ]
    status = {
        "STATUS": "S",
        "When": int(ctx.now),
        "Code": 69,
        "Msg": "Device Details",
        "Description": "btminer",
    }
    return {"STATUS": [status], "DEVDETAILS": details, "id": 1}


def get_version(ctx: ReadContext) -> Reply:
    """`get_version`: API and firmware versions (the firmware date drives v2/v3 detection)."""
    profile = ctx.profile
    msg = {"api_ver": profile.api_version, "fw_ver": profile.firmware, "platform": profile.platform}
    if ctx.generation != "v3":
        msg["chip"] = profile.chip_data
    return btminer_reply(ctx.now, msg)


def get_psu(ctx: ReadContext) -> Reply:
    """`get_psu`: power supply facts; every value is a string, `vender` is spelled so.

    Units are undocumented; this simulator sends `vin` and `iin` in hundredths (V, A).
    """
    r = ctx.readings
    msg = {
        "name": ctx.profile.psu_model,
        "hw_version": "V01.00",
        "sw_version": "V01.00.V01.03",
        "model": ctx.profile.psu_model,
        "iin": str(round(r.psu_input_a * 100)),
        "vin": str(round(r.psu_input_v * 100)),
        "fan_speed": str(r.psu_fan_rpm),
        "version": "-1",
        "serial_no": psu_serial(ctx.state.mac),
        "vender": "7",
    }
    if ctx.generation != "old_v2":
        msg |= {"enable": "1", "pin": str(r.power_w), "temp0": f"{r.psu_temperature_c:.1f}"}
    return btminer_reply(ctx.now, msg)


def get_miner_info(ctx: ReadContext) -> Reply:
    """`get_miner_info`: network identity and LED state (all fields, whatever `info` asks)."""
    state = ctx.state
    network = state.network
    msg = {
        "ip": network.ip,
        "proto": network.proto,
        "netmask": network.netmask,
        "gateway": network.gateway,
        "dns": network.dns,
        "hostname": state.hostname,
        "mac": state.mac,
        "ledstat": "auto" if state.led == "auto" else "manual",
    }
    if ctx.generation != "old_v2":
        msg |= {"minersn": miner_serial(state.mac), "powersn": psu_serial(state.mac)}
    return btminer_reply(ctx.now, msg)


def get_error_code(ctx: ReadContext) -> Reply:
    """`get_error_code`: a list of single-key {code: time} objects (see quirks for 2.0.4)."""
    codes = [{str(code): when} for code, when in ctx.state.error_codes]
    return btminer_reply(ctx.now, {"error_code": codes})


def status(ctx: ReadContext) -> Reply:
    """`status`: whether mining is off, in the field set of the profile's firmware."""
    state = ctx.state
    mineroff = "false" if state.mining else "true"
    if ctx.generation == "old_v2":
        msg = {
            "mineroff": mineroff,
            "FirmwareVersion": ctx.profile.firmware,
            "power_mode": state.power_mode,
            "hash_percent": "0",
        }
        return btminer_reply(ctx.now, msg)
    limit = NO_POWER_LIMIT if state.power_limit is None else str(state.power_limit)
    msg = {
        "mineroff": mineroff,
        "mineroff_reason": "",
        "mineroff_time": "",
        "FirmwareVersion": ctx.profile.firmware,
        "power_mode": state.power_mode if ctx.generation == "v2" else "",
        "power_limit_set": limit,
        "hash_percent": "0" if ctx.generation == "v2" else "",
    }
    return btminer_reply(ctx.now, msg)


type ReadBuilder = Callable[[ReadContext], Reply]

JOINABLE_READS: dict[str, ReadBuilder] = {
    "summary": summary,
    "pools": pools,
    "edevs": devs,
    "devs": devs,
    "devdetails": devdetails,
}
SINGLE_READS: dict[str, ReadBuilder] = {
    "get_version": get_version,
    "get_psu": get_psu,
    "get_miner_info": get_miner_info,
    "get_error_code": get_error_code,
    "status": status,
}
