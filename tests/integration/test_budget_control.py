"""The budget driving simulated miners: control, hand switching, members away, meter lost.

The allocator's own rules (shares, hold times, ranking) are tested where it lives; here
the point is that its decisions reach the miners and the miners' state reaches it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.helpers import issue_registry as ir

from custom_components.whatsminer.budget import Action, Decision, Reason
from custom_components.whatsminer.budget_issues import no_miners_issue_id
from custom_components.whatsminer.budget_members import read_member
from custom_components.whatsminer.const import DOMAIN

from .budget import (
    METER,
    advance_until,
    attributes_of,
    budget_entity,
    set_meter,
    set_up_budget,
    set_up_farm,
    set_up_members,
    state_of,
)
from .conftest import advance, frozen_clock, set_up_entry
from .entity_ids import entity_id

if TYPE_CHECKING:
    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    import pytest

    from tests.simulator.fixtures import MinerFactory


async def _switch(hass: HomeAssistant, service: str, target: str) -> None:
    await hass.services.async_call(SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: target}, blocking=True)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_a_fixed_budget_trims_the_miners(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With control on the miners' percentages follow the budget; the farm stays under it."""
    miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m50", "m60_v3", budget=4000, control=True
    )
    for _ in range(4):
        await advance(hass, freezer, 30)

    control = budget_entity(hass, budget, "sensor", "control_state")
    assert state_of(hass, control) == "following"
    assert [miner.state.power_percent for miner in miners] != [100, 100]
    assert float(state_of(hass, budget_entity(hass, budget, "sensor", "farm_power"))) <= 4000
    in_use = float(state_of(hass, budget_entity(hass, budget, "sensor", "budget_in_use")))
    assert 0 < in_use <= 4000
    members = attributes_of(hass, control)["members"]
    assert [member["reason"] for member in members] == ["over_budget", "over_budget"]
    assert sum(member["share"] for member in members) == round(in_use)


async def test_control_off_leaves_the_miners_as_they_are(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Off: nothing is sent; switched on, the budget takes over; off again, it lets go."""
    miners, _entries, budget = await set_up_farm(hass, miner_factory, "m60_v3", budget=2000)
    control = budget_entity(hass, budget, "sensor", "control_state")
    switch = budget_entity(hass, budget, "switch", "control")
    await advance(hass, freezer, 30)
    assert state_of(hass, control) == "off"
    assert state_of(hass, switch) == "off"
    assert miners[0].state.power_percent == 100

    await _switch(hass, SERVICE_TURN_ON, switch)
    assert budget.options["control"] is True
    await advance(hass, freezer, 30)
    assert state_of(hass, switch) == "on"
    assert state_of(hass, control) == "following"
    percent = miners[0].state.power_percent
    assert percent < 100

    await _switch(hass, SERVICE_TURN_OFF, switch)
    hass.config_entries.async_update_entry(budget, options={**budget.options, "budget": 0})
    for _ in range(30):
        await advance(hass, freezer, 30)
    assert state_of(hass, control) == "off"
    assert miners[0].state.mining
    assert miners[0].state.power_percent == percent


async def test_a_zero_budget_stops_the_miners_and_a_budget_starts_them(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Whole miners are stopped (after their minimum on time) and started again."""
    miners, entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", "m60_v3", budget=0, control=True
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    await advance_until(hass, freezer, lambda: not any(miner.state.mining for miner in miners))
    await advance(hass, freezer, 30)
    assert state_of(hass, control) == "idle"
    assert state_of(hass, budget_entity(hass, budget, "sensor", "miners_mining")) == "0"
    assert {member["reason"] for member in attributes_of(hass, control)["members"]} == {
        "over_budget"
    }

    # Started and stopped again by a person: the budget's own stop does not excuse it.
    mining = entity_id(hass, miners[0], SWITCH_DOMAIN, "mining")
    await _switch(hass, SERVICE_TURN_ON, mining)
    await advance(hass, freezer, 30)
    await _switch(hass, SERVICE_TURN_OFF, mining)
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)  # the step after the poll that shows it
    assert budget.options["held_by_hand"] == [entries[0].entry_id]
    await _switch(hass, SERVICE_TURN_ON, mining)
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)
    assert budget.options["held_by_hand"] == []

    await hass.services.async_call(
        "number",
        "set_value",
        {ATTR_ENTITY_ID: budget_entity(hass, budget, "number", "budget"), "value": 20000},
        blocking=True,
    )
    await advance_until(hass, freezer, lambda: all(miner.state.mining for miner in miners))
    await advance_until(hass, freezer, lambda: state_of(hass, control) == "limited")


async def test_a_miner_switched_off_by_hand_stays_off(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """The budget never starts a miner a person stopped, until the person starts it."""
    miners, entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", "m60_v3", budget=20000, control=True
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    mining = entity_id(hass, miners[1], SWITCH_DOMAIN, "mining")
    await advance(hass, freezer, 30)

    await _switch(hass, SERVICE_TURN_OFF, mining)
    for _ in range(40):  # longer than any wait before the budget would start it again
        await advance(hass, freezer, 30)
    assert not miners[1].state.mining
    member = attributes_of(hass, control)["members"][1]
    assert member["held_by_hand"] is True
    assert member["next_switch"] is None
    assert budget.options["held_by_hand"] == [entries[1].entry_id]

    assert await hass.config_entries.async_reload(budget.entry_id)  # a restart remembers it
    for _ in range(40):
        await advance(hass, freezer, 30)
    assert not miners[1].state.mining

    await _switch(hass, SERVICE_TURN_ON, mining)
    await advance(hass, freezer, 30)
    assert attributes_of(hass, control)["members"][1]["held_by_hand"] is False
    assert budget.options["held_by_hand"] == []
    assert miners[1].state.mining


async def test_an_unavailable_miner_is_skipped(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A miner that does not answer is left out; the others still follow the budget."""
    miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", "m60_v3", budget=3000, control=True
    )
    await miners[1].stop()
    for _ in range(4):
        await advance(hass, freezer, 30)

    members = attributes_of(hass, budget_entity(hass, budget, "sensor", "control_state"))["members"]
    assert [member["available"] for member in members] == [True, False]
    assert members[1]["share"] == 0
    assert miners[0].state.power_percent < 100
    assert state_of(hass, budget_entity(hass, budget, "sensor", "miners_mining")) == "1"


async def test_a_removed_miner_leaves_the_budget(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Removing a member's entry drops it; with none left a repair issue says so."""
    _miners, entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", "m60_v3", budget=3000
    )
    issues = ir.async_get(hass)

    await hass.config_entries.async_remove(entries[0].entry_id)
    await advance(hass, freezer, 30)
    assert budget.options["miners"] == [entries[1].entry_id]
    assert issues.async_get_issue(DOMAIN, no_miners_issue_id(budget)) is None
    assert len(budget.runtime_data.data.members) == 1

    await hass.config_entries.async_remove(entries[1].entry_id)
    await advance(hass, freezer, 30)
    assert budget.options["miners"] == []
    issue = issues.async_get_issue(DOMAIN, no_miners_issue_id(budget))
    assert issue is not None
    assert issue.translation_placeholders == {"name": "Power budget"}

    await hass.config_entries.async_remove(budget.entry_id)
    assert issues.async_get_issue(DOMAIN, no_miners_issue_id(budget)) is None


async def test_a_member_reloaded_is_followed_again(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A member's reload gives it a new coordinator; the budget follows that one."""
    _miners, entries, budget = await set_up_farm(hass, miner_factory, "m60_v3", budget=3000)
    old = entries[0].runtime_data

    assert await hass.config_entries.async_reload(entries[0].entry_id)
    await advance(hass, freezer, 30)

    assert entries[0].runtime_data is not old
    assert not old._listeners
    assert entries[0].runtime_data._listeners
    assert budget.runtime_data.data.members[entries[0].entry_id].available


async def test_the_meter_lost_holds_then_goes_to_zero_and_resumes(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Grid mode: an unavailable meter holds the last budget for 5 min, then zero."""
    miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    set_meter(hass, -1000)  # exporting 1 kW while the miner draws its full power
    budget = await set_up_budget(
        hass,
        [entries[0].entry_id],
        source="grid",
        meter=METER,
        allowance=100,
        control=True,
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    for _ in range(3):
        set_meter(hass, -1000)
        await advance(hass, freezer, 30)
    assert state_of(hass, control) in ("following", "limited")
    held = budget.runtime_data.data.budget
    assert held > 0

    hass.states.async_set(METER, "unavailable")
    await advance(hass, freezer, 30)
    assert state_of(hass, control) == "holding"
    assert budget.runtime_data.data.budget == held

    await advance_until(hass, freezer, lambda: budget.runtime_data.data.budget == 0)
    await advance_until(
        hass, freezer, lambda: miners[0].state.power_percent < 100 or not miners[0].state.mining
    )

    set_meter(hass, -3000)
    await advance(hass, freezer, 30)
    assert state_of(hass, control) != "holding"
    assert budget.runtime_data.data.budget > 0


async def test_a_meter_that_stops_reporting_is_lost(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A surplus sensor without a report for over 120 s counts as lost; kW are converted."""
    _miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    set_meter(hass, 2.5, unit="kW")
    budget = await set_up_budget(
        hass, [entries[0].entry_id], source="surplus", meter=METER, control=True
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    await advance(hass, freezer, 30)
    assert budget.runtime_data.data.budget == 2500
    assert state_of(hass, control) == "following"

    await advance_until(hass, freezer, lambda: state_of(hass, control) == "holding")


async def test_a_meter_that_reads_no_number_is_lost(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A meter in an unknown unit or with a state that is no number counts as lost."""
    _miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    hass.states.async_set(METER, "lots", {"unit_of_measurement": "W"})
    budget = await set_up_budget(
        hass, [entries[0].entry_id], source="grid", meter=METER, control=True
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    await advance(hass, freezer, 30)
    assert state_of(hass, control) == "holding"

    hass.states.async_set(METER, "100", {"unit_of_measurement": "MW"})
    await advance(hass, freezer, 30)
    assert state_of(hass, control) == "holding"

    hass.states.async_set(METER, "-500", {"unit_of_measurement": "W"})
    hass.config_entries.async_update_entry(
        budget, options={**budget.options, "meter_sign": "export_positive"}
    )
    await advance(hass, freezer, 30)
    assert state_of(hass, control) != "holding"


async def test_a_failed_command_is_explained(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A miner that refuses the budget's write shows the error in the explanation."""
    miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", budget=1500, control=True
    )
    miners[0].state.api_switch = False
    await advance(hass, freezer, 30)
    await advance(hass, freezer, 30)

    member = attributes_of(hass, budget_entity(hass, budget, "sensor", "control_state"))["members"][
        0
    ]
    assert member["error"]

    miners[0].state.api_switch = True
    hass.config_entries.async_update_entry(budget, options={**budget.options, "budget": 2500})
    for _ in range(4):
        await advance(hass, freezer, 30)
    member = attributes_of(hass, budget_entity(hass, budget, "sensor", "control_state"))["members"][
        0
    ]
    assert member["error"] is None


async def test_a_new_meter_is_followed_instead_of_the_old_one(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Options that name another surplus sensor switch the budget over to it."""
    _miners, entries = await set_up_members(hass, miner_factory, "m60_v3")
    set_meter(hass, 1000)
    budget = await set_up_budget(
        hass, [entries[0].entry_id], source="surplus", meter=METER, control=True
    )
    hass.states.async_set("sensor.surplus", "2000", {"unit_of_measurement": "W"})
    hass.config_entries.async_update_entry(
        budget, options={**budget.options, "meter": "sensor.surplus"}
    )
    await advance(hass, freezer, 10)
    assert budget.runtime_data.data.budget == 2000

    hass.states.async_set("sensor.surplus", "1500", {"unit_of_measurement": "W"})
    await advance(hass, freezer, 10)
    assert budget.runtime_data.data.budget == 1500


async def test_a_miner_picked_first_runs_first(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With room for one miner, the one picked to come first keeps running."""
    miners, entries = await set_up_members(hass, miner_factory, "m50", "m60_v3")
    budget = await set_up_budget(
        hass,
        [entry.entry_id for entry in entries],
        first=[entries[0].entry_id],  # the less efficient m50
        budget=0,
        control=True,
    )
    await advance_until(hass, freezer, lambda: not any(miner.state.mining for miner in miners))
    hass.config_entries.async_update_entry(budget, options={**budget.options, "budget": 3000})
    await advance_until(hass, freezer, lambda: any(miner.state.mining for miner in miners))
    assert [miner.state.mining for miner in miners] == [True, False]


async def test_a_member_that_ramps_after_a_start_reads_as_ramping(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """From the up-freq flag: ramping while it hashes below its tuned rate, not when done."""
    miner = await miner_factory(profile="m60_v3", api_switch=True, clock=frozen_clock)
    entry = await set_up_entry(hass, miner)
    coordinator = entry.runtime_data
    assert read_member(coordinator).ramping is False

    miner.state.mining = False
    miner.state.mining = True  # started: boots, then ramps
    await advance(hass, freezer, miner.profile.boot_s + 1)
    assert read_member(coordinator).ramping is True
    await advance(hass, freezer, miner.profile.ramp_s)
    assert read_member(coordinator).ramping is False


async def test_a_steady_farm_leaves_the_control_state_alone(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """Once nothing changes the Control state is not rewritten; members stay out of history."""
    _miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", budget=1500, control=True
    )
    control = budget_entity(hass, budget, "sensor", "control_state")
    for _ in range(40):  # past every hold time: nothing left to wait for
        await advance(hass, freezer, 30)
    state = hass.states.get(control)
    assert state is not None
    assert state.state_info is not None
    assert "members" in state.state_info["unrecorded_attributes"]
    (member,) = state.attributes["members"]
    assert (member["next_switch"], member["next_write"]) == (None, None)

    for _ in range(6):
        await advance(hass, freezer, 10)
    steady = hass.states.get(control)
    assert steady is not None
    assert steady.last_updated == state.last_updated


async def test_a_member_that_keeps_refusing_warns_once(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The first failure is a warning, the repeats until a command goes through are debug."""
    caplog.set_level(logging.DEBUG, logger="custom_components.whatsminer")
    miners, _entries, budget = await set_up_farm(
        hass, miner_factory, "m60_v3", budget=1500, control=True
    )
    miners[0].state.api_switch = False
    for watts in (1500, 2500, 1200, 2600):
        hass.config_entries.async_update_entry(budget, options={**budget.options, "budget": watts})
        for _ in range(6):
            await advance(hass, freezer, 30)

    failed = [record for record in caplog.records if "failed" in record.getMessage()]
    assert [record.levelno for record in failed].count(logging.WARNING) == 1
    assert any(record.levelno == logging.DEBUG for record in failed)


async def test_a_member_gets_one_command_at_a_time(
    hass: HomeAssistant, miner_factory: MinerFactory
) -> None:
    """A decision while the member's last command is still being sent waits for it."""
    miners, entries, budget = await set_up_farm(hass, miner_factory, "m60_v3")
    runtime = budget.runtime_data
    member = entries[0].entry_id
    miners[0].faults.delay = 0.2  # the first write is still on its way
    runtime._async_send(Decision(member, Action.SET_PERCENT, 60, Reason.SURPLUS))
    runtime._async_send(Decision(member, Action.SET_PERCENT, 50, Reason.SURPLUS))
    runtime._async_send(Decision(member, Action.SET_PERCENT, 40, Reason.OVER_BUDGET))
    assert runtime._in_flight == {member}
    assert runtime._deferred[member].percent == 40  # only the latest waits
    await hass.async_block_till_done(wait_background_tasks=True)

    assert miners[0].state.power_percent == 40
    assert (runtime._in_flight, runtime._deferred) == (set(), {})


async def test_a_failed_stop_that_took_effect_is_not_a_stop_by_hand(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """The miner stopped but its reply was lost: the budget's stop, not a person's."""
    miners, entries, budget = await set_up_farm(hass, miner_factory, "m60_v3")
    member = entries[0].entry_id
    await advance(hass, freezer, 30)
    miners[0].state.api_switch = False  # the stop is refused...
    budget.runtime_data._async_send(Decision(member, Action.STOP, None, Reason.OVER_BUDGET))
    await hass.async_block_till_done(wait_background_tasks=True)
    miners[0].state.api_switch = True
    miners[0].state.mining = False  # ...yet the miner stops (as when its reply is lost)
    for _ in range(4):
        await advance(hass, freezer, 30)
    assert not miners[0].state.mining
    control = budget_entity(hass, budget, "sensor", "control_state")
    assert attributes_of(hass, control)["members"][0]["error"]
    assert budget.options.get("held_by_hand", []) == []
