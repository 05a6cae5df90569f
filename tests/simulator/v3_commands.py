"""The API v3 commands: read replies (TH/s, kebab-case keys) and `set.*` state changes.

Reply shapes follow the captures asicrs_v3_* and matroskin_* and PROTOCOL.md §4.5-§4.6 and
§4.9. Reads build a `msg` from the state (the string `BTMINER_DOWN` instead of a status object
while btminer restarts, §4.2) or raise `CommandFailedError` (code -1); writes check their
`param` (raising `InvalidParameterError`) and change the state, returning the restart they
cause, if any. Every write has a read that shows its effect (`get.miner.setting`,
`get.fan.setting`, `get.device.info`, `get.system.setting`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import json
from typing import TYPE_CHECKING, Any

from . import params
from .crypto import aes_decrypt, b64decode
from .identity import miner_serial, psu_serial
from .params import InvalidParameterError
from .state import POWER_MODES, RestartKind
from .telemetry import configured_power_limit_w, read
from .v2_writes import NO_LIMIT_W

if TYPE_CHECKING:
    from .profiles import Profile
    from .state import MinerState
    from .telemetry import Readings

type Msg = dict[str, Any]
type V3Read = Callable[[MinerState, Profile, str, object], Msg | str]
type V3Write = Callable[[MinerState, object, bytes], RestartKind | None]

DEVICE_INFO_SECTIONS = ("miner", "system", "power", "network", "salt", "error-code")
MINER_STATUS_SECTIONS = ("summary", "pools", "edevs")
# What v3 firmware reports while the btminer process is down (pyasic #416; PROTOCOL.md §5.13).
BTMINER_DOWN = "btminer process is down err"
POWER_PERCENT_MODES = ("normal", "fast")


class CommandFailedError(Exception):
    """The firmware could not carry a valid command out: v3 answers code -1 with `msg`."""

    def __init__(self, msg: str) -> None:
        """Keep the message the reply carries."""
        super().__init__(msg)
        self.msg = msg


def _error_reason(code: int) -> str:
    # The firmware's reason texts are a long table; the simulator only needs one to exist.
    return f"Simulated hardware error {code}"


def device_info(state: MinerState, profile: Profile, salt: str, param: object) -> Msg:
    """`get.device.info`, whole or one section (`param`)."""
    if param is not None and param not in DEVICE_INFO_SECTIONS:
        raise InvalidParameterError(str(param))
    r = read(state, profile)
    boards = range(profile.boards)
    network = state.network
    sections: Msg = {
        "network": {
            "ip": network.ip,
            "proto": network.proto,
            "netmask": network.netmask,
            "dns": network.dns,
            "mac": state.mac,
            "gateway": network.gateway,
            "hostname": state.hostname,
        },
        "miner": {
            "working": "true" if state.mining and not state.btminer_down else "false",
            "type": profile.model,
            "hash-board": profile.model.rsplit("_V", 1)[-1],
            "detect-hash-rate": ":".join(str(round(b.factory_ths * 1000)) for b in r.boards),
            "cointype": "BTC/BCH/BSV",
            "pool-strategy": "FAILOVER",
            "heatmode": "",
            "hash-percent": "0",
            **{f"chipdata{board}": profile.chip_data for board in boards},
            "fast-boot": "enable" if state.fast_boot else "disable",
            "board-num": str(profile.boards),
            **{f"pcbsn{board.index}": board.serial for board in r.boards},
            "miner-sn": miner_serial(state.mac),
            "power-limit-set": "" if state.power_limit is None else str(state.power_limit),
            "UpfreqSpeed": str(state.upfreq_speed),
            "web-pool": int(state.web_pools),
            "permission": "super=255 user1=0 user2=0 user3=0",
        },
        "system": {
            "api": profile.v3_api_version,
            "platform": profile.platform,
            "fwversion": profile.firmware,
            "control-board-version": profile.control_board,
            "apiswitch": "1" if state.api_switch else "0",
            "ledstatus": "auto" if state.led == "auto" else "manual",
        },
        "power": _power(state, profile, r),
        "salt": salt,
        "error-code": _error_codes(state),
    }
    if param is None:
        return sections
    return {str(param): sections[str(param)]}


def _error_codes(state: MinerState) -> list[Msg] | str:
    """Return the logged hardware errors, or the btminer-down string while btminer restarts."""
    if state.btminer_down:
        return BTMINER_DOWN
    return [{str(code): when, "reason": _error_reason(code)} for code, when in state.error_codes]


def _power(state: MinerState, profile: Profile, r: Readings) -> Msg:
    return {
        "type": profile.psu_model,
        "mode": "1",
        "hwversion": "V01.00",
        "swversion": "230224.220429",
        "model": profile.psu_model,
        "iin": r.psu_input_a,
        "vin": r.psu_input_v,
        "vout": 1222,
        "pin": r.power_w,
        "fanspeed": r.psu_fan_rpm,
        "temp0": r.psu_temperature_c,
        "sn": psu_serial(state.mac),
        "vendor": "7",
    }


def miner_status(state: MinerState, profile: Profile, _salt: str, param: object) -> Msg | str:
    """`get.miner.status` with a required `param`: summary, pools, edevs, joined by `+`.

    While btminer restarts the reply is code 0 with the string `BTMINER_DOWN` as `msg`. An
    idle miner (mining stopped) fails `pools` read without `summary` with code -1, as MDK
    observed on hardware (PROTOCOL.md §4.9); joining `summary` in makes it work.
    """
    if param is None or param == "":
        raise InvalidParameterError("param", missing=True)
    parts = [part.strip() for part in str(param).split("+")]
    for part in parts:
        if part not in MINER_STATUS_SECTIONS:
            raise InvalidParameterError(part)
    if state.btminer_down:
        return BTMINER_DOWN
    if not state.mining and "pools" in parts and "summary" not in parts:
        raise CommandFailedError("get miner status failed")
    r = read(state, profile)
    builders = {"summary": _summary, "pools": _pools, "edevs": _edevs}
    return {part: builders[part](state, profile, r) for part in parts}


def _summary(state: MinerState, profile: Profile, r: Readings) -> Msg:
    return {
        "elapsed": r.elapsed,
        "bootup-time": r.uptime,
        "freq-avg": r.frequency,
        "target-freq": r.target_frequency,
        "factory-hash": r.factory_ths,
        "hash-average": round(r.hashrate.average, 3),
        "hash-1min": round(r.hashrate.one_minute, 3),
        "hash-15min": round(r.hashrate.fifteen_minutes, 3),
        "hash-realtime": round(r.hashrate.realtime, 3),
        "power-rate": r.power_rate,
        "power-5min": float(r.power_w),
        "power-realtime": float(r.power_w),
        "environment-temperature": r.environment_c,
        "board-temperature": [board.temperature for board in r.boards],
        "chip-temp-min": r.chip_temp_min,
        "chip-temp-avg": r.chip_temp_avg,
        "chip-temp-max": r.chip_temp_max,
        "power-limit": r.power_limit_w,
        "up-freq-finish": int(r.upfreq_complete),
        "fan-speed-in": r.fan_in_rpm,
        "fan-speed-out": r.fan_out_rpm,
        "Debug": "",
    }


def _pools(state: MinerState, _profile: Profile, r: Readings) -> list[Msg]:
    now = int(state.clock())
    return [
        {
            "id": index + 1,
            "url": pool["url"],
            "account": pool["worker"],
            "status": "alive",
            "stratum-active": index == 0 and r.mining,
            "pool-priority": index,
            "reject-rate": 0.0,
            "last-share-time": now - 2 if index == 0 and r.mining else 0,
            "stratum-diff": 65536.0 if index == 0 and r.mining else 0.0,
        }
        for index, pool in enumerate(state.pools)
    ]


def _edevs(_state: MinerState, _profile: Profile, r: Readings) -> list[Msg]:
    return [
        {
            "id": board.index,
            "slot": board.index,
            "status": "alive",
            "hash-average": round(board.hashrate.average, 3),
            "hash-realtime": round(board.hashrate.realtime, 3),
            "factory-hash": board.factory_ths,
            "freq": float(board.frequency),
            "effective-chips": board.effective_chips,
            "chip-temp-min": board.chip_temp_min,
            "chip-temp-avg": board.chip_temp_avg,
            "chip-temp-max": board.chip_temp_max,
        }
        for board in r.boards
    ]


def miner_setting(state: MinerState, profile: Profile, _salt: str, _param: object) -> Msg:
    """`get.miner.setting`."""
    return {
        "power-limit": configured_power_limit_w(state, profile),
        "upfreq-speed": state.upfreq_speed,
        "power-mode": state.power_mode,
        "fast-boot": "enable" if state.fast_boot else "disable",
        "target-freq": state.target_freq,
        "fast-mining": "disable",
        "power": profile.power_w,
        "power-percent": state.power_percent,
    }


def fan_setting(state: MinerState, _profile: Profile, _salt: str, _param: object) -> Msg:
    """`get.fan.setting`."""
    return {
        "fan-poweroff-cool": int(state.poweroff_cool),
        "fan-zero-speed": int(state.fan_zero_speed),
        "fan-temp-offset": state.temp_offset,
    }


def system_setting(state: MinerState, _profile: Profile, _salt: str, _param: object) -> Msg:
    """`get.system.setting`."""
    return {
        "web-pool": int(state.web_pools),
        "timezone": state.timezone,
        "zonename": state.zonename,
        "hostname": state.hostname,
        "time-randomized": {"start": 0, "stop": 0},
        "ntp-server": ["0.pool.ntp.org"],
    }


READS: dict[str, V3Read] = {
    "get.device.info": device_info,
    "get.miner.status": miner_status,
    "get.miner.setting": miner_setting,
    "get.fan.setting": fan_setting,
    "get.system.setting": system_setting,
}


def _service(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    action = params.choice(param, "param", ("start", "stop", "restart"))
    if action == "restart":
        return RestartKind.BTMINER
    state.mining = action == "start"
    return None


def _power_limit(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    watts = params.integer(param, "param", 0, NO_LIMIT_W)
    state.power_limit = None if watts == NO_LIMIT_W else watts
    return RestartKind.BTMINER


def _power_mode(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.power_mode = params.choice(param, "param", POWER_MODES)
    return RestartKind.BTMINER


def _power_percent(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    """`{"percent": "0".."100" (or an int), "mode": "normal"|"fast"}`; mining goes on."""
    if not isinstance(param, Mapping):
        raise InvalidParameterError("param")
    percent = params.integer(param.get("percent"), "percent", 0, 100)
    params.choice(param.get("mode"), "mode", POWER_PERCENT_MODES)
    state.power_percent = percent
    return None


def _fastboot(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.fast_boot = params.choice(param, "param", ("enable", "disable")) == "enable"
    return None


def _upfreq_speed(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.upfreq_speed = params.integer(param, "param", 0, 10)
    return None


def _reboot(_state: MinerState, _param: object, _key: bytes) -> RestartKind | None:
    return RestartKind.SYSTEM


def _led(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    if param == "auto":
        state.led = "auto"
    elif isinstance(param, list) and param:
        state.led = [params.led_step(step, "param") for step in param]
    else:
        state.led = [params.led_step(param, "param")]
    return None


def _decrypt_param(param: object, key: bytes) -> object:
    """Decode an encrypted `param`: base64 of AES-256-ECB (PKCS#7 or zero padding)."""
    if not isinstance(param, str):
        raise InvalidParameterError("param")
    try:
        return json.loads(aes_decrypt(key, b64decode(param)).decode())
    except (ValueError, UnicodeDecodeError):
        raise InvalidParameterError("param") from None


def _pools_param(state: MinerState, param: object, key: bytes) -> RestartKind | None:
    pools = _decrypt_param(param, key)
    if isinstance(pools, Mapping):
        pools = pools.get("pools")
    if not isinstance(pools, list) or not 1 <= len(pools) <= 3:
        raise InvalidParameterError("param")
    entries = []
    for pool in pools:
        if not isinstance(pool, Mapping):
            raise InvalidParameterError("param")
        entries.append(
            {
                "url": params.text(params.require(pool, "pool"), "pool"),
                "worker": _string(pool.get("worker", ""), "worker"),
                "passwd": _string(pool.get("passwd", ""), "passwd"),
            }
        )
    state.pools = entries
    return None


def _string(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameterError(name)
    return value


def _fan_flag(attribute: str) -> V3Write:
    def handler(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
        setattr(state, attribute, params.flag(param, "param"))
        return None

    return handler


def _temp_offset(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.temp_offset = params.integer(param, "param", -30, 0)
    return None


def _hostname(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    if isinstance(param, Mapping):
        param = param.get("hostname")
    state.hostname = params.hostname(param, "param")
    return None


def _webpools(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.web_pools = params.choice(param, "param", ("enable", "disable")) == "enable"
    return None


def _target_freq(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    state.target_freq = params.integer(param, "param", -100, 100)
    return RestartKind.BTMINER


def _timezone(state: MinerState, param: object, _key: bytes) -> RestartKind | None:
    """`{"timezone": "CST-8", "zonename": "Asia/Shanghai"}` (the vendor document's shape)."""
    if not isinstance(param, Mapping):
        raise InvalidParameterError("param")
    state.timezone = params.text(params.require(param, "timezone"), "timezone")
    state.zonename = params.text(params.require(param, "zonename"), "zonename")
    return None


WRITES: dict[str, V3Write] = {
    "set.miner.service": _service,
    "set.miner.power_limit": _power_limit,
    "set.miner.power_mode": _power_mode,
    "set.miner.power_percent": _power_percent,
    "set.miner.fastboot": _fastboot,
    "set.miner.upfreq_speed": _upfreq_speed,
    "set.system.reboot": _reboot,
    "set.system.led": _led,
    "set.miner.pools": _pools_param,
    "set.fan.poweroff_cool": _fan_flag("poweroff_cool"),
    "set.fan.zero_speed": _fan_flag("fan_zero_speed"),
    "set.fan.temp_offset": _temp_offset,
    "set.system.hostname": _hostname,
    "set.system.webpools": _webpools,
    "set.miner.target_freq": _target_freq,
    "set.system.timezone": _timezone,
}
WRITES_WITHOUT_PARAM = frozenset({"set.system.reboot"})
