"""The command catalogue: every write a miner takes, described once for both generations.

An operation is a small frozen dataclass. Building one checks its arguments (a Home
Assistant service call can pass anything, whatever the annotations say), so a wrong value
raises WhatsminerInvalidArgumentError before anything is sent. ``restart`` says what the
miner does after it, which decides whether a lost reply still counts as sent, and
``generations`` which APIs have it (:meth:`Identity.supports`). Each generation turns an
operation into its own wire form: ``api/v2/encoder.py`` and ``api/v3/encoder.py``.

Run one with ``await client.run(SetPowerLimit(3000))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, Final

from .arguments import (
    check_choice,
    check_flag,
    check_hostname,
    check_integer,
    check_pools,
    check_posix_zone,
    check_zone_name,
)
from .models import ApiGeneration, PoolConfig, PowerMode

if TYPE_CHECKING:
    from collections.abc import Sequence

MAX_POWER_LIMIT_W: Final = 99_999
MAX_UPFREQ_SPEED: Final = 10
"""The fastest ramp-up speed of either API (v2 takes 0..9: its encoder says so)."""
LED_COLORS: Final = ("red", "green")
LED_MS_MAX: Final = 2**31 - 1  # the firmware reads the LED timings as C ints
BOTH_GENERATIONS: Final = frozenset(ApiGeneration)


class RestartKind(Enum):
    """What the miner does after an operation, and so what a lost reply means.

    Anything but ``NONE`` often loses its reply (the miner stops hashing or restarts
    first), so a reply lost or cut short after the request left means "sent", not
    failure (PROTOCOL.md §2.5; §5, item 8).
    """

    NONE = "none"
    STOPS_MINING = "stops_mining"
    RESTARTS_MINING = "restarts_mining"
    REBOOTS = "reboots"

    @property
    def lost_reply_is_sent(self) -> bool:
        """Whether a reply lost after the request left still counts as sent."""
        return self is not RestartKind.NONE


@dataclass(frozen=True, slots=True)
class Operation:
    """A write to a miner; subclasses check their arguments when they are built."""

    restart: ClassVar[RestartKind] = RestartKind.NONE
    generations: ClassVar[frozenset[ApiGeneration]] = BOTH_GENERATIONS


@dataclass(frozen=True, slots=True)
class StartMining(Operation):
    """Start mining (hashboard power on)."""


@dataclass(frozen=True, slots=True)
class StopMining(Operation):
    """Stop mining; the control board stays up."""

    restart: ClassVar[RestartKind] = RestartKind.STOPS_MINING


@dataclass(frozen=True, slots=True)
class RestartMining(Operation):
    """Restart the mining process, not the control board."""

    restart: ClassVar[RestartKind] = RestartKind.RESTARTS_MINING


@dataclass(frozen=True, slots=True)
class Reboot(Operation):
    """Reboot the control board."""

    restart: ClassVar[RestartKind] = RestartKind.REBOOTS


@dataclass(frozen=True, slots=True)
class _Switch(Operation):
    """A setting switched on or off."""

    enabled: bool

    def __post_init__(self) -> None:
        """Refuse anything but a real bool."""
        check_flag("enabled", self.enabled)


@dataclass(frozen=True, slots=True)
class SetFastBoot(_Switch):
    """Switch fast boot; it takes effect at the next start of the mining process."""


@dataclass(frozen=True, slots=True)
class SetPoweroffCool(_Switch):
    """Keep the fans cooling while mining is stopped."""


@dataclass(frozen=True, slots=True)
class SetFanZeroSpeed(_Switch):
    """Allow the fans' lowest speed to be zero."""


@dataclass(frozen=True, slots=True)
class SetWebPools(_Switch):
    """Allow or forbid editing the pools in the miner's web interface."""


@dataclass(frozen=True, slots=True)
class SetPowerLimit(Operation):
    """Limit the power draw to 0..99999 W; the mining process restarts."""

    restart: ClassVar[RestartKind] = RestartKind.RESTARTS_MINING
    watts: int

    def __post_init__(self) -> None:
        """Check the range."""
        check_integer("watts", self.watts, 0, MAX_POWER_LIMIT_W)


@dataclass(frozen=True, slots=True)
class SetUpfreqSpeed(Operation):
    """Set the ramp-up speed, 0 (normal) to 10 (fastest; 9 on API v2)."""

    speed: int

    def __post_init__(self) -> None:
        """Check the range both generations share; v2's encoder narrows it to 0..9."""
        check_integer("speed", self.speed, 0, MAX_UPFREQ_SPEED)


@dataclass(frozen=True, slots=True)
class SetPowerMode(Operation):
    """Select the low, normal or high power preset; the mining process restarts."""

    restart: ClassVar[RestartKind] = RestartKind.RESTARTS_MINING
    mode: PowerMode

    def __post_init__(self) -> None:
        """Accept a PowerMode or its value."""
        object.__setattr__(
            self, "mode", PowerMode(check_choice("mode", self.mode, tuple(PowerMode)))
        )


@dataclass(frozen=True, slots=True)
class SetTempOffset(Operation):
    """Offset the hashboards' target temperature by -30..0 °C."""

    offset: int

    def __post_init__(self) -> None:
        """Check the range."""
        check_integer("offset", self.offset, -30, 0)


@dataclass(frozen=True, slots=True)
class SetPowerPercent(Operation):
    """Run at 0..100 % of the power, without restarting mining.

    `fast` asks v3 firmware for its fast mode (the power follows within seconds instead of
    gradually); v2 has one mode and ignores it.
    """

    percent: int
    fast: bool = False

    def __post_init__(self) -> None:
        """Check the range and that `fast` is a real bool."""
        check_integer("percent", self.percent, 0, 100)
        check_flag("fast", self.fast)


@dataclass(frozen=True, slots=True)
class SetTargetFreq(Operation):
    """Shift the target frequency by -100..100 %; the mining process restarts."""

    restart: ClassVar[RestartKind] = RestartKind.RESTARTS_MINING
    percent: int

    def __post_init__(self) -> None:
        """Check the range."""
        check_integer("percent", self.percent, -100, 100)


@dataclass(frozen=True, slots=True)
class SetLedAuto(Operation):
    """Give the LEDs back to the firmware."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SetLed(Operation):
    """Flash the red or green LED: on ``duration`` ms every ``period`` ms, from ``start``."""

    color: str
    period: int
    duration: int
    start: int

    def __post_init__(self) -> None:
        """Check the colour and the timings."""
        check_choice("color", self.color, LED_COLORS)
        for name in ("period", "duration", "start"):
            check_integer(name, getattr(self, name), 0, LED_MS_MAX)


@dataclass(frozen=True, slots=True)
class SetPools(Operation):
    """Replace the pools with 1 to 3 new ones; unused slots are cleared.

    The pool passwords stay out of ``repr`` (as in :class:`PoolConfig`).
    """

    pools: Sequence[PoolConfig] = field(repr=False)

    def __post_init__(self) -> None:
        """Check every pool; keep them as a tuple."""
        object.__setattr__(self, "pools", check_pools(self.pools))


@dataclass(frozen=True, slots=True)
class SetHostname(Operation):
    """Rename the miner on the network; effective after the network restarts."""

    hostname: str

    def __post_init__(self) -> None:
        """Check that the firmware takes the name (an RFC 1123 label)."""
        check_hostname(self.hostname)


@dataclass(frozen=True, slots=True)
class SetTimeZone(Operation):
    """Set the time zone (POSIX rule and IANA name); effective after a network restart."""

    posix: str
    zone_name: str

    def __post_init__(self) -> None:
        """Check the rule and the name."""
        check_posix_zone(self.posix)
        check_zone_name(self.zone_name)
