"""Operations in API v3's wire form (``set.*``): the command and its parameter.

Names and parameter shapes follow PROTOCOL.md §4.5 as corrected by §4.9. Numbers go on the
wire as JSON integers (never floats: ``3000.0`` is what asic-rs sends and what we avoid),
except the power percentage, which the firmware reads as a string. The operation checked
its arguments when it was built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from .. import operations as ops
from ..errors import WhatsminerInvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


SET_SERVICE: Final = "set.miner.service"


@dataclass(frozen=True, slots=True, kw_only=True)
class Write:
    """One v3 write, ready to be signed and sent.

    ``param`` is None for a write that takes none; it stays out of ``repr`` because a
    pool list carries pool passwords. ``encrypted``: the param travels AES-encrypted
    with the write's digest (PROTOCOL.md §4.4). ``lost_reply_is_sent``: the miner restarts
    or stops hashing and often answers late or never, so a reply lost after the request
    left means "sent", not failure.
    """

    cmd: str
    param: object = field(default=None, repr=False)
    encrypted: bool = False
    lost_reply_is_sent: bool = False


def _able(enabled: bool) -> str:
    """Spell a switch as ``enable``/``disable``."""
    return "enable" if enabled else "disable"


_WIRE: Final[Mapping[type[ops.Operation], tuple[str, Callable[[Any], object]]]] = {
    ops.StartMining: (SET_SERVICE, lambda _: "start"),
    ops.StopMining: (SET_SERVICE, lambda _: "stop"),
    ops.RestartMining: (SET_SERVICE, lambda _: "restart"),
    ops.Reboot: ("set.system.reboot", lambda _: None),
    ops.SetFastBoot: ("set.miner.fastboot", lambda op: _able(op.enabled)),
    ops.SetWebPools: ("set.system.webpools", lambda op: _able(op.enabled)),
    ops.SetPoweroffCool: ("set.fan.poweroff_cool", lambda op: int(op.enabled)),
    ops.SetFanZeroSpeed: ("set.fan.zero_speed", lambda op: int(op.enabled)),
    ops.SetPowerLimit: ("set.miner.power_limit", lambda op: op.watts),
    ops.SetUpfreqSpeed: ("set.miner.upfreq_speed", lambda op: op.speed),
    ops.SetPowerMode: ("set.miner.power_mode", lambda op: str(op.mode)),
    ops.SetTempOffset: ("set.fan.temp_offset", lambda op: op.offset),
    # "normal" changes the power gradually, "fast" within seconds; the firmware reads the
    # percentage as a string although the vendor document says number (PROTOCOL.md §4.9).
    ops.SetPowerPercent: (
        "set.miner.power_percent",
        lambda op: {"percent": str(op.percent), "mode": "fast" if op.fast else "normal"},
    ),
    ops.SetTargetFreq: ("set.miner.target_freq", lambda op: op.percent),
    ops.SetLedAuto: ("set.system.led", lambda _: "auto"),
    ops.SetLed: (
        "set.system.led",
        lambda op: [
            {"color": op.color, "period": op.period, "duration": op.duration, "start": op.start}
        ],
    ),
    # Sent encrypted, as a bare list.
    ops.SetPools: (
        "set.miner.pools",
        lambda op: [
            {"pool": pool.url, "worker": pool.worker, "passwd": pool.password} for pool in op.pools
        ],
    ),
    ops.SetHostname: ("set.system.hostname", lambda op: {"hostname": op.hostname}),
    ops.SetTimeZone: (
        "set.system.timezone",
        lambda op: {"timezone": op.posix, "zonename": op.zone_name},
    ),
}

OPERATIONS: Final = frozenset(_WIRE)
"""Every operation API v3 takes."""


def encode(operation: ops.Operation) -> Write:
    """Return the v3 write of ``operation``.

    Raises WhatsminerInvalidArgumentError for an operation API v3 does not have.
    """
    wire = _WIRE.get(type(operation))
    if wire is None:
        raise WhatsminerInvalidArgumentError(f"API v3 has no {type(operation).__name__}")
    cmd, param = wire
    return Write(
        cmd=cmd,
        param=param(operation),
        encrypted=isinstance(operation, ops.SetPools),
        lost_reply_is_sent=operation.restart.lost_reply_is_sent,
    )
