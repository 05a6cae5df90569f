"""`scripts/bench --soak`'s pure parts: its seeded schedule, its figures, its log, its report.

The soak itself starts a real Home Assistant for an hour, which no test does; what it decides
from what it recorded is checked here on made-up recordings, never on how long anything took.
"""

from __future__ import annotations

import argparse
from collections import Counter
import itertools
import math
import time

import pytest
import yaml

from scripts.lib.bench import soak, soak_figures, soak_hass, soak_log, soak_report
from scripts.lib.bench.soak_faults import FaultRecord, SoakContext
from scripts.lib.bench.soak_figures import Recovery, Trend
from scripts.lib.bench.soak_schedule import (
    FIRMWARE_DOWN,
    FIRMWARE_UP,
    KINDS,
    PLUG_CYCLE,
    RATES_PER_HOUR,
    REBOOT,
    RESETTLE_S,
    TAIL_S,
    Fault,
    fault_counts,
    schedule,
)
from scripts.lib.bench.soak_watch import Sample, StateLog

FLEET = soak.fleet_of(50)
HOUR_S = 3600.0


def test_the_schedule_is_the_seeds_and_keeps_its_rules() -> None:
    faults = schedule(FLEET, HOUR_S, seed=7)

    assert schedule(FLEET, HOUR_S, seed=7) == faults
    assert schedule(FLEET, HOUR_S, seed=8) != faults
    assert (FLEET.v2, FLEET.v3, sum(FLEET.plugged(m) for m in range(FLEET.size))) == (30, 20, 10)
    assert {fault.kind for fault in faults} == set(KINDS)
    assert all(FLEET.plugged(f.miner) for f in faults if f.kind == PLUG_CYCLE)
    assert all(f.at_s <= HOUR_S - TAIL_S for f in faults)
    # One fault at a time per miner, and a rest after each.
    for miner in {fault.miner for fault in faults}:
        own = [fault for fault in faults if fault.miner == miner]
        for before, after in itertools.pairwise(own):
            assert after.at_s >= before.ends_s + RESETTLE_S
    # The firmware goes to v3 on a v2 miner and comes back to v2 on the same one, later.
    ups = [fault for fault in faults if fault.kind == FIRMWARE_UP]
    downs = [fault for fault in faults if fault.kind == FIRMWARE_DOWN]
    assert len(ups) == len(downs) == RATES_PER_HOUR[FIRMWARE_UP]
    for up in ups:
        assert FLEET.is_v2(up.miner)
        (down,) = [fault for fault in downs if fault.miner == up.miner]
        assert down.at_s > up.ends_s


def test_fault_counts_follow_the_length_and_every_kind_happens() -> None:
    assert fault_counts(60) == RATES_PER_HOUR
    assert set(fault_counts(1).values()) == {1}
    assert len(schedule(FLEET, 225.0, seed=1)) >= len(RATES_PER_HOUR) - 1  # a 3-minute debug run


def test_plugs_are_input_booleans_behind_template_switches() -> None:
    config = yaml.safe_load(soak_hass.plugs_yaml([0, 5]))

    assert config["input_boolean"] == {
        "soak_plug_0": {"initial": True},
        "soak_plug_5": {"initial": True},
    }
    switches = config["template"][0]["switch"]
    assert [switch["unique_id"] for switch in switches] == ["soak_plug_0", "soak_plug_5"]
    assert switches[1]["turn_off"] == {
        "action": "input_boolean.turn_off",
        "target": {"entity_id": "input_boolean.soak_plug_5"},
    }
    assert soak_hass.plug_entity(5) == "switch.soak_plug_5"


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(at))


def _fault(
    started: float,
    ended: float,
    *,
    until: float = 1000.0,
    restarts: bool = True,
    settles: bool = False,
    settled: float | None = None,
) -> Recovery:
    return Recovery(started, ended, until, restarts, settles, settled)


def test_right_again_needs_an_answer_the_restart_and_the_change() -> None:
    status = [(0.0, "mining"), (105.0, "unreachable"), (140.0, "starting"), (200.0, "mining")]
    uptime = [(0.0, _iso(0.0)), (140.0, _iso(125.0))]
    right_again = soak_figures.right_again

    assert right_again(status, uptime, _fault(100.0, 125.0)) == 15.0  # a reboot
    # Home Assistant never saw the fault: right at its end, unless it missed a restart.
    assert right_again(status, uptime, _fault(300.0, 320.0, restarts=False)) == 0.0
    assert right_again(status, uptime, _fault(300.0, 320.0)) is None
    # A change Home Assistant shows later (a new address) is waited for; one never shown is never.
    assert right_again(status, uptime, _fault(100.0, 125.0, settles=True, settled=150.0)) == 25.0
    assert right_again(status, uptime, _fault(100.0, 125.0, settles=True)) is None
    # Only up to the miner's next fault.
    assert right_again(status, uptime, _fault(100.0, 125.0, until=130.0)) is None


def test_growth_trends_and_energy() -> None:
    # 1 % of the start per hour, sampled every 15 s, with noise that cancels out.
    points = [
        (t, 100e6 * (1 + 0.01 * t / HOUR_S) + (5e4 if i % 2 else -5e4))
        for i, t in enumerate(range(0, 3600, 15))
    ]
    assert soak_figures.growth_per_hour(points) == pytest.approx(1.0, abs=0.01)
    assert math.isnan(soak_figures.growth_per_hour(points[:1]))

    assert soak_figures.trend([40, 44, 39, 41, 40, 42, 43, 41]).flat
    rising = soak_figures.trend([40, 41, 45, 50, 55, 60, 65, 70])
    assert (rising.first_quarter, rising.last_quarter, rising.peak) == (40.5, 67.5, 70)
    assert not rising.flat

    energy = [(0.0, "1.5"), (30.0, "unavailable"), (60.0, "1.6"), (90.0, "1.2"), (120.0, "2")]
    assert soak_figures.energy_steps_down(energy) == (4, 1)


LOG = """\
2026-12-07 05:17:17.139 WARNING (SyncWorker_1) [homeassistant.loader] We found a custom integration whatsminer
2026-12-07 05:18:27.523 ERROR (MainThread) [custom_components.whatsminer] Error fetching M50 (VH50) 1401 data: cannot connect to 127.0.20.1:4028
2026-12-07 05:18:28.000 INFO (MainThread) [custom_components.whatsminer] Fetching M50 (VH50) 1401 data recovered
2026-12-07 05:18:58.517 ERROR (MainThread) [homeassistant.components.websocket_api.http.connection] [1] Unexpected exception
Traceback (most recent call last):
homeassistant.exceptions.HomeAssistantError: M50 (VH50) 1402 rejected the password.
2026-12-07 05:19:14.526 ERROR (MainThread) [custom_components.whatsminer] Error fetching M50 (VH50) 140A data: cannot connect to 127.0.20.10:4028
2026-12-07 05:19:15.526 ERROR (MainThread) [custom_components.whatsminer] Error fetching M50 (VH50) 1401 data: cannot connect to 127.0.20.1:4028
"""  # noqa: E501 - log lines as Home Assistant writes them


def _at(clock: str) -> float:
    return time.mktime(time.strptime(f"2026-12-07 {clock}", "%Y-%m-%d %H:%M:%S"))


def test_log_lines_by_kind_and_errors_by_fault() -> None:
    lines = soak_log.lines_above_info(LOG)
    names = ["M50 (VH50) 1401", "M50 (VH50) 1402", "M50 (VH50) 140A"]

    assert [line.level for line in lines] == ["WARNING", "ERROR", "ERROR", "ERROR", "ERROR"]
    assert "rejected the password" in lines[2].detail
    fetching = "Error fetching <miner> data: cannot connect to <address>"
    assert soak_log.kinds(lines, names)[f"ERROR [custom_components.whatsminer] {fetching}"] == 3

    first, second = ("M50 (VH50) 1401", "127.0.20.1"), ("M50 (VH50) 1402", "127.0.20.2")
    windows = [
        # Miner .1 rebooted at 05:18:20, right again by 05:18:40: announced once, then again.
        soak_log.FaultWindow(0, first, _at("05:18:20"), _at("05:19:40")),
        # Miner .2's password: the action's error names it in the traceback.
        soak_log.FaultWindow(1, second, _at("05:18:50"), _at("05:19:30")),
    ]
    announced = soak_log.announcements(lines, windows)
    assert announced.per_fault == Counter({0: 2, 1: 1})
    assert announced.repeated == [0]
    # Miner .10 had no fault; its address is not taken for miner .1's either.
    assert [line.message[:30] for line in announced.unexplained] == [
        "Error fetching M50 (VH50) 140A"
    ]


def _recorded() -> soak_report.Recorded:
    """Return a made-up soak: two miners, a reboot of each; one recovers, one never does."""
    entities = [
        soak_hass.MinerEntities(
            f"entry{m}", f"M50 (VH50) 140{m}", *(f"{k}.{k[0]}{m}" for k in ("s", "e", "u", "i"))
        )
        for m in range(2)
    ]
    faults = [Fault(10, REBOOT, 0, 20.0), Fault(20, REBOOT, 1, 20.0)]
    ctx = SoakContext(simulator=None, client=None, ws=None, miners=entities,  # type: ignore[arg-type]
                      hosts=["127.0.20.1", "127.0.20.2"], macs=[], next_host=None)  # type: ignore[arg-type]  # fmt: skip
    ctx.records = [
        FaultRecord(faults[0], "127.0.20.1", 1010.0, ended=1030.0),
        FaultRecord(faults[1], "127.0.20.2", 1020.0, ended=1040.0),
    ]
    states = StateLog(None, None)  # type: ignore[arg-type]
    states.series = {
        "s.s0": [(900.0, "mining"), (1020.0, "unreachable"), (1050.0, "starting")],
        "u.u0": [(900.0, _iso(0.0)), (1050.0, _iso(1031.0))],
        "s.s1": [(900.0, "mining"), (1025.0, "unreachable")],
        "e.e0": [(900.0, "1.0"), (1050.0, "1.1")],
        "e.e1": [(900.0, "2.0"), (1050.0, "1.9")],
    }
    recorded = soak_report.Recorded(
        fleet=soak.fleet_of(5), faults=faults, ctx=ctx, states=states, started=1000.0,
        total_s=600.0, warmup_s=60.0, load_before=(1.0, 1.0, 1.0),
    )  # fmt: skip
    recorded.samples = [
        Sample(1000.0 + 15 * i, rss_bytes=200 * 2**20, fds=40, tasks=10 + i, threads=12)
        for i in range(40)
    ]
    recorded.finished = 1600.0
    return recorded


def test_the_report_says_what_passed_and_what_missed() -> None:
    options = argparse.Namespace(minutes=9, warmup=1, seed=1)
    lines = soak_report.report(_recorded(), options)
    targets = [line for line in lines if line.startswith(("  PASS", "  MISS"))]

    assert [line.split()[0] for line in targets] == ["PASS", "PASS", "MISS", "MISS", "MISS", "PASS"]
    assert "RSS growth ≤ 1 %/h after warm-up: 0.00 %/h" in targets[0]
    assert "1 of 2 (longest 20.0 s, never 1)" in targets[3]
    assert "1 steps down" in targets[4]
    (reboots,) = [line for line in lines if line.startswith("  reboot")]
    assert reboots.split() == ["reboot", "2", "20.0", "20.0", "0.67", "0.67", "1"]
    assert isinstance(soak_figures.trend([1.0]), Trend)
