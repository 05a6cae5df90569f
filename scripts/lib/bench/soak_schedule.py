"""The soak's fleet and its fault schedule: which fault hits which miner when, from a seed.

Why seeded and pure: two runs with the same seed and length meet the same faults in the same
order, so a figure that moved between two runs moved because the code did, not the dice; and
the smoke test can check the schedule without starting anything.

Weeks of a farm's comings and goings, compressed: each kind has a rate per hour, and at least
one of each kind happens in every run, however short. A miner has at most one fault at a time,
and rests after each one (RESETTLE_S) so that what the soak measures is the recovery from that
fault alone.
"""

from __future__ import annotations

from dataclasses import dataclass
import random

# Kinds, their rates per hour of soak, and the miners each may hit.
PLUG_CYCLE = "plug_cycle"  # the smart plug switched off, then on: the miner boots
BTMINER_RESTART = "btminer_restart"  # btminer restarts by itself (not by our command)
REBOOT = "reboot"  # the control board reboots by itself
DROP = "drop"  # every reply dropped for a while (connection closed without a reply)
RESET = "reset"  # every reply cut off by a reset (RST) for a while
MOVE = "move"  # the miner reboots and comes back at another address (DHCP)
FIRMWARE_UP = "firmware_v3"  # firmware swapped from v2 to v3 (a reboot)
FIRMWARE_DOWN = "firmware_v2"  # ... and back to v2 on the same miner, later
PASSWORD = "password"  # noqa: S105 - a fault kind, not a secret; the password changed on the miner, found by a command, fixed by reauth
RATES_PER_HOUR = {
    PLUG_CYCLE: 24,
    BTMINER_RESTART: 12,
    REBOOT: 12,
    DROP: 12,
    RESET: 12,
    MOVE: 4,
    FIRMWARE_UP: 2,
    PASSWORD: 4,
}
KINDS = (*RATES_PER_HOUR, FIRMWARE_DOWN)
# Faults that restart btminer on the miner: afterwards its Uptime sensor must show the restart.
RESTARTS_BTMINER = frozenset(
    {PLUG_CYCLE, BTMINER_RESTART, REBOOT, MOVE, FIRMWARE_UP, FIRMWARE_DOWN}
)

BOOT_S = 20.0  # a simulated reboot or power-on: ports closed this long (restart_seconds)
FIRST_FAULT_S = 30.0  # after the soak starts
TAIL_S = 150.0  # no fault starts in the run's last TAIL_S: the last ones must recover in it
RESETTLE_S = 120.0  # a miner rests this long after a fault ends before its next one
FIRMWARE_BACK_AFTER_S = 180.0  # at the earliest, after the swap to v3 ended
PLUGGED_EVERY = 5  # every fifth miner is behind a smart plug
PLACING_ATTEMPTS = 200


@dataclass(frozen=True, slots=True)
class Fleet:
    """The soak's miners by index: v2 ones first, then v3; some behind plugs."""

    v2: int
    v3: int

    @property
    def size(self) -> int:
        """How many miners."""
        return self.v2 + self.v3

    def is_v2(self, miner: int) -> bool:
        """Whether the miner starts on v2 firmware."""
        return miner < self.v2

    def plugged(self, miner: int) -> bool:
        """Whether the miner is behind a smart plug."""
        return miner % PLUGGED_EVERY == 0

    def eligible(self, kind: str) -> list[int]:
        """Return the miners a fault of this kind may hit.

        Plug cycles need a plug; the firmware swap is of a v2 miner; the others keep to
        miners without a plug, so that a plug's own recovery is measured apart.
        """
        miners = range(self.size)
        if kind == PLUG_CYCLE:
            return [m for m in miners if self.plugged(m)]
        if kind == FIRMWARE_UP:
            return [m for m in miners if self.is_v2(m) and not self.plugged(m)]
        if kind in {MOVE, PASSWORD}:
            return [m for m in miners if not self.plugged(m)]
        return list(miners)


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: when it starts (seconds into the soak), which miner, how long it holds.

    ``hold_s`` is how long the fault lasts before it is undone: the plug stays off, replies
    are dropped, the user takes to answer the reauth; for a restart it is the boot.
    """

    at_s: float
    kind: str
    miner: int
    hold_s: float

    @property
    def ends_s(self) -> float:
        """When the fault is over on the miner's side (a plug also boots after it is on)."""
        return self.at_s + self.hold_s + (BOOT_S if self.kind == PLUG_CYCLE else 0.0)


def fault_counts(minutes: float) -> dict[str, int]:
    """Return how many faults of each kind a soak of ``minutes`` gets (at least one each)."""
    return {kind: max(1, round(rate * minutes / 60)) for kind, rate in RATES_PER_HOUR.items()}


def _hold_s(kind: str, rng: random.Random) -> float:
    """Return how long a fault of this kind holds."""
    if kind == PLUG_CYCLE:
        return round(rng.uniform(30, 120))
    if kind in {DROP, RESET}:
        return round(rng.uniform(5, 60))
    if kind == PASSWORD:
        return round(rng.uniform(10, 40))  # the user reads the notification, types the password
    return BOOT_S


class _Calendar:
    """The faults placed so far, and when each miner is free again."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.busy: dict[int, list[tuple[float, float]]] = {}

    def free(self, miner: int, start: float, end: float) -> bool:
        return all(end <= s or start >= e for s, e in self.busy.get(miner, []))

    def place(self, fault: Fault) -> None:
        self.faults.append(fault)
        self.busy.setdefault(fault.miner, []).append((fault.at_s, fault.ends_s + RESETTLE_S))


def _place(calendar: _Calendar, kind: str, fleet: Fleet, window: tuple[float, float],
           rng: random.Random) -> Fault | None:  # fmt: skip
    """Place one fault of ``kind`` at a random time on a random free miner (None: no room)."""
    candidates = fleet.eligible(kind)
    for _ in range(PLACING_ATTEMPTS):
        at = round(rng.uniform(*window))
        fault = Fault(at, kind, rng.choice(candidates), _hold_s(kind, rng))
        if not calendar.free(fault.miner, fault.at_s, fault.ends_s + RESETTLE_S):
            continue
        if kind != FIRMWARE_UP:
            return fault
        back_at = round(fault.ends_s + FIRMWARE_BACK_AFTER_S)
        back = Fault(back_at, FIRMWARE_DOWN, fault.miner, BOOT_S)
        whole = calendar.free(fault.miner, fault.at_s, back.ends_s + RESETTLE_S)
        if back_at <= window[1] and whole:
            calendar.place(back)
            return fault
    return None


def schedule(fleet: Fleet, total_s: float, seed: int) -> list[Fault]:
    """Return the faults of a soak of ``total_s`` seconds, in time order.

    Counts follow the run's length; faults are placed over the whole run (the warm-up
    too, so the code paths they take are warm when the measuring starts), none in the last
    TAIL_S. A fault that finds no free miner is left out.
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible schedule, not a secret
    window = (FIRST_FAULT_S, max(FIRST_FAULT_S, total_s - TAIL_S))
    calendar = _Calendar()
    # The rarest first: they have the fewest miners and need the longest free stretch.
    for kind, count in sorted(fault_counts(total_s / 60).items(), key=lambda item: item[1]):
        for _ in range(count):
            fault = _place(calendar, kind, fleet, window, rng)
            if fault is not None:
                calendar.place(fault)
    return sorted(calendar.faults, key=lambda fault: (fault.at_s, fault.miner))
