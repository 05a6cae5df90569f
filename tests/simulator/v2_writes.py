"""The v2 privileged commands of PROTOCOL.md §2.5 and what each does to the miner's state.

Each handler checks its documented parameters (raising `InvalidParameterError`, which the
protocol answers with Code 132) and then changes `MinerState`. Handlers that restart btminer or
reboot the control board say so in their result; the miner carries the restart out after the
reply has gone, so a client sees the reply and then a port that refuses for a while.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING, Any

from . import params
from .params import InvalidParameterError
from .state import POWER_MODES, Network, PowerMode, RestartKind

if TYPE_CHECKING:
    from .state import MinerState

type Params = Mapping[str, Any]

NO_LIMIT_W = 99999  # adjust_power_limit 99999 removes the limit (PROTOCOL.md §2.5)
OK = "API command OK"


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What a privileged command answers and what must happen after the reply."""

    msg: object = OK
    restart: RestartKind | None = None
    trailer: bytes = b""  # raw bytes after the reply (download_logs)
    receives_upload: bool = False  # the client sends a firmware image next (update_firmware)


type WriteHandler = Callable[[MinerState, Params], WriteResult]

WRITES: dict[str, WriteHandler] = {}


def _command(*names: str) -> Callable[[WriteHandler], WriteHandler]:
    def register(handler: WriteHandler) -> WriteHandler:
        for name in names:
            WRITES[name] = handler
        return handler

    return register


@_command("update_pools")
def _update_pools(state: MinerState, p: Params) -> WriteResult:
    pools = []
    for slot in (1, 2, 3):
        values = {key: p.get(f"{key}{slot}", "") for key in ("pool", "worker", "passwd")}
        for key, value in values.items():
            if not isinstance(value, str):
                raise InvalidParameterError(f"{key}{slot}")
        if values["pool"]:
            pools.append(
                {"url": values["pool"], "worker": values["worker"], "passwd": values["passwd"]}
            )
    if not pools:
        raise InvalidParameterError("pool1")
    state.pools = pools
    return WriteResult()


@_command("restart_btminer")
def _restart_btminer(_state: MinerState, _p: Params) -> WriteResult:
    return WriteResult(restart=RestartKind.BTMINER)


@_command("power_off")
def _power_off(state: MinerState, p: Params) -> WriteResult:
    if "respbefore" in p:
        params.true_false(p["respbefore"], "respbefore")
    state.mining = False
    return WriteResult()


@_command("power_on")
def _power_on(state: MinerState, _p: Params) -> WriteResult:
    state.mining = True
    return WriteResult()


@_command("set_led")
def _set_led(state: MinerState, p: Params) -> WriteResult:
    if "param" in p:
        state.led = params.choice(p["param"], "param", ("auto",))
    else:
        state.led = params.led_step(p, "color")
    return WriteResult()


def _power_mode(mode: PowerMode) -> WriteHandler:
    def handler(state: MinerState, _p: Params) -> WriteResult:
        state.power_mode = mode
        return WriteResult(restart=RestartKind.BTMINER)

    return handler


for _mode in POWER_MODES:
    _command(f"set_{_mode}_power")(_power_mode(_mode))


@_command("update_firmware")
def _update_firmware(_state: MinerState, _p: Params) -> WriteResult:
    return WriteResult(msg="ready", receives_upload=True)


@_command("reboot")
def _reboot(_state: MinerState, _p: Params) -> WriteResult:
    return WriteResult(restart=RestartKind.SYSTEM)


@_command("factory_reset")
def _factory_reset(state: MinerState, _p: Params) -> WriteResult:
    state.factory_reset()
    return WriteResult(restart=RestartKind.SYSTEM)


@_command("update_pwd")
def _update_pwd(state: MinerState, p: Params) -> WriteResult:
    if params.require(p, "old") != state.password:
        raise InvalidParameterError("old")
    state.password = params.password(params.require(p, "new"), "new")
    return WriteResult()


@_command("net_config")
def _net_config(state: MinerState, p: Params) -> WriteResult:
    if "param" in p:
        params.choice(p["param"], "param", ("dhcp",))
        state.network = Network(ip=state.network.ip)
        return WriteResult(restart=RestartKind.SYSTEM)
    dns = params.text(params.require(p, "dns"), "dns").split()
    state.network = Network(
        ip=params.ipv4(params.require(p, "ip"), "ip"),
        proto="static",
        netmask=params.ipv4(params.require(p, "mask"), "mask"),
        gateway=params.ipv4(params.require(p, "gate"), "gate"),
        dns=" ".join(params.ipv4(server, "dns") for server in dns),
    )
    state.hostname = params.hostname(params.require(p, "host"), "host")
    return WriteResult(restart=RestartKind.SYSTEM)


def miner_log(state: MinerState) -> bytes:
    """Return the miner's log: what a test put in `log_history`, then lines from the state.

    The lines name the miner's address, MAC and first pool the way firmware logs do, so
    clients can show that they redact them.
    """
    now = state.clock()
    pool = state.pools[0] if state.pools else {"url": "", "worker": ""}
    lines = [
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(now - age))} btminer: {event}"
        for age, event in (
            (state.uptime, f"system boot ip={state.network.ip} mac={state.mac}"),
            (state.elapsed, f"btminer start pool={pool['url']} worker={pool['worker']}"),
            (0.0, f"mining={'on' if state.mining else 'off'} mode={state.power_mode}"),
        )
    ]
    return state.log_history + ("\n".join(lines) + "\n").encode()


@_command("download_logs")
def _download_logs(state: MinerState, _p: Params) -> WriteResult:
    log = miner_log(state)
    return WriteResult(msg={"logfilelen": str(len(log))}, trailer=log)


@_command("set_target_freq")
def _set_target_freq(state: MinerState, p: Params) -> WriteResult:
    state.target_freq = params.integer(params.require(p, "percent"), "percent", -100, 100)
    return WriteResult(restart=RestartKind.BTMINER)


def _setter(attribute: str, value: bool) -> WriteHandler:
    def handler(state: MinerState, _p: Params) -> WriteResult:
        setattr(state, attribute, value)
        return WriteResult()

    return handler


_command("enable_btminer_fast_boot")(_setter("fast_boot", value=True))
_command("disable_btminer_fast_boot")(_setter("fast_boot", value=False))
_command("enable_web_pools")(_setter("web_pools", value=True))
_command("disable_web_pools")(_setter("web_pools", value=False))


@_command("set_hostname")
def _set_hostname(state: MinerState, p: Params) -> WriteResult:
    state.hostname = params.hostname(params.require(p, "hostname"), "hostname")
    return WriteResult()


@_command("set_zone")
def _set_zone(state: MinerState, p: Params) -> WriteResult:
    state.timezone = params.text(params.require(p, "timezone"), "timezone")
    state.zonename = params.text(params.require(p, "zonename"), "zonename")
    return WriteResult()


@_command("load_log")
def _load_log(state: MinerState, p: Params) -> WriteResult:
    state.log_target = {
        "ip": params.ipv4(params.require(p, "ip"), "ip"),
        "port": str(params.integer(params.require(p, "port"), "port", 1, 65535)),
        "proto": params.choice(params.require(p, "proto"), "proto", ("tcp", "udp")),
    }
    return WriteResult()


@_command("set_power_pct")
def _set_power_pct(state: MinerState, p: Params) -> WriteResult:
    state.power_percent = params.integer(params.require(p, "percent"), "percent", 0, 100)
    return WriteResult()


@_command("set_power_pct_v2")
def _set_power_pct_v2(state: MinerState, p: Params) -> WriteResult:
    state.power_percent = params.integer(params.require(p, "percent"), "percent", 0, 200)
    return WriteResult()


@_command("pre_power_on")
def _pre_power_on(state: MinerState, p: Params) -> WriteResult:
    """Preheat, or say how far it got: `warm_up_polls` more times "adjust continue"."""
    params.true_false(params.require(p, "complete"), "complete")
    params.choice(
        params.require(p, "msg"),
        "msg",
        ("wait for adjust temp", "adjust complete", "adjust continue"),
    )
    if state.warm_up_polls > 0:
        state.warm_up_polls -= 1
        return WriteResult(msg={"complete": "false", "msg": "adjust continue"})
    return WriteResult(msg={"complete": "true", "msg": "adjust complete"})


@_command("set_temp_offset")
def _set_temp_offset(state: MinerState, p: Params) -> WriteResult:
    state.temp_offset = params.integer(params.require(p, "temp_offset"), "temp_offset", -30, 0)
    return WriteResult()


@_command("adjust_power_limit")
def _adjust_power_limit(state: MinerState, p: Params) -> WriteResult:
    watts = params.integer(params.require(p, "power_limit"), "power_limit", 0, NO_LIMIT_W)
    state.power_limit = None if watts == NO_LIMIT_W else watts
    return WriteResult(restart=RestartKind.BTMINER)


@_command("adjust_upfreq_speed")
def _adjust_upfreq_speed(state: MinerState, p: Params) -> WriteResult:
    state.upfreq_speed = params.integer(params.require(p, "upfreq_speed"), "upfreq_speed", 0, 9)
    return WriteResult()


@_command("set_poweroff_cool")
def _set_poweroff_cool(state: MinerState, p: Params) -> WriteResult:
    state.poweroff_cool = params.flag(params.require(p, "poweroff_cool"), "poweroff_cool")
    return WriteResult()


@_command("set_fan_zero_speed")
def _set_fan_zero_speed(state: MinerState, p: Params) -> WriteResult:
    state.fan_zero_speed = params.flag(params.require(p, "fan_zero_speed"), "fan_zero_speed")
    return WriteResult()
