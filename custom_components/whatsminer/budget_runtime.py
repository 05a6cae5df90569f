"""The running power budget: reads its members and its meter, runs the allocator, acts.

A control step runs every CONTROL_INTERVAL and, debounced, after a member's poll or a
change of the meter. It reads every member (``budget_members``), works out the budget
in W from the source, hands the allocator the members it may drive (available and not
switched off by a person) and sends the commands it returns in the background, so a
slow or restarting miner never holds the step up.

A member switched off while the budget did not ask for it was switched off by a
person (or their automation): it is left off until it is seen mining again. A member
that was away is not judged by what it does when it comes back (a power cut stops
mining too).

The settings live in the entry's options; whatever changes them (the options flow,
the Budget and Max power numbers, the control switch, a member entry removed) updates
the entry, and the entry's change signal hands them to this runtime, without a reload.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
import math
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfPower,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .budget import (
    Action,
    Budget,
    BudgetAllocator,
    BudgetSettings,
    ControlState,
    Decision,
    MemberPlan,
    budget_from_grid,
)
from .budget_entry import (
    CONF_CUT,
    CONF_HELD,
    CONF_MINERS,
    BudgetConfig,
    BudgetSource,
    MeterSign,
    is_budget_data,
)
from .budget_issues import async_update_no_miners_issue
from .budget_members import (
    UNAVAILABLE,
    MemberState,
    async_plug_off,
    async_plug_on,
    async_set_power_percent,
    async_start_mining,
    async_stop_mining,
    boot_timeout_s,
    listen_to_member,
    member_coordinator,
    member_name,
    read_member,
)
from .budget_readings import MemberModels
from .const import DEFAULT_BOOT_TIMEOUT, LOGGER

if TYPE_CHECKING:
    from homeassistant.core import Event, EventStateChangedData

    from .coordinator import WhatsminerCoordinator

CONTROL_INTERVAL: Final = timedelta(seconds=10)
# Two farm power readings further apart than this add no energy between them (a guess).
ENERGY_MAX_GAP: Final = timedelta(minutes=1)
# How long after a command that failed a member's switching is not taken as a person's: a
# failed command (a reply lost, a timeout) may have taken effect all the same.
COMMAND_CONFIRM_S: Final = 60.0
WATTS_PER_UNIT: Final = {UnitOfPower.WATT: 1.0, UnitOfPower.KILO_WATT: 1000.0}


type BudgetConfigEntry = ConfigEntry[BudgetRuntime]


def is_budget_entry(entry: ConfigEntry[Any]) -> TypeGuard[BudgetConfigEntry]:
    """Whether the entry is a power budget rather than a miner."""
    return is_budget_data(entry.data)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberView:
    """One member as the Control state attributes and the diagnostics explain it."""

    name: str
    available: bool
    mining: bool | None
    held_by_hand: bool
    share: float  # W allocated
    percent: int | None  # the share as a power percentage
    reason: str  # why the budget last started, stopped or cut it
    reason_at: datetime | None
    next_switch: datetime | None  # when the budget may next start or stop it (None: now, never)
    next_write: datetime | None  # when it may next write its percentage (None: now, never)
    error: str | None  # the last command's error, until one goes through


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetState:
    """What one control step found and decided; the budget's entities show it."""

    farm_power: float  # W drawn by the members that answer
    farm_hashrate: float  # TH/s
    energy: float  # kWh the farm used since this runtime started
    mining: int  # members mining
    budget: float  # W in force: capped by Max power, held then 0 with the meter lost, 0 while off
    state: ControlState
    allocated: float  # W
    members: dict[str, MemberView]  # by member entry id


def _settings(config: BudgetConfig) -> BudgetSettings:
    """Return the allocator's settings: the allowance applies to a grid meter alone."""
    return BudgetSettings(
        allowance_w=config.allowance if config.source is BudgetSource.GRID else 0.0,
        max_power_w=config.max_power,
        cut_plug_after_s=config.cut_plug_after * 60 or None,
        plug_boot_s=DEFAULT_BOOT_TIMEOUT,
    )


def _now() -> float:
    """Return the time in seconds the member models are told (wall clock, as the steps)."""
    return dt_util.utcnow().timestamp()


def _time(timestamp: float | None) -> datetime | None:
    return None if timestamp is None else dt_util.utc_from_timestamp(timestamp)


class BudgetRuntime(DataUpdateCoordinator[BudgetState]):
    """One budget's control loop (``entry.runtime_data`` of a budget entry).

    The allocator's clock is Home Assistant's (UTC timestamps in seconds), the one the
    meter's last report is timed on.
    """

    config_entry: BudgetConfigEntry

    def __init__(self, hass: HomeAssistant, entry: BudgetConfigEntry) -> None:
        """Start with the entry's settings; :meth:`async_start` attaches the listeners."""
        # Entities are written when a step finds something new (the settings they show
        # are written when they change), not every step.
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=entry.title,
            update_interval=CONTROL_INTERVAL,
            always_update=False,
        )
        self.config = BudgetConfig.from_options(entry.options)
        self._allocator = BudgetAllocator(_settings(self.config))
        self._models = MemberModels()
        self._members: dict[str, tuple[WhatsminerCoordinator, CALLBACK_TYPE]] = {}
        self._stop_meter: CALLBACK_TYPE | None = None
        self._seen_mining: dict[str, bool] = {}
        self._commanded: dict[str, bool] = {}  # the last start (True) or stop we sent
        self._errors: dict[str, str] = {}
        self._in_flight: set[str] = set()  # members with a command still being sent
        self._deferred: dict[str, Decision] = {}  # the latest decision waiting for that
        self._failed_at: dict[str, float] = {}  # when a member's last command failed
        self._energy = 0.0  # kWh
        self._last_power: tuple[datetime, float] | None = None

    @callback
    def async_start(self) -> None:
        """Follow the entry's changes, the removal of member entries and the meter."""
        entry = self.config_entry
        entry.async_on_unload(
            async_dispatcher_connect(self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._entry_changed)
        )
        entry.async_on_unload(self._async_detach)
        known = {
            miner for miner in self.config.miners if self.hass.config_entries.async_get_entry(miner)
        }
        if known != set(self.config.miners):
            self._async_set_miners([miner for miner in self.config.miners if miner in known])
        async_update_no_miners_issue(self.hass, entry, has_miners=bool(known))
        self._async_follow_meter()

    @callback
    def _entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Take new settings of this budget; drop a member whose entry was removed."""
        if entry.entry_id == self.config_entry.entry_id and change is ConfigEntryChange.UPDATED:
            self._async_reconfigure()
        elif change is ConfigEntryChange.REMOVED and entry.entry_id in self.config.miners:
            gone = entry.entry_id
            self._async_set_miners([miner for miner in self.config.miners if miner != gone])
        elif entry.entry_id in self.config.miners:
            self._async_schedule_step()  # loaded or unloaded: (de)attach at the next step

    @callback
    def _async_set_miners(self, miners: list[str]) -> None:
        """Save the member list (the entry's change signal then reconfigures)."""
        entry = self.config_entry
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_MINERS: miners}
        )

    @callback
    def _async_reconfigure(self) -> None:
        """Use the entry's options as they are now."""
        previous, self.config = self.config, BudgetConfig.from_options(self.config_entry.options)
        self._allocator.settings = _settings(self.config)
        async_update_no_miners_issue(
            self.hass, self.config_entry, has_miners=bool(self.config.miners)
        )
        if previous.meter != self.config.meter or previous.source != self.config.source:
            self._async_follow_meter()
        self.async_update_listeners()  # the settings the entities show
        self._async_schedule_step()

    @callback
    def _async_follow_meter(self) -> None:
        """Run a step whenever the meter or surplus sensor changes."""
        if self._stop_meter is not None:
            self._stop_meter()
            self._stop_meter = None
        if self.config.source is not BudgetSource.FIXED and self.config.meter:
            self._stop_meter = async_track_state_change_event(
                self.hass, [self.config.meter], self._meter_changed
            )

    @callback
    def _meter_changed(self, _event: Event[EventStateChangedData]) -> None:
        self._async_schedule_step()

    @callback
    def _async_schedule_step(self) -> None:
        """Run a control step soon (debounced: a burst of changes makes one step)."""
        self.config_entry.async_create_background_task(
            self.hass, self.async_request_refresh(), f"{self.name} control step"
        )

    @callback
    def _async_detach(self) -> None:
        """Stop following members and the meter (unload)."""
        for _coordinator, stop in self._members.values():
            stop()
        self._members.clear()
        if self._stop_meter is not None:
            self._stop_meter()
            self._stop_meter = None

    async def _async_update_data(self) -> BudgetState:
        """One control step."""
        states = self._async_read_members()
        held = self._held_by_hand(states, _now())
        farm_power = sum(state.power or 0.0 for state in states.values() if state.available)
        now = dt_util.utcnow()
        self._add_energy(now, farm_power)
        readings = [
            self._models.reading(
                member, state, first=member in self.config.first, held_by_user=member in held
            )
            for member, state in states.items()
        ]
        self._follow_boot_timeouts()
        plan = self._allocator.step(
            now.timestamp(), self._budget(now, farm_power), readings, enabled=self.config.control
        )
        for decision in plan.decisions:
            self._async_send(decision)
        plans = {member_plan.key: member_plan for member_plan in plan.members}
        return BudgetState(
            farm_power=farm_power,
            farm_hashrate=sum(state.hashrate or 0.0 for state in states.values()),
            energy=self._energy,
            mining=sum(1 for state in states.values() if state.mining),
            budget=plan.budget_w,
            state=plan.state,
            allocated=plan.allocated_w,
            members={
                member: self._view(member, state, plans[member], held=member in held)
                for member, state in states.items()
            },
        )

    @callback
    def _async_read_members(self) -> dict[str, MemberState]:
        """Attach to members that loaded, let go of those gone, and read each one."""
        states: dict[str, MemberState] = {}
        for member in self.config.miners:
            coordinator = member_coordinator(self.hass, member)
            attached = self._members.get(member)
            if attached is not None and attached[0] is not coordinator:
                attached[1]()
                del self._members[member]
            if coordinator is not None and member not in self._members:
                polled = partial(self._async_member_polled, member, coordinator)
                self._members[member] = (coordinator, listen_to_member(coordinator, polled))
                self._models.polled(member, read_member(coordinator), _now())
            states[member] = read_member(coordinator)
        for member in set(self._members) - set(self.config.miners):
            self._members.pop(member)[1]()
        return states

    def _follow_boot_timeouts(self) -> None:
        """Await a start from a plug that was off as long as the slowest member boots."""
        timeouts = [
            timeout
            for coordinator, _stop in self._members.values()
            if (timeout := boot_timeout_s(coordinator)) is not None
        ]
        boot_s = max(timeouts, default=float(DEFAULT_BOOT_TIMEOUT))
        if boot_s != self._allocator.settings.plug_boot_s:
            self._allocator.settings = replace(self._allocator.settings, plug_boot_s=boot_s)

    @callback
    def _async_member_polled(self, member: str, coordinator: WhatsminerCoordinator) -> None:
        """Learn from the member's poll, then run a step soon."""
        self._models.polled(member, read_member(coordinator), _now())
        self._async_schedule_step()

    def _held_by_hand(self, states: dict[str, MemberState], now: float) -> frozenset[str]:
        """Hold off a member a person stopped; release it once it mines again.

        The members held are saved in the options, so a restart does not forget them. A
        switch within COMMAND_CONFIRM_S of a failed command is no one's: it may be that one.
        A member whose plug is off is held unless this budget switched the plug off (those
        are saved too, and forgotten once their plug is on again).
        """
        held = set(self.config.held & states.keys())
        for member, state in states.items():
            was_mining = self._seen_mining.pop(member, None)
            if state.mining is None:
                continue  # away or unknown: judged afresh once it answers
            self._seen_mining[member] = state.mining
            if now - self._failed_at.get(member, -math.inf) < COMMAND_CONFIRM_S:
                continue
            commanded = self._commanded.get(member)
            if state.mining:
                held.discard(member)
                if was_mining is False and commanded is not True:
                    self._commanded.pop(member, None)  # started by a person: ours no more
            elif was_mining and commanded is not False:
                held.add(member)
        # A plug switched off, but not by this budget, is a person's (or their automation's).
        held |= {
            member
            for member, state in states.items()
            if state.plug_on is False
            and member not in self.config.cut
            and member not in self._in_flight
        }
        cut = {
            member
            for member in self.config.cut
            if states.get(member, UNAVAILABLE).plug_on is not True
        }
        if held != self.config.held or cut != self.config.cut:
            entry = self.config_entry
            self.hass.config_entries.async_update_entry(
                entry, options={**entry.options, CONF_HELD: sorted(held), CONF_CUT: sorted(cut)}
            )
        return frozenset(held)

    def _add_energy(self, now: datetime, farm_power: float) -> None:
        """Add the trapezoid since the last step's farm power (never less than nothing).

        Only a gap that is positive and at most ENERGY_MAX_GAP counts: after the wall
        clock steps back, the next step starts afresh, so the total never goes down.
        """
        power = max(farm_power, 0.0)
        if self._last_power is not None:
            then, previous = self._last_power
            if timedelta(0) < now - then <= ENERGY_MAX_GAP:
                self._energy += (previous + power) / 2 * ((now - then) / timedelta(hours=1)) / 1000
        self._last_power = (now, power)

    def _budget(self, now: datetime, farm_power: float) -> Budget:
        """Return the W the farm may use and when the figure was last reported.

        The allocator caps it by Max power, and holds it, then drops it to zero, while
        the meter is unavailable, unreadable or has not reported for a while.
        """
        config = self.config
        if config.source is BudgetSource.FIXED:
            return Budget(config.budget, now.timestamp())
        state = self.hass.states.get(config.meter or "")
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return Budget(None, now.timestamp())
        factor = WATTS_PER_UNIT.get(state.attributes.get(ATTR_UNIT_OF_MEASUREMENT, ""))
        try:
            watts = float(state.state) * factor if factor is not None else None
        except ValueError:
            watts = None
        if watts is not None and config.source is BudgetSource.GRID:
            imported = watts if config.meter_sign is MeterSign.IMPORT_POSITIVE else -watts
            watts = budget_from_grid(imported, farm_power)
        return Budget(watts, state.last_reported.timestamp())

    @callback
    def _async_send(self, decision: Decision) -> None:
        """Carry out a decision in the background; a failure is kept for the explanation.

        Decisions concern available members only, which are attached. One command at a
        time per member, so two never race on one miner: a decision while the last is still
        being sent waits for it (only the latest waits), then goes.
        """
        coordinator = self._members[decision.key][0]
        if decision.key in self._in_flight:
            self._deferred[decision.key] = decision
            return
        self._async_start_command(coordinator, decision)

    @callback
    def _async_start_command(self, coordinator: WhatsminerCoordinator, decision: Decision) -> None:
        self._in_flight.add(decision.key)
        if decision.action in (Action.START, Action.STOP):
            self._commanded[decision.key] = decision.action is Action.START
        if decision.action in (Action.START, Action.SET_PERCENT):
            self._models.written(decision.key, _now())
        self.config_entry.async_create_background_task(
            self.hass,
            self._async_run(coordinator, decision),
            f"{self.name} {decision.action} {decision.key}",
        )

    async def _async_run(self, coordinator: WhatsminerCoordinator, decision: Decision) -> None:
        """Send a decision's commands.

        A start switches on a plug that is off and waits for the miner to answer, then
        writes its percentage, then starts mining. A power-down is remembered as this
        budget's once the plug is off.
        """
        member, action = decision.key, decision.action
        try:
            if action is Action.POWER_DOWN:
                await async_plug_off(coordinator)
                self._async_save_cut(member)
            elif action is Action.START:
                await async_plug_on(coordinator)
            if action is not Action.STOP and decision.percent is not None:
                await async_set_power_percent(coordinator, decision.percent, fast=decision.fast)
            if action is Action.START:
                await async_start_mining(coordinator)
            elif action is Action.STOP:
                await async_stop_mining(coordinator)
        except HomeAssistantError as err:
            # Once per member until a command goes through: a member that keeps refusing
            # would otherwise warn at every write interval.
            log = LOGGER.debug if member in self._errors else LOGGER.warning
            log("%s: %s of %s failed: %s", self.name, decision.action, coordinator.name, err)
            self._errors[member] = str(err)
            self._commanded.pop(member, None)
            self._failed_at[member] = _now()
        else:
            self._errors.pop(member, None)
            self._failed_at.pop(member, None)
        finally:
            self._in_flight.discard(member)
            if (deferred := self._deferred.pop(member, None)) is not None:
                self._async_start_command(coordinator, deferred)

    @callback
    def _async_save_cut(self, member: str) -> None:
        """Remember that this budget switched the member's plug off (not a person)."""
        entry = self.config_entry
        cut = sorted(self.config.cut | {member})
        self.hass.config_entries.async_update_entry(entry, options={**entry.options, CONF_CUT: cut})

    def _view(self, member: str, state: MemberState, plan: MemberPlan, *, held: bool) -> MemberView:
        return MemberView(
            name=member_name(self.hass, member),
            available=state.available,
            mining=state.mining,
            held_by_hand=held,
            share=plan.share_w,
            percent=plan.percent,
            reason=plan.reason.value,
            reason_at=_time(plan.reason_at),
            next_switch=_time(plan.switch_allowed_at),
            next_write=_time(plan.write_allowed_at),
            error=self._errors.get(member),
        )
