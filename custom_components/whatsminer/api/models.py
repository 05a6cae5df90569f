"""Typed, immutable views of what a miner reports.

Every field that a firmware may omit or fill with junk is optional: ``None`` means
"the miner did not tell us", never "zero". Units are fixed here so that the parsers of
both API generations convert into the same numbers: hashrate in TH/s, power in W,
temperatures in °C, fan speeds in RPM, durations in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import ClassVar, Protocol


class PowerMode(StrEnum):
    """The miner's power mode presets."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class ApiGeneration(Enum):
    """Which protocol the client speaks to a miner.

    ``V2``: one JSON request per connection on TCP 4028. ``V3``: framed JSON on one
    persistent connection on TCP 4433, firmware from about May 2024 on.
    """

    V2 = 2
    V3 = 3


class CommandOutcome(StrEnum):
    """What the client knows about a write command after sending it.

    Commands that restart the miner or stop hashing (``power_off``) often lose their
    reply; when the request had left, the client then reports ``SENT`` instead of
    failing, and the next poll shows whether it took effect.
    """

    CONFIRMED = "confirmed"
    SENT = "sent"


class _ForGenerations(Protocol):
    """What an operation class says about the API generations that have it."""

    generations: ClassVar[frozenset[ApiGeneration]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Static facts about a miner, read once and again only when the firmware changes."""

    mac: str  # upper case, colon separated: "C4:08:28:00:A4:19"
    hostname: str | None
    model: str | None  # as reported, e.g. "M50S+VH40"
    firmware: str | None  # e.g. "20230803.11.REL", quotes stripped
    api_version: str | None  # e.g. "2.0.5" or "3.0.2"
    api_generation: ApiGeneration
    serial: str | None

    @property
    def counts_shares(self) -> bool:
        """Whether polls report accepted and rejected shares; API v3 does not count them."""
        return self.api_generation is ApiGeneration.V2

    @property
    def upfreq_speed_max(self) -> int:
        """The fastest ramp-up speed the miner's API takes: 9 on v2, 10 on v3."""
        return 10 if self.api_generation is ApiGeneration.V3 else 9

    def supports(self, operation: type[_ForGenerations]) -> bool:
        """Whether the miner's API has ``operation`` (a class of :mod:`.operations`)."""
        return self.api_generation in operation.generations


@dataclass(frozen=True, slots=True, kw_only=True)
class Board:
    """One hashboard."""

    index: int  # 0-based slot
    temperature: float | None
    hashrate: float | None  # TH/s
    chip_temp_min: float | None
    chip_temp_avg: float | None
    chip_temp_max: float | None
    frequency: float | None  # MHz
    effective_chips: int | None
    alive: bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pool:
    """One configured mining pool."""

    index: int  # 1-based, as the miner numbers them
    url: str
    user: str | None
    alive: bool | None
    active: bool
    accepted: int | None  # shares; v3 does not count them
    rejected: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorCode:
    """A hardware fault code the miner reports, with when it happened."""

    code: str
    time: str | None  # miner-local "YYYY-MM-DD HH:MM:SS", as reported
    reason: str | None = None  # v3 only


@dataclass(frozen=True, slots=True, kw_only=True)
class Psu:
    """The power supply unit."""

    model: str | None
    serial: str | None
    firmware: str | None
    fan_speed: int | None  # RPM
    input_power: float | None  # W, where the firmware reports it
    input_voltage: float | None  # V, where the firmware reports it


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolConfig:
    """One pool to write with ``update_pools``.

    The pool password stays out of ``repr`` so that logging a list of pools leaks nothing.
    """

    url: str
    worker: str
    password: str = field(default="", repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerLog:
    """The end of the miner's log file.

    The content stays out of ``repr``: it may name pools, workers and addresses, and
    nothing should log it by accident.
    """

    size: int  # bytes in the whole file, as the miner announced it
    tail: bytes = field(repr=False)  # its last bytes, at most as many as asked for


@dataclass(frozen=True, slots=True, kw_only=True)
class MinerData:
    """Everything one poll learns about a miner."""

    hashrate: float | None  # TH/s, realtime or the shortest average the firmware gives
    hashrate_average: float | None  # TH/s since btminer start
    hashrate_factory: float | None  # TH/s the miner was rated for
    power: float | None  # W drawn now
    power_limit: int | None  # W in force: the one set, else the model default; None if unknown
    efficiency: float | None  # J/TH = power / hashrate; None below 0.1 TH/s (stopped, ramp-up)
    environment_temperature: float | None
    boards: tuple[Board, ...]
    chip_temp_min: float | None
    chip_temp_avg: float | None
    chip_temp_max: float | None
    fan_in: int | None  # RPM
    fan_out: int | None  # RPM
    psu: Psu | None
    elapsed: int | None  # s since btminer (the mining process) started
    mining: bool | None  # False while mining is stopped with power_off
    # Start-up frequency tuning finished (v2 "Upfreq Complete", v3 "up-freq-finish"): False
    # while a miner that started hashes below its target; None where the firmware is silent.
    upfreq_complete: bool | None
    power_mode: PowerMode | None
    fast_boot: bool | None
    upfreq_speed: int | None  # 0..9 (v2), 0..10 (v3); None where the firmware cannot tell
    power_percent: int | None  # 0..100 % of the power; None where the firmware cannot tell
    temp_offset: int | None  # °C, -30..0; None where unreadable (v2)
    poweroff_cool: bool | None  # None where unreadable (v2)
    fan_zero_speed: bool | None  # None where unreadable (v2)
    led_auto: bool | None
    web_pools: bool | None  # pools editable in the miner's web UI; None where unreadable (v2)
    target_freq: int | None  # % of the factory frequency, -100..100; None where unreadable (v2)
    zone_name: str | None  # IANA time zone the miner runs on; None where unreadable (v2)
    pools: tuple[Pool, ...]
    accepted: int | None  # shares; v3 does not count them
    rejected: int | None
    errors: tuple[ErrorCode, ...] | None  # None: the reply left them unknown (garbled)
    firmware: str | None  # lets the caller notice a firmware update without re-reading identity

    @property
    def active_pool(self) -> Pool | None:
        """The pool the miner is hashing on, if any."""
        return next((pool for pool in self.pools if pool.active), None)
