"""What a miner measures right now, derived from its profile, its settings and its clock.

The model is small and deterministic so tests can predict it:

* hashrate and power scale with the power mode, `set_power_pct` and `set_target_freq`;
* a power limit below the resulting draw caps the power and scales the hashrate with it;
* a stopped miner hashes nothing and draws `IDLE_POWER_W` (the Tether mock's ≈13 W);
* a start (mining switched on, or btminer back from a restart) boots at idle power with no
  hashrate for the profile's `boot_s`, then hashrate and power rise linearly to their targets
  until `ramp_s`, the up-freq flag 0 until then (dynamics.start_progress, the bench's shape);
* the short hashrate windows wobble a little around the average (a sine of the clock);
* temperatures and fan speeds follow the load, `temp_offset` and `poweroff_cool`;
* accepted shares grow with the time spent hashing, at the factory hashrate's share rate.

Per-board values always add up to (hashrates) or bracket (temperatures) the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
import math
from typing import TYPE_CHECKING, NamedTuple

from .identity import board_serial, board_temperature_offsets, board_weights

if TYPE_CHECKING:
    from .profiles import Profile
    from .state import MinerState, PowerMode

IDLE_POWER_W = 13
ENVIRONMENT_C = 25.0
PSU_VOLTAGE_V = 224.0
# Shares per second per TH/s at pool difficulty 65536: 1e12 / (65536 * 2**32).
SHARES_PER_THS_SECOND = 1e12 / (65536 * 2**32)
REJECTED_EVERY = 500  # one rejected share per this many accepted


class ModeFactors(NamedTuple):
    """How a power mode scales the nominal hashrate and power."""

    hashrate: float
    power: float


MODE_FACTORS: dict[PowerMode, ModeFactors] = {
    "low": ModeFactors(hashrate=0.85, power=0.75),
    "normal": ModeFactors(hashrate=1.0, power=1.0),
    "high": ModeFactors(hashrate=1.12, power=1.22),
}


class Hashrates(NamedTuple):
    """One hashrate over the windows the firmware reports, in TH/s."""

    realtime: float  # "MHS 5s", v3 "hash-realtime"
    one_minute: float
    five_minutes: float  # also "HS RT"
    fifteen_minutes: float
    average: float  # "MHS av", v3 "hash-average"

    def scaled(self, factor: float) -> Hashrates:
        """Return every window multiplied by `factor` (a board's share of the total)."""
        return Hashrates(*(value * factor for value in self))


@dataclass(frozen=True, slots=True)
class BoardReading:
    """One hashboard's measurements."""

    index: int
    serial: str
    hashrate: Hashrates
    factory_ths: float
    temperature: float  # board temperature at the air outlet
    chip_temp_min: float
    chip_temp_avg: float
    chip_temp_max: float
    frequency: int
    effective_chips: int
    accepted: int


@dataclass(frozen=True, slots=True)
class Readings:
    """The whole miner's measurements at one instant."""

    mining: bool
    upfreq_complete: bool  # the start-up tuning has ended (False while stopped)
    elapsed: int
    uptime: int
    hashrate: Hashrates
    factory_ths: float
    target_ths: float
    power_w: int
    power_limit_w: int  # what summary "Power Limit" shows: 0 while stopped
    environment_c: float
    fan_in_rpm: int
    fan_out_rpm: int
    psu_fan_rpm: int
    psu_input_v: float
    psu_temperature_c: float
    frequency: int
    target_frequency: int
    accepted: int
    rejected: int
    boards: tuple[BoardReading, ...]

    @property
    def temperature(self) -> float:
        """The hottest board: summary "Temperature"."""
        return max(board.temperature for board in self.boards)

    @property
    def chip_temp_min(self) -> float:
        """The coolest chip of all boards."""
        return min(board.chip_temp_min for board in self.boards)

    @property
    def chip_temp_max(self) -> float:
        """The hottest chip of all boards."""
        return max(board.chip_temp_max for board in self.boards)

    @property
    def chip_temp_avg(self) -> float:
        """The mean of the boards' average chip temperatures."""
        return round(sum(board.chip_temp_avg for board in self.boards) / len(self.boards), 2)

    @property
    def power_rate(self) -> float:
        """Efficiency in J/TH (summary "Power Rate"); 0 while not hashing."""
        average = self.hashrate.average
        return round(self.power_w / average, 2) if average else 0.0

    @property
    def psu_input_a(self) -> float:
        """Input current of the power supply."""
        return round(self.power_w / self.psu_input_v, 2)


def unlimited_power_w(profile: Profile) -> int:
    """Return the limit a miner reports when none is set: its high-mode draw, rounded up."""
    return math.ceil(profile.power_w * MODE_FACTORS["high"].power / 100) * 100


def configured_power_limit_w(state: MinerState, profile: Profile) -> int:
    """Return the limit in force: the one set, else the machine's own."""
    return unlimited_power_w(profile) if state.power_limit is None else state.power_limit


def _wobble(now: float, amplitude: float, period: float) -> float:
    return 1.0 + amplitude * math.sin(now / period)


def _nominal(state: MinerState, profile: Profile) -> tuple[float, float]:
    """Return the (TH/s, W) the settings ask for, after any power limit."""
    mode = MODE_FACTORS[state.power_mode]
    scale = state.power_percent / 100 * max(0.0, 1 + state.target_freq / 100)
    hashrate = profile.hashrate_ths * mode.hashrate * scale
    power = profile.power_w * mode.power * scale
    if state.power_limit is not None and power > state.power_limit:
        hashrate *= state.power_limit / power
        power = float(state.power_limit)
    return hashrate, power


def read(state: MinerState, profile: Profile) -> Readings:
    """Measure the miner now."""
    now = state.clock()
    target_ths, target_power = _nominal(state, profile)
    mining = state.mining
    progress = state.start_progress(profile.boot_s, profile.ramp_s)
    hashrate_ths = target_ths * progress
    # From idle at the start to the target once tuned (exactly the target then).
    ramped = IDLE_POWER_W + (target_power - IDLE_POWER_W) * progress
    power = round(ramped if progress < 1.0 else target_power) if mining else IDLE_POWER_W
    load = power / profile.power_w if mining else 0.0
    hashrates = Hashrates(
        realtime=hashrate_ths * _wobble(now, 0.03, 7),
        one_minute=hashrate_ths * _wobble(now, 0.01, 60),
        five_minutes=hashrate_ths * _wobble(now, 0.005, 300),
        fifteen_minutes=hashrate_ths * _wobble(now, 0.003, 900),
        average=hashrate_ths,
    )
    environment = round(ENVIRONMENT_C + 0.5 * math.sin(now / 600), 2)
    accepted = int(state.mining_seconds * profile.hashrate_ths * SHARES_PER_THS_SECOND)
    frequency = round(profile.frequency_mhz * target_ths / profile.hashrate_ths) if mining else 0
    boards = _boards(
        state, profile, hashrates=hashrates, environment=environment, load=load, accepted=accepted
    )
    board_frequency = [board.frequency for board in boards]
    if mining:
        fan_rpm = round(3800 + 2200 * load - 40 * state.temp_offset)
    else:
        fan_rpm = 2000 if state.poweroff_cool else 0
    return Readings(
        mining=mining,
        upfreq_complete=progress >= 1.0,
        elapsed=int(state.elapsed),
        uptime=int(state.uptime),
        hashrate=hashrates,
        factory_ths=profile.hashrate_ths,
        target_ths=round(target_ths, 3),
        power_w=power,
        power_limit_w=configured_power_limit_w(state, profile) if mining else 0,
        environment_c=environment,
        fan_in_rpm=fan_rpm,
        fan_out_rpm=round(fan_rpm * 0.98),
        psu_fan_rpm=round(4000 + 2500 * load),
        psu_input_v=round(PSU_VOLTAGE_V * _wobble(now, 0.002, 45), 2),
        psu_temperature_c=round(environment + 20 * load, 1),
        frequency=round(sum(board_frequency) / len(board_frequency)),
        target_frequency=frequency,
        accepted=accepted,
        rejected=accepted // REJECTED_EVERY,
        boards=boards,
    )


def _boards(
    state: MinerState,
    profile: Profile,
    *,
    hashrates: Hashrates,
    environment: float,
    load: float,
    accepted: int,
) -> tuple[BoardReading, ...]:
    weights = board_weights(state.mac, profile.boards)
    offsets = board_temperature_offsets(state.mac, profile.boards)
    boards = []
    for index, (weight, offset) in enumerate(zip(weights, offsets, strict=True)):
        board_temp = environment + 35 * load + 0.4 * state.temp_offset * load + offset
        board_temp = round(max(environment, board_temp), 2)
        chip_avg = round(board_temp + 15 * load + 1, 2)
        frequency = profile.frequency_mhz * hashrates.average / profile.hashrate_ths
        boards.append(
            BoardReading(
                index=index,
                serial=board_serial(state.mac, index),
                hashrate=hashrates.scaled(weight),
                factory_ths=round(profile.hashrate_ths / profile.boards, 3),
                temperature=board_temp,
                chip_temp_min=round(chip_avg - 7 * load - 0.5, 2),
                chip_temp_avg=chip_avg,
                chip_temp_max=round(chip_avg + 8 * load + 0.5, 2),
                frequency=round(frequency * weight * profile.boards),
                effective_chips=profile.chips_per_board,
                accepted=round(accepted * weight),
            )
        )
    return tuple(boards)
