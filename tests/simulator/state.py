"""The mutable state of one simulated miner: its settings and when things happened.

Field defaults are the factory settings (PROTOCOL.md §2.5 `factory_reset`): password `admin`,
API write switch off, no pools. `MinerState.create` builds the friendlier state a test or demo
starts from. Everything time-dependent is stored as timestamps of the miner's clock, so the
readings (uptime, elapsed, shares) move with real time, or with a fake clock a test injects.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
import enum
from typing import TYPE_CHECKING, Any, Literal

from .dynamics import start_progress

if TYPE_CHECKING:
    from collections.abc import Callable

type PowerMode = Literal["low", "normal", "high"]
type LedSetting = str | dict[str, Any] | list[dict[str, Any]]
# A hardware fault code and the time the firmware logged it ("YYYY-MM-DD HH:MM:SS").
type ErrorCode = tuple[int, str]

POWER_MODES: tuple[PowerMode, ...] = ("low", "normal", "high")
# Seconds the miner has been up, and btminer running, when a simulated miner is created.
INITIAL_UPTIME_S = 7200.0
INITIAL_ELAPSED_S = 7000.0


class RestartKind(enum.Enum):
    """What a command restarts: only the btminer process, or the whole control board."""

    BTMINER = "btminer"
    SYSTEM = "system"


@dataclass(slots=True)
class Network:
    """The network settings the miner reports (they never move the simulated listener)."""

    ip: str
    proto: str = "dhcp"
    netmask: str = "255.255.255.0"
    gateway: str = ""
    dns: str = ""


def _no_clock() -> float:
    raise RuntimeError("MinerState needs a clock; build it with MinerState.create")


@dataclass(slots=True)
class MinerState:
    """Settings and history of one miner; commands mutate it, replies are derived from it."""

    clock: Callable[[], float] = field(default=_no_clock, repr=False, compare=False)
    mac: str = "C6:07:20:00:00:00"
    network: Network = field(default_factory=lambda: Network(ip="127.0.0.2"))
    # Settings a factory reset restores (the defaults below are the factory values).
    password: str = "admin"
    api_switch: bool = False
    hostname: str = "WhatsMiner"
    power_mode: PowerMode = "normal"
    power_limit: int | None = None
    power_percent: int = 100
    target_freq: int = 0
    fast_boot: bool = False
    upfreq_speed: int = 0
    temp_offset: int = 0
    poweroff_cool: bool = False
    fan_zero_speed: bool = False
    led: LedSetting = "auto"
    pools: list[dict[str, str]] = field(default_factory=list)
    web_pools: bool = True
    timezone: str = "CST-8"
    zonename: str = "Asia/Shanghai"
    log_target: dict[str, str] | None = None
    # How many more pre_power_on requests answer "adjust continue" before "adjust complete".
    warm_up_polls: int = 0
    # Faults and history, kept across a factory reset.
    error_codes: list[ErrorCode] = field(default_factory=list)
    # True while the btminer process is down (a restart window); v3 reads then answer
    # "btminer process is down err". `restart` clears it; a test may also set it by hand.
    btminer_down: bool = False
    firmware_uploads: list[int] = field(default_factory=list)
    # Older log lines a test puts before the generated ones (download_logs, get.log.download).
    log_history: bytes = b""
    boot_time: float = 0.0
    btminer_start: float = 0.0
    mining_since: float | None = 0.0
    banked_mining_s: float = 0.0
    # Multiplies the profile's start times (boot_s, ramp_s): 0 hashes at full rate the moment
    # mining starts, as the simulator did before it modelled the ramp.
    ramp_scale: float = 1.0

    @classmethod
    def create(
        cls,
        *,
        clock: Callable[[], float],
        host: str,
        mac: str,
        password: str,
        api_switch: bool,
    ) -> MinerState:
        """Return a miner that has been up for a while, mining to three example pools."""
        now = clock()
        gateway = host.rsplit(".", 1)[0] + ".1"
        worker = "sim." + host.replace(".", "_")
        return cls(
            clock=clock,
            mac=mac,
            network=Network(ip=host, gateway=gateway, dns=gateway),
            password=password,
            api_switch=api_switch,
            pools=[
                {"url": f"stratum+tcp://{name}.pool.example:3333", "worker": worker, "passwd": "x"}
                for name in ("btc", "btc-backup", "btc-fallback")
            ],
            boot_time=now - INITIAL_UPTIME_S,
            btminer_start=now - INITIAL_ELAPSED_S,
            mining_since=now - INITIAL_ELAPSED_S,
        )

    @property
    def mining(self) -> bool:
        """Whether the hashboards are powered and hashing (`mineroff` is the opposite)."""
        return self.mining_since is not None

    @mining.setter
    def mining(self, value: bool) -> None:
        if value == self.mining:
            return
        now = self.clock()
        if value:
            self.mining_since = now
        else:
            self.banked_mining_s = self.mining_seconds
            self.mining_since = None

    def start_progress(self, boot_s: float, ramp_s: float) -> float:
        """Return how far the last start has come (0 stopped or booting, 1 tuned)."""
        if self.mining_since is None:
            return 0.0
        scale = self.ramp_scale
        return start_progress(boot_s * scale, ramp_s * scale, self.clock() - self.mining_since)

    @property
    def uptime(self) -> float:
        """Seconds since the control board booted (summary `Uptime`)."""
        return max(0.0, self.clock() - self.boot_time)

    @property
    def elapsed(self) -> float:
        """Seconds since btminer started (summary `Elapsed`); resets on every restart."""
        return max(0.0, self.clock() - self.btminer_start)

    @property
    def mining_seconds(self) -> float:
        """Seconds spent hashing since btminer started: what the share counters grow with."""
        running = 0.0 if self.mining_since is None else self.clock() - self.mining_since
        return self.banked_mining_s + max(0.0, running)

    def restart(self, kind: RestartKind) -> None:
        """Come back from a restart: btminer counters start again, a reboot also resets uptime."""
        now = self.clock()
        self.btminer_down = False
        if kind is RestartKind.SYSTEM:
            self.boot_time = now
        self.btminer_start = now
        self.banked_mining_s = 0.0
        if self.mining_since is not None:
            self.mining_since = now

    def factory_reset(self) -> None:
        """Restore every setting to its factory value (the API switch goes off again)."""
        factory = MinerState(clock=self.clock, mac=self.mac)
        for name in _FACTORY_SETTINGS:
            setattr(self, name, getattr(factory, name))
        self.network = Network(ip=self.network.ip)


_FACTORY_SETTINGS = frozenset(
    setting.name
    for setting in fields(MinerState)
    if setting.name
    not in {
        "clock",
        "mac",
        "network",
        "error_codes",
        "btminer_down",
        "firmware_uploads",
        "boot_time",
        "btminer_start",
        "mining_since",
        "banked_mining_s",
        "ramp_scale",
    }
)
