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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
)
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, UnitOfPower
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .budget_allocation import (
    Action,
    Allocator,
    Command,
    ControlState,
    MemberReading,
    Plan,
    Readings,
)
from .budget_entry import (
    CONF_MINERS,
    BudgetConfig,
    BudgetConfigEntry,
    BudgetSource,
    MeterSign,
)
from .budget_issues import async_update_no_miners_issue
from .budget_members import (
    MemberState,
    async_set_power_percent,
    async_start_mining,
    async_stop_mining,
    listen_to_member,
    member_coordinator,
    member_name,
    read_member,
)
from .const import LOGGER

if TYPE_CHECKING:
    from homeassistant.core import Event, EventStateChangedData, State

    from .coordinator import WhatsminerCoordinator

CONTROL_INTERVAL: Final = timedelta(seconds=10)
# A meter that has not reported for this long is lost, like an unavailable one.
METER_STALE: Final = timedelta(seconds=120)
# Two farm power readings further apart than this add no energy between them (a guess).
ENERGY_MAX_GAP: Final = timedelta(minutes=1)
WATTS_PER_UNIT: Final = {UnitOfPower.WATT: 1.0, UnitOfPower.KILO_WATT: 1000.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberView:
    """One member as the Control state attributes and the diagnostics explain it."""

    name: str
    available: bool
    mining: bool | None
    held_by_hand: bool
    share: float  # W allocated
    reason: str | None  # why the budget last started or stopped it
    next_change: datetime | None  # when the budget may start or stop it next
    error: str | None  # the last command's error, until one goes through


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetState:
    """What one control step found and decided; the budget's entities show it."""

    farm_power: float  # W drawn by the members that answer
    farm_hashrate: float  # TH/s
    energy: float  # kWh the farm used since this runtime started
    mining: int  # members mining
    budget: float | None  # W the source gives (None: meter lost); before the allocator
    state: ControlState
    allocated: float  # W
    members: dict[str, MemberView]  # by member entry id


class BudgetRuntime(DataUpdateCoordinator[BudgetState]):
    """One budget's control loop (``entry.runtime_data`` of a budget entry)."""

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
        self._allocator = Allocator()
        self._plan: Plan | None = None
        self._members: dict[str, tuple[WhatsminerCoordinator, CALLBACK_TYPE]] = {}
        self._stop_meter: CALLBACK_TYPE | None = None
        self._seen_mining: dict[str, bool] = {}
        self._commanded: dict[str, bool] = {}  # the last start (True) or stop we sent
        self._held_by_hand: set[str] = set()
        self._errors: dict[str, str] = {}
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
        self._note_hand_switching(states)
        farm_power = sum(state.power or 0.0 for state in states.values() if state.available)
        self._add_energy(farm_power)
        budget = self._budget(farm_power)
        if self.config.control:
            self._plan = self._allocator.step(self._readings(states, budget))
            for command in self._plan.commands:
                self._async_send(command)
        else:
            self._plan = None
        return BudgetState(
            farm_power=farm_power,
            farm_hashrate=sum(state.hashrate or 0.0 for state in states.values()),
            energy=self._energy,
            mining=sum(1 for state in states.values() if state.mining),
            budget=budget,
            state=self._plan.state if self._plan else ControlState.OFF,
            allocated=self._plan.allocated if self._plan else 0.0,
            members={member: self._view(member, state) for member, state in states.items()},
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
                stop = listen_to_member(coordinator, self._async_schedule_step)
                self._members[member] = (coordinator, stop)
            states[member] = read_member(coordinator)
        for member in set(self._members) - set(self.config.miners):
            self._members.pop(member)[1]()
        return states

    def _note_hand_switching(self, states: dict[str, MemberState]) -> None:
        """Hold off a member a person stopped; release it once it mines again."""
        for member, state in states.items():
            was_mining = self._seen_mining.pop(member, None)
            if state.mining is None:
                continue  # away or unknown: judged afresh once it answers
            self._seen_mining[member] = state.mining
            if state.mining:
                self._held_by_hand.discard(member)
            elif was_mining and self._commanded.get(member) is not False:
                self._held_by_hand.add(member)

    def _add_energy(self, farm_power: float) -> None:
        """Add the trapezoid since the last step's farm power (never less than nothing)."""
        now, power = dt_util.utcnow(), max(farm_power, 0.0)
        if self._last_power is not None:
            then, previous = self._last_power
            if now - then <= ENERGY_MAX_GAP:
                self._energy += (previous + power) / 2 * ((now - then) / timedelta(hours=1)) / 1000
        self._last_power = (now, power)

    def _budget(self, farm_power: float) -> float | None:
        """Return the W the farm may use now, capped by Max power; None: meter lost."""
        config = self.config
        if config.source is BudgetSource.FIXED:
            return min(config.budget, config.max_power)
        watts = self._meter_watts()
        if watts is None:
            return None
        if config.source is BudgetSource.GRID:
            imported = watts if config.meter_sign is MeterSign.IMPORT_POSITIVE else -watts
            watts = farm_power - imported + config.allowance
        return min(watts, config.max_power)

    def _meter_watts(self) -> float | None:
        """Return the meter's reading in W, or None while it is unavailable, unreadable or stale."""
        state: State | None = self.hass.states.get(self.config.meter or "")
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return None
        if dt_util.utcnow() - state.last_reported > METER_STALE:
            return None
        factor = WATTS_PER_UNIT.get(state.attributes.get("unit_of_measurement", ""))
        try:
            value = float(state.state)
        except ValueError:
            return None
        return None if factor is None else value * factor

    def _readings(self, states: dict[str, MemberState], budget: float | None) -> Readings:
        """Return what the allocator sees: the members answering and not held by hand."""
        return Readings(
            now=dt_util.utcnow(),
            budget=budget,
            members=tuple(
                MemberReading(
                    member_id=member,
                    mining=state.mining,
                    power=state.power,
                    hashrate=state.hashrate,
                    power_percent=state.power_percent,
                    power_limit=state.power_limit,
                )
                for member, state in states.items()
                if state.mining is not None and member not in self._held_by_hand
            ),
        )

    @callback
    def _async_send(self, command: Command) -> None:
        """Send a command in the background; a failure is kept for the explanation."""
        attached = self._members.get(command.member_id)
        if attached is None:
            return
        coordinator = attached[0]
        if command.action is not Action.PERCENT:
            self._commanded[command.member_id] = command.action is Action.START
        self.config_entry.async_create_background_task(
            self.hass,
            self._async_run(coordinator, command),
            f"{self.name} {command.action} {command.member_id}",
        )

    async def _async_run(self, coordinator: WhatsminerCoordinator, command: Command) -> None:
        member = command.member_id
        try:
            if command.action is Action.START:
                await async_start_mining(coordinator)
            elif command.action is Action.STOP:
                await async_stop_mining(coordinator)
            else:
                await async_set_power_percent(coordinator, command.percent or 0)
        except HomeAssistantError as err:
            LOGGER.warning(
                "%s: %s of %s failed: %s", self.name, command.action, coordinator.name, err
            )
            self._errors[member] = str(err)
            self._commanded.pop(member, None)
        else:
            self._errors.pop(member, None)

    def _view(self, member: str, state: MemberState) -> MemberView:
        plan = self._plan.members.get(member) if self._plan else None
        return MemberView(
            name=member_name(self.hass, member),
            available=state.available,
            mining=state.mining,
            held_by_hand=member in self._held_by_hand,
            share=plan.share if plan else 0.0,
            reason=plan.reason if plan else None,
            next_change=plan.next_change if plan else None,
            error=self._errors.get(member),
        )
