"""What a poll costs: connections per poll, the join the miner takes, slow reads, re-checks.

Against the team's simulator over loopback TCP (connections counted by the client and by
the miner), and the FakeMiner where a reply must be shaped byte by byte.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from typing import TYPE_CHECKING

import pytest

from custom_components.whatsminer.api import (
    CommandOutcome,
    PoolConfig,
    SetFastBoot,
    SetPools,
    V2Client,
)
from custom_components.whatsminer.api.v2.planner import RECHECK_AFTER_S, SLOW_READ_EVERY_S
from tests.simulator import PROFILES, SimulatedMiner
from tests.simulator.profiles import QUIRK_TWO_JOINS
from tests.simulator.state import RestartKind

from .conftest import quick_client
from .fake_miner import INVALID_CMD, FakeMiner, btminer_reply, fixture

if TYPE_CHECKING:
    from tests.simulator.fixtures import MinerFactory

POLLS = 10
JOIN_REFUSED = btminer_reply("command join err", code=45, status="E")


class Clock:
    """A clock the test moves by hand, for the client and the simulated miner alike."""

    def __init__(self) -> None:
        """Start at the wall time, where the simulated miner's counters began."""
        self.now = time.time()

    def __call__(self) -> float:
        """Return the current time."""
        return self.now


def client_for(miner: SimulatedMiner) -> tuple[V2Client, Clock]:
    """Return a client of the simulated miner and the clock both of them go by."""
    clock = Clock()
    miner.clock = clock  # btminer's run time moves with the client's clock
    return quick_client(miner.host, miner.password, port=miner.v2_port, clock=clock), clock


type TwoJoins = tuple[SimulatedMiner, V2Client, Clock]


@pytest.fixture
async def two_joins(miner_factory: MinerFactory) -> TwoJoins:
    """Return an m50 that refuses the three-way join, its client and their clock."""
    miner = await miner_factory(profile="m50")
    miner.quirks.add(QUIRK_TWO_JOINS)
    return miner, *client_for(miner)


def fake_client(miner: FakeMiner, clock: Clock) -> V2Client:
    return quick_client("127.0.0.1", miner.password, port=miner.port, clock=clock)


async def connections_per_poll(
    client: V2Client, miner: SimulatedMiner, clock: Clock, polls: int = POLLS
) -> list[int]:
    """Poll ``polls`` times, 30 s apart; return the connections each poll opened."""
    costs = []
    for _ in range(polls):
        client_before, miner_before = client.connections_opened, miner.v2_connections_accepted
        await client.fetch()
        cost = client.connections_opened - client_before
        assert miner.v2_connections_accepted - miner_before == cost
        costs.append(cost)
        clock.now += 30
    return costs


def commands_since(miner: SimulatedMiner, start: int) -> list[str]:
    return miner.commands[start:]


@pytest.mark.parametrize("identity", [False, True], ids=["fetch-only", "after-identity"])
async def test_api_2_0_5_costs_two_connections_per_poll(
    miner_factory: MinerFactory, identity: bool
) -> None:
    miner = await miner_factory(profile="m50")
    client, clock = client_for(miner)
    if identity:
        await client.identity()

    costs = await connections_per_poll(client, miner, clock)

    # The PSU and status on the first poll only: the summary shows the miner at work.
    assert costs == [4] + [2] * (POLLS - 1)
    assert statistics.median(costs) <= 3
    assert statistics.mean(costs) == pytest.approx(2.2)
    assert miner.commands.count("summary+edevs+pools") == miner.commands.count("get_error_code")
    assert miner.commands.count("summary+edevs+pools") == POLLS
    assert miner.commands.count("get_psu") == miner.commands.count("status") == 1


async def test_firmware_before_api_2_0_4_costs_one_connection_per_poll(
    miner_factory: MinerFactory,
) -> None:
    old = dataclasses.replace(PROFILES["m30_old"], name="m30_older", api_version="2.0.3")
    miner = await miner_factory(profile=old)
    client, clock = client_for(miner)
    await client.identity()

    costs = await connections_per_poll(client, miner, clock)
    snapshot = await client.fetch()

    assert costs == [3] + [1] * (POLLS - 1)
    assert statistics.median(costs) <= 2
    assert "get_error_code" not in miner.commands
    assert snapshot.psu is not None
    assert snapshot.psu.model == old.psu_model  # kept from the first poll


async def test_api_2_0_4_still_reads_get_error_code(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m30_old")
    client, clock = client_for(miner)
    await client.identity()

    costs = await connections_per_poll(client, miner, clock)

    assert costs == [4] + [2] * (POLLS - 1)
    assert miner.commands.count("get_error_code") == POLLS


async def test_fetch_returns_the_same_data_with_or_without_identity(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(profile="m50")
    miner.state.error_codes = [(110, "2024-06-15 09:15:00")]
    plain, informed = client_for(miner)[0], client_for(miner)[0]
    await informed.identity()

    without, with_identity = await plain.fetch(), await informed.fetch()

    assert without.errors == with_identity.errors
    assert without.pools == with_identity.pools
    assert without.psu is not None
    assert with_identity.psu is not None
    # The simulated PSU voltage wobbles with the clock: compare what names the unit.
    assert (without.psu.model, without.psu.serial, without.psu.firmware) == (
        with_identity.psu.model,
        with_identity.psu.serial,
        with_identity.psu.firmware,
    )
    assert [board.index for board in without.boards] == [b.index for b in with_identity.boards]
    assert (without.power_mode, without.power_limit, without.mining) == (
        with_identity.power_mode,
        with_identity.power_limit,
        with_identity.mining,
    )


async def test_refused_three_way_join_falls_back_to_two_without_losing_a_poll(
    two_joins: TwoJoins,
) -> None:
    miner, client, clock = two_joins

    first = await client.fetch()
    costs = await connections_per_poll(client, miner, clock)

    assert first.hashrate is not None
    assert len(first.boards) == 3
    assert first.active_pool is not None
    assert first.psu is not None
    assert miner.commands.count("summary+edevs+pools") == 0  # refused: not executed
    assert miner.commands.count("summary+edevs") == POLLS + 1
    # the first poll: the refused join, summary+edevs, pools, status, errors and PSU
    assert client.connections_opened == 6 + sum(costs)
    assert costs == [2] * POLLS  # pools, PSU and status wait for the slow cadence
    assert miner.commands.count("pools") == 1


async def test_refused_join_is_tried_again_after_the_recheck_time(
    two_joins: TwoJoins,
) -> None:
    miner, client, clock = two_joins
    await client.fetch()  # refused once: joins two from now on
    miner.quirks.discard(QUIRK_TWO_JOINS)  # e.g. the refusal was transient

    clock.now += RECHECK_AFTER_S - 1
    start = len(miner.commands)
    await client.fetch()
    assert "summary+edevs" in commands_since(miner, start)

    clock.now += 1
    start = len(miner.commands)
    await client.fetch()
    assert "summary+edevs+pools" in commands_since(miner, start)
    assert "pools" not in commands_since(miner, start)


async def test_refusal_seen_again_at_the_recheck_falls_back_in_the_same_poll(
    two_joins: TwoJoins,
) -> None:
    miner, client, clock = two_joins
    await client.fetch()

    clock.now += RECHECK_AFTER_S
    before = client.connections_opened
    snapshot = await client.fetch()

    assert snapshot.hashrate is not None
    # the refused three-way join, then summary+edevs, pools, status, errors and PSU
    assert client.connections_opened - before == 6
    assert miner.commands[-6:].count("summary+edevs") == 1


async def test_psu_and_alone_read_pools_follow_the_slow_cadence(
    two_joins: TwoJoins,
) -> None:
    miner, client, clock = two_joins
    await client.fetch()

    clock.now += SLOW_READ_EVERY_S - 1
    start = len(miner.commands)
    await client.fetch()
    assert {"pools", "get_psu", "status"}.isdisjoint(commands_since(miner, start))

    clock.now += 1
    start = len(miner.commands)
    await client.fetch()
    assert {"pools", "get_psu", "status"} <= set(commands_since(miner, start))


async def test_stopped_miner_reads_status_every_poll(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m50")
    miner.state.mining = False
    client, clock = client_for(miner)

    costs = await connections_per_poll(client, miner, clock)
    snapshot = await client.fetch()

    assert costs == [4] + [3] * (POLLS - 1)  # a user waits to see this one change
    assert snapshot.mining is False


async def test_miner_stopped_elsewhere_shows_in_the_next_poll(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(profile="m50")
    client, clock = client_for(miner)
    assert (await client.fetch()).mining is True

    miner.state.mining = False  # from the miner's web page, say
    clock.now += 30
    start = len(miner.commands)
    snapshot = await client.fetch()

    assert snapshot.mining is False
    assert commands_since(miner, start).count("status") == 1


@pytest.mark.parametrize("kind", list(RestartKind))
async def test_status_is_read_again_after_btminer_restarts(
    miner_factory: MinerFactory, kind: RestartKind
) -> None:
    miner = await miner_factory(profile="m50")
    client, clock = client_for(miner)
    await client.fetch()

    clock.now += 60
    miner.state.power_limit = 2500  # set elsewhere: the miner restarts btminer to apply it
    miner.state.restart(kind)
    clock.now += 20
    start = len(miner.commands)
    snapshot = await client.fetch()

    assert commands_since(miner, start).count("status") == 1
    assert snapshot.power_limit == 2500


async def test_status_is_read_again_after_a_write(miner_factory: MinerFactory) -> None:
    miner = await miner_factory(profile="m50", password="admin", api_switch=True)
    client = client_for(miner)[0]
    await client.fetch()

    await client.run(SetFastBoot(enabled=False))
    start = len(miner.commands)
    await client.fetch()

    assert commands_since(miner, start).count("status") == 1


async def test_pools_are_read_again_after_update_pools(two_joins: TwoJoins) -> None:
    miner, client, _clock = two_joins
    await client.fetch()

    outcome = await client.run(
        SetPools([PoolConfig(url="stratum+tcp://new.pool:3333", worker="me.rig", password="x")])
    )
    start = len(miner.commands)
    snapshot = await client.fetch()

    assert outcome is CommandOutcome.CONFIRMED
    assert "pools" in commands_since(miner, start)
    assert "get_psu" not in commands_since(miner, start)
    assert [(pool.url, pool.user) for pool in snapshot.pools] == [
        ("stratum+tcp://new.pool:3333", "me.rig")
    ]


async def test_unsupported_optional_read_is_asked_again_after_the_recheck_time(
    miner: FakeMiner,
) -> None:
    del miner.replies["get_psu"]
    miner.replies["get_error_code"] = INVALID_CMD
    clock = Clock()
    client = fake_client(miner, clock)
    await client.fetch()

    clock.now += RECHECK_AFTER_S - 1
    await client.fetch()
    assert [request["cmd"] for request in miner.requests].count("get_psu") == 1

    miner.replies["get_psu"] = fixture("official205_get_psu.json")
    clock.now += 1
    snapshot = await client.fetch()

    sent = [request["cmd"] for request in miner.requests]
    assert sent.count("get_psu") == sent.count("get_error_code") == 2
    assert snapshot.psu is not None
    assert snapshot.psu.model == "P221B"


@pytest.mark.parametrize(
    "pools_part",
    [{"STATUS": [{"STATUS": "E", "Code": 14, "Msg": "invalid cmd"}]}, {"STATUS": "S"}],
    ids=["refused", "garbled"],
)
async def test_unreadable_pools_part_is_read_alone_that_poll(
    miner: FakeMiner, pools_part: dict[str, object]
) -> None:
    joined = {
        "summary": [fixture("official205_summary.json")],
        "edevs": [miner.replies["edevs"]],
        "pools": [pools_part],
    }
    miner.script["summary+edevs+pools"] = [joined]
    client = fake_client(miner, Clock())

    snapshot = await client.fetch()
    await client.fetch()

    sent = [request["cmd"] for request in miner.requests]
    assert len(snapshot.pools) == 3
    assert sent.count("pools") == 1  # nothing learned: the next poll joins three again
    assert sent.count("summary+edevs+pools") == 2
    assert client.connections_opened == 5 + 2


async def test_miner_without_pools_in_the_three_way_join(miner: FakeMiner) -> None:
    miner.replies["pools"] = {"STATUS": [{"STATUS": "E", "Code": 8, "Msg": "No pools"}]}
    client = fake_client(miner, Clock())

    snapshot = await client.fetch()

    assert snapshot.pools == ()
    assert "pools" not in [request["cmd"] for request in miner.requests]


async def test_refused_three_way_join_on_the_fake_miner(miner: FakeMiner) -> None:
    miner.script["summary+edevs+pools"] = [JOIN_REFUSED]
    clock = Clock()
    client = fake_client(miner, clock)

    first = await client.fetch()
    second = await client.fetch()

    sent = [request["cmd"] for request in miner.requests]
    assert first == second
    assert sent.count("summary+edevs") == 2
    assert sent.count("pools") == sent.count("get_psu") == sent.count("status") == 1
    assert client.connections_opened == 6 + 2


async def test_psu_is_read_fresh_when_the_summary_leaves_the_power_unknown(
    miner_factory: MinerFactory,
) -> None:
    miner = await miner_factory(profile="m50")
    client = client_for(miner)[0]
    await client.fetch()

    miner.state.power_percent = -50  # the summary reports a negative power: unknown
    start = len(miner.commands)
    unknown = await client.fetch()
    miner.state.power_percent = 100
    known = await client.fetch()

    assert commands_since(miner, start).count("get_psu") == 1  # not the kept reply
    assert unknown.power is None  # the fresh PSU reading is negative too
    assert known.power == pytest.approx(PROFILES["m50"].power_w, rel=0.1)
