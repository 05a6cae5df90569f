"""The catalogue of API v3 writes (``set.*``): wire names, parameters, ranges, side effects.

Every argument is checked here at run time, whatever its annotation says (a Home Assistant
service call can pass anything), so a wrong value raises WhatsminerInvalidArgumentError
instead of reaching the miner. Names and parameter shapes follow PROTOCOL.md §4.5 as
corrected by §4.9; ranges are inclusive at both ends. Numbers go on the wire as JSON
integers (never floats: ``3000.0`` is what asic-rs sends and what we avoid), except
``power_percent``, which the firmware reads as a string.

Error messages name the argument and the rule, never the value: some values are
passwords.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ..arguments import check_hostname, check_pools, check_posix_zone, check_zone_name
from ..errors import WhatsminerInvalidArgumentError
from ..models import PowerMode

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..models import PoolConfig

SET_SERVICE: Final = "set.miner.service"
MAX_POWER_LIMIT_W: Final = 99_999
MAX_UPFREQ_SPEED: Final = 10
TEMP_OFFSET_RANGE: Final = (-30, 0)
LED_COLORS: Final = ("red", "green")
_LED_MS_MAX: Final = 2**31 - 1  # the firmware reads the LED timings as C ints


@dataclass(frozen=True, slots=True, kw_only=True)
class Write:
    """One checked v3 write, ready to be signed and sent.

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


def _invalid(argument: str, rule: str) -> WhatsminerInvalidArgumentError:
    """Build the error for an argument that breaks its rule."""
    return WhatsminerInvalidArgumentError(f"{argument} must be {rule}")


def _integer(argument: str, value: object, minimum: int, maximum: int) -> int:
    """Return ``value`` if it is an int (not a bool) within ``minimum..maximum``."""
    if not isinstance(value, int) or isinstance(value, bool) or not minimum <= value <= maximum:
        raise _invalid(argument, f"an integer from {minimum} to {maximum}")
    return value


def _choice(argument: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` as a plain string if it is one of ``choices``."""
    for choice in choices:
        if value == choice:
            return str(choice)
    raise _invalid(argument, "one of " + ", ".join(repr(str(choice)) for choice in choices))


def _flag(argument: str, value: object) -> bool:
    """Return ``value`` if it is a real bool."""
    if not isinstance(value, bool):
        raise _invalid(argument, "True or False")
    return value


def service(action: str) -> Write:
    """Start, stop or restart the mining process (``set.miner.service``).

    Stopping and restarting often lose the reply; starting answers normally.
    """
    checked = _choice("action", action, ("start", "stop", "restart"))
    return Write(cmd=SET_SERVICE, param=checked, lost_reply_is_sent=checked != "start")


REBOOT: Final = Write(cmd="set.system.reboot", lost_reply_is_sent=True)
LED_AUTO: Final = Write(cmd="set.system.led", param="auto")


def power_limit(watts: int) -> Write:
    """Limit the power draw to 0..99999 W; the mining process restarts."""
    return Write(
        cmd="set.miner.power_limit",
        param=_integer("watts", watts, 0, MAX_POWER_LIMIT_W),
        lost_reply_is_sent=True,
    )


def power_mode(mode: PowerMode) -> Write:
    """Select the low, normal or high preset; the mining process restarts."""
    return Write(
        cmd="set.miner.power_mode",
        param=_choice("mode", mode, tuple(PowerMode)),
        lost_reply_is_sent=True,
    )


def fast_boot(enabled: bool) -> Write:
    """Switch fast boot; it takes effect at the next restart of the mining process."""
    return Write(
        cmd="set.miner.fastboot", param="enable" if _flag("enabled", enabled) else "disable"
    )


def upfreq_speed(speed: int) -> Write:
    """Set the ramp-up speed, 0 (normal) to 10 (fastest)."""
    return Write(cmd="set.miner.upfreq_speed", param=_integer("speed", speed, 0, MAX_UPFREQ_SPEED))


def led(*, color: str, period: int, duration: int, start: int) -> Write:
    """Flash one LED: on for ``duration`` ms every ``period`` ms, from ``start`` ms."""
    step = {
        "color": _choice("color", color, LED_COLORS),
        "period": _integer("period", period, 0, _LED_MS_MAX),
        "duration": _integer("duration", duration, 0, _LED_MS_MAX),
        "start": _integer("start", start, 0, _LED_MS_MAX),
    }
    return Write(cmd="set.system.led", param=[step])


def pools(configs: Sequence[PoolConfig]) -> Write:
    """Replace the pools with 1 to 3 new ones, sent encrypted as a bare list."""
    check_pools(configs)  # raises for anything but 1..3 valid PoolConfig
    return Write(
        cmd="set.miner.pools",
        param=[
            {"pool": pool.url, "worker": pool.worker, "passwd": pool.password} for pool in configs
        ],
        encrypted=True,
    )


def temp_offset(offset: int) -> Write:
    """Offset the hashboards' target temperature by -30..0 °C (air-cooled models)."""
    return Write(cmd="set.fan.temp_offset", param=_integer("offset", offset, *TEMP_OFFSET_RANGE))


def poweroff_cool(enabled: bool) -> Write:
    """Keep the fans cooling while mining is stopped (0/1 on the wire)."""
    return Write(cmd="set.fan.poweroff_cool", param=int(_flag("enabled", enabled)))


def fan_zero_speed(enabled: bool) -> Write:
    """Allow the fans' lowest speed to be zero (0/1 on the wire; air-cooled models)."""
    return Write(cmd="set.fan.zero_speed", param=int(_flag("enabled", enabled)))


def power_percent(percent: int, mode: str = "normal") -> Write:
    """Run at 0..100 % of the power; ``mode`` ``"fast"`` skips the gradual change.

    The firmware reads the percentage as a string although the vendor document says
    number (PROTOCOL.md §4.9).
    """
    return Write(
        cmd="set.miner.power_percent",
        param={
            "percent": str(_integer("percent", percent, 0, 100)),
            "mode": _choice("mode", mode, ("normal", "fast")),
        },
    )


def web_pools(enabled: bool) -> Write:
    """Allow or forbid editing the pools in the miner's web interface."""
    return Write(
        cmd="set.system.webpools", param="enable" if _flag("enabled", enabled) else "disable"
    )


def target_freq(percent: int) -> Write:
    """Shift the target frequency by -100..100 % of the factory one; btminer restarts."""
    return Write(
        cmd="set.miner.target_freq",
        param=_integer("percent", percent, -100, 100),
        lost_reply_is_sent=True,
    )


def hostname(name: str) -> Write:
    """Rename the miner on the network (effective after the network restarts)."""
    return Write(cmd="set.system.hostname", param={"hostname": check_hostname(name)})


def time_zone(posix: str, zone_name: str) -> Write:
    """Set the time zone: its POSIX rule (``CST-8``) and IANA name (``Asia/Shanghai``)."""
    return Write(
        cmd="set.system.timezone",
        param={"timezone": check_posix_zone(posix), "zonename": check_zone_name(zone_name)},
    )
