"""Operations in API v2's wire form: the plaintext privileged command, before the token.

Names and parameter keys follow the vendor's "Whatsminer API V2.0.5" (PROTOCOL.md §2.5).
Values go on the wire as strings, as the document types them, except the LED timings,
which it types as integers. The operation checked its arguments when it was built; only
v2's narrower ramp-up speed (0..9) is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .. import operations as ops
from ..arguments import MAX_POOLS, check_integer
from ..errors import WhatsminerInvalidArgumentError
from ..operations import (
    RestartKind,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from ..models import PoolConfig

type WireValue = str | int
type WireCommand = dict[str, WireValue]

MAX_UPFREQ_SPEED: Final = 9

_FORGETS_TOKEN: Final = frozenset({RestartKind.RESTARTS_MINING, RestartKind.REBOOTS})
"""btminer restarts and forgets every token it handed out: the client drops its own."""

PRE_POWER_ON: Final[WireCommand] = {
    "cmd": "pre_power_on",
    "complete": "false",
    "msg": "wait for adjust temp",
}
"""Starts preheating a stopped miner, and asks how far it got."""
DOWNLOAD_LOGS: Final[WireCommand] = {"cmd": "download_logs"}


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Command:
    """A privileged command ready for the channel, and how to treat its reply.

    ``payload`` stays out of ``repr``: a pool list carries pool passwords.
    """

    payload: WireCommand = field(repr=False)
    lost_reply_is_sent: bool = False
    forgets_token: bool = False


def _able(enabled: bool) -> str:
    """Spell a switch as the enable_/disable_ command prefix."""
    return "enable" if enabled else "disable"


def _digit(enabled: bool) -> str:
    """Spell a switch as "1" or "0"."""
    return "1" if enabled else "0"


def _pools(pools: Sequence[PoolConfig]) -> WireCommand:
    """Spread 1 to 3 pools over the numbered slots; unused slots go empty, so they clear."""
    wire: WireCommand = {"cmd": "update_pools"}
    for slot in range(1, MAX_POOLS + 1):
        url, worker, password = (
            (pools[slot - 1].url, pools[slot - 1].worker, pools[slot - 1].password)
            if slot <= len(pools)
            else ("", "", "")
        )
        wire |= {f"pool{slot}": url, f"worker{slot}": worker, f"passwd{slot}": password}
    return wire


_WIRE: Final[Mapping[type[ops.Operation], Callable[[Any], WireCommand]]] = {
    ops.StartMining: lambda _: {"cmd": "power_on"},
    ops.StopMining: lambda _: {"cmd": "power_off", "respbefore": "true"},
    ops.RestartMining: lambda _: {"cmd": "restart_btminer"},
    ops.Reboot: lambda _: {"cmd": "reboot"},
    ops.SetFastBoot: lambda op: {"cmd": f"{_able(op.enabled)}_btminer_fast_boot"},
    ops.SetWebPools: lambda op: {"cmd": f"{_able(op.enabled)}_web_pools"},
    ops.SetPoweroffCool: lambda op: {
        "cmd": "set_poweroff_cool",
        "poweroff_cool": _digit(op.enabled),
    },
    ops.SetFanZeroSpeed: lambda op: {
        "cmd": "set_fan_zero_speed",
        "fan_zero_speed": _digit(op.enabled),
    },
    ops.SetPowerLimit: lambda op: {"cmd": "adjust_power_limit", "power_limit": str(op.watts)},
    ops.SetUpfreqSpeed: lambda op: {
        "cmd": "adjust_upfreq_speed",
        "upfreq_speed": str(check_integer("speed", op.speed, 0, MAX_UPFREQ_SPEED)),
    },
    ops.SetPowerMode: lambda op: {"cmd": f"set_{op.mode}_power"},
    ops.SetTempOffset: lambda op: {"cmd": "set_temp_offset", "temp_offset": str(op.offset)},
    ops.SetPowerPercent: lambda op: {"cmd": "set_power_pct", "percent": str(op.percent)},
    ops.SetTargetFreq: lambda op: {"cmd": "set_target_freq", "percent": str(op.percent)},
    ops.SetLedAuto: lambda _: {"cmd": "set_led", "param": "auto"},
    ops.SetLed: lambda op: {
        "cmd": "set_led",
        "color": op.color,
        "period": op.period,
        "duration": op.duration,
        "start": op.start,
    },
    ops.SetPools: lambda op: _pools(op.pools),
    ops.SetHostname: lambda op: {"cmd": "set_hostname", "hostname": op.hostname},
    ops.SetTimeZone: lambda op: {"cmd": "set_zone", "timezone": op.posix, "zonename": op.zone_name},
}

OPERATIONS: Final = frozenset(_WIRE)
"""Every operation API v2 takes."""


def encode(operation: ops.Operation) -> V2Command:
    """Return the v2 command of ``operation``.

    Raises WhatsminerInvalidArgumentError for an operation API v2 does not have, or a
    ramp-up speed above 9.
    """
    wire = _WIRE.get(type(operation))
    if wire is None:
        raise WhatsminerInvalidArgumentError(f"API v2 has no {type(operation).__name__}")
    return V2Command(
        payload=wire(operation),
        lost_reply_is_sent=operation.restart.lost_reply_is_sent,
        forgets_token=operation.restart in _FORGETS_TOKEN,
    )
