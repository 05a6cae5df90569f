"""The automation blueprints in blueprints/automation/whatsminer, run against simulated miners.

Each blueprint is loaded through Home Assistant's blueprint integration from a config
folder, as it would be after "Import blueprint"; an automation is made from it with test
sensors and a miner on the simulator. The tests drive the sensors on the frozen clock and
check what reached the miner, including that the hysteresis and the minimum time between
changes hold, and that an entity picked for the wrong input makes the automation send
nothing and say why (in its trace and a notification).
"""

from __future__ import annotations

from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any

from homeassistant.components.automation import DOMAIN as AUTOMATION_DOMAIN
from homeassistant.components.number import DOMAIN as NUMBER_DOMAIN
from homeassistant.components.persistent_notification import (
    DOMAIN as PERSISTENT_NOTIFICATION_DOMAIN,
)
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.components.sensor import DOMAIN as SENSOR_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ENTITY_MATCH_ALL,
    SERVICE_TURN_OFF,
    STATE_ON,
    UnitOfTemperature,
)
from homeassistant.setup import async_setup_component
from homeassistant.util.unit_system import METRIC_SYSTEM, US_CUSTOMARY_SYSTEM
from homeassistant.util.yaml import load_yaml
import pytest

from custom_components.whatsminer.switch import MINING, SWITCHES
from tests.simulator import v2_writes, v3_commands

from .conftest import advance, entry_for, frozen_clock
from .entity_ids import entity_id

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from freezegun.api import FrozenDateTimeFactory
    from homeassistant.core import HomeAssistant
    from homeassistant.util.unit_system import UnitSystem
    from pytest_homeassistant_custom_component.typing import WebSocketGenerator

    from tests.simulator import SimulatedMiner
    from tests.simulator.fixtures import MinerFactory

BLUEPRINTS = Path(__file__).parents[2] / "blueprints"
PRICE = "whatsminer/follow_electricity_price.yaml"
SOLAR = "whatsminer/mine_on_solar_surplus.yaml"
HEAT = "whatsminer/heat_with_the_miner.yaml"
AUTOMATION = "automation.under_test"


@pytest.fixture(autouse=True)
async def config_with_blueprints(hass: HomeAssistant, tmp_path: Path) -> AsyncIterator[None]:
    """Give Home Assistant a config folder holding the blueprints, as after an import.

    Persistent notifications, which Home Assistant always loads, are set up too. The
    automations are switched off at the end, which ends their minute timers.
    """
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints")
    assert await async_setup_component(hass, PERSISTENT_NOTIFICATION_DOMAIN, {})
    yield
    if hass.services.has_service(AUTOMATION_DOMAIN, SERVICE_TURN_OFF):
        await hass.services.async_call(
            AUTOMATION_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: ENTITY_MATCH_ALL}, blocking=True
        )


async def start_miner(
    hass: HomeAssistant, miner_factory: MinerFactory, profile: str, *, percent: int = 100
) -> SimulatedMiner:
    """Start a simulated miner of this profile and set up its integration entry.

    ``percent`` is the power percentage the miner runs at from the start.
    """
    miner = await miner_factory(
        profile=profile, password="s3cret", api_switch=True, clock=frozen_clock
    )
    miner.state.power_percent = percent
    entry = await entry_for(miner)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return miner


async def automate(hass: HomeAssistant, path: str, inputs: dict[str, Any]) -> None:
    """Create one automation from a blueprint and check that it is valid and on."""
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: {
                "id": "under_test",
                "alias": "Under test",
                "use_blueprint": {"path": path, "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    state = hass.states.get(AUTOMATION)
    assert state is not None
    assert state.state == STATE_ON


def commands(miner: SimulatedMiner, *names: str) -> int:
    """Return how many of these commands reached the miner."""
    return sum(miner.commands.count(name) for name in names)


def writes(miner: SimulatedMiner) -> int:
    """Return how many commands that change something reached the miner (v2 and v3)."""
    return commands(miner, *v2_writes.WRITES, *v3_commands.WRITES)


async def refusal(hass: HomeAssistant, hass_ws_client: WebSocketGenerator) -> tuple[str, str]:
    """Return what a user is told of a refused pick: the last run's stop, the notification.

    The stop is the reason the automation's trace shows; the notification is the one the
    automation created (its title and message, on two lines).
    """
    client = await hass_ws_client(hass)
    item = {"domain": AUTOMATION_DOMAIN, "item_id": "under_test"}
    await client.send_json({"id": 1, "type": "trace/list", **item})
    runs = (await client.receive_json())["result"]
    await client.send_json({"id": 2, "type": "trace/get", "run_id": runs[-1]["run_id"], **item})
    trace = (await client.receive_json())["result"]
    assert trace["script_execution"] == "aborted", trace
    stops = [
        step["result"]["stop"]
        for steps in trace["trace"].values()
        for step in steps
        if "stop" in step.get("result", {})
    ]
    await client.send_json({"id": 3, "type": "persistent_notification/get"})
    notifications = (await client.receive_json())["result"]
    assert len(stops) == len(notifications) == 1, (stops, notifications)
    return stops[0], f"{notifications[0]['title']}\n{notifications[0]['message']}"


async def set_sensor(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entity: str,
    value: float,
    unit: str,
    *,
    device_class: str | None = None,
    wait: float = 1,
) -> None:
    """Give a test sensor a new value and let the automation run on it for ``wait`` s."""
    attributes: dict[str, Any] = {"unit_of_measurement": unit}
    if device_class is not None:
        attributes["device_class"] = device_class
    hass.states.async_set(entity, str(value), attributes)
    await hass.async_block_till_done(wait_background_tasks=True)
    await pass_time(hass, freezer, wait)


async def pass_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, seconds: float) -> None:
    """Let time pass in steps of at most 30 s, so every poll and minute tick happens."""
    while seconds > 0:
        await advance(hass, freezer, min(seconds, 30))
        seconds -= 30


async def test_every_blueprint_loads(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator
) -> None:
    """The blueprint integration lists all three without an error."""
    assert await async_setup_component(hass, AUTOMATION_DOMAIN, {})
    client = await hass_ws_client(hass)
    await client.send_json({"id": 1, "type": "blueprint/list", "domain": AUTOMATION_DOMAIN})
    reply = await client.receive_json()

    assert reply["success"], reply
    listed = reply["result"]
    assert set(listed) == {PRICE, SOLAR, HEAT}
    for path, entry in listed.items():
        assert "error" not in entry, (path, entry)
        assert entry["metadata"]["domain"] == AUTOMATION_DOMAIN
        assert entry["metadata"]["source_url"].endswith(f"blueprints/automation/{path}")


# Follow the electricity price --------------------------------------------------------------

PRICE_SENSOR = "sensor.electricity_price"
CHEAP, EXPENSIVE = 0.10, 0.30


async def set_price(hass: HomeAssistant, freezer: FrozenDateTimeFactory, price: float) -> None:
    """Publish a new electricity price and let a minute pass (prices change hourly)."""
    await set_sensor(hass, freezer, PRICE_SENSOR, price, "EUR/kWh", wait=60)


async def price_automation(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, mining: str, **inputs: Any
) -> None:
    """Publish a price in the band, then create the price automation for ``mining``."""
    await set_price(hass, freezer, 0.20)
    await automate(
        hass,
        PRICE,
        {
            "price_sensor": PRICE_SENSOR,
            "cheap_price": CHEAP,
            "expensive_price": EXPENSIVE,
            "mining_switches": [mining],
            **inputs,
        },
    )


async def test_price_switches_mining_with_hysteresis(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """On below cheap, off above expensive, nothing in between; nothing sent twice."""
    miner = await start_miner(hass, miner_factory, "m50")
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")
    await price_automation(hass, freezer, mining)

    await set_price(hass, freezer, 0.35)  # expensive: off
    assert miner.state.mining is False
    assert commands(miner, "power_off") == 1

    for price in (0.25, 0.12, 0.40, 0.29):  # in the band, or expensive again: nothing
        await set_price(hass, freezer, price)
    assert miner.state.mining is False
    assert commands(miner, "power_off", "power_on") == 1

    await set_price(hass, freezer, 0.05)  # cheap: on
    assert miner.state.mining is True
    assert commands(miner, "power_on") == 1

    for price in (0.11, 0.29, 0.02):  # in the band, or cheap again: nothing
        await set_price(hass, freezer, price)
    assert miner.state.mining is True
    assert commands(miner, "power_off", "power_on") == 2

    await set_price(hass, freezer, 0.31)
    assert miner.state.mining is False
    assert hass.states.get(mining).state == "off"  # type: ignore[union-attr]


async def test_price_selects_power_modes_instead_of_stopping(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """With power mode selects given, an expensive price lowers the mode and mining goes on."""
    miner = await start_miner(hass, miner_factory, "m60_v3")
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")
    power_mode = entity_id(hass, miner, SELECT_DOMAIN, "power_mode")
    await price_automation(
        hass,
        freezer,
        mining,
        power_modes=[power_mode],
        cheap_power_mode="high",
        expensive_power_mode="low",
    )

    await set_price(hass, freezer, 0.45)  # and the refresh after the restart it causes
    assert (miner.state.power_mode, miner.state.mining) == ("low", True)
    assert hass.states.get(power_mode).state == "low"  # type: ignore[union-attr]

    for price in (0.20, 0.50):
        await set_price(hass, freezer, price)
    assert commands(miner, "set.miner.power_mode") == 1

    await set_price(hass, freezer, 0.08)
    assert (miner.state.power_mode, miner.state.mining) == ("high", True)
    assert commands(miner, "set.miner.power_mode") == 2
    assert commands(miner, "set.miner.service") == 0  # never stopped or started


# Mine on solar surplus --------------------------------------------------------------------

GRID_SENSOR = "sensor.grid_power"
MINUTE = 60


async def set_grid(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, watts: float, wait: float = 1
) -> None:
    """Publish the grid power (positive: drawn from the grid; negative: exported)."""
    await set_sensor(hass, freezer, GRID_SENSOR, watts, "W", device_class="power", wait=wait)


@pytest.mark.parametrize("profile", ["m50", "m60_v3"])
async def test_solar_follows_the_surplus(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    profile: str,
) -> None:
    """Steps with the surplus; dead band and minimum time hold; off below the floor; restart."""
    miner = await start_miner(hass, miner_factory, profile)
    percent = entity_id(hass, miner, NUMBER_DOMAIN, "power_percent")
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")
    await set_grid(hass, freezer, -100)
    await automate(
        hass,
        SOLAR,
        {
            "grid_power_sensor": GRID_SENSOR,
            "export_sign": "negative",
            "power_percentages": [percent],
            "mining_switches": [mining],
            "miner_power": 3000,
            "dead_band": 200,
            "step": 5,
            "lowest_percent": 30,
            "min_interval": 2,
            "start_surplus": 1500,
            "start_delay": 5,
        },
    )
    write = "set_power_pct" if profile == "m50" else "set.miner.power_percent"

    await pass_time(hass, freezer, 5 * MINUTE)  # 100 W export is within the dead band
    assert commands(miner, write) == 0

    await set_grid(hass, freezer, 500)  # drawing 500 W: 500 W of 3000 W is 16.7 %
    assert miner.state.power_percent == 80
    await set_grid(hass, freezer, 300, wait=118)  # still drawing, but within 2 minutes
    assert miner.state.power_percent == 80
    await pass_time(hass, freezer, MINUTE)  # two minutes since the change, at a minute tick
    assert miner.state.power_percent == 70  # 300 W of 3000 W: 10 % less
    assert commands(miner, write) == 2

    await set_grid(hass, freezer, -150, wait=10 * MINUTE)  # within the dead band: nothing
    assert commands(miner, write) == 2
    await set_grid(hass, freezer, -950)  # 950 W more: up to 100 %
    assert miner.state.power_percent == 100
    assert hass.states.get(percent).state == "100"  # type: ignore[union-attr]

    await set_grid(hass, freezer, 2600, wait=100)  # a cloud: even 15 % would draw from the grid
    assert miner.state.mining is True  # not within 2 minutes of the last change
    await pass_time(hass, freezer, MINUTE)
    assert miner.state.mining is False
    assert miner.state.power_percent == 100
    assert hass.states.get(mining).state == "off"  # type: ignore[union-attr]

    await set_grid(hass, freezer, -1000, wait=10 * MINUTE)  # below the start threshold
    assert miner.state.mining is False
    await set_grid(hass, freezer, -2000, wait=4 * MINUTE)  # above it, not yet for 5 minutes
    assert miner.state.mining is False
    await set_grid(hass, freezer, -2100, wait=MINUTE + 1)  # still above, 5 minutes now
    assert miner.state.mining is True
    assert miner.state.power_percent == 70  # 2100 W of 3000 W
    assert commands(miner, write) == 4


async def solar(hass: HomeAssistant, grid: str, percent: str, mining: str) -> None:
    """Create the solar surplus automation for these entities."""
    await automate(
        hass,
        SOLAR,
        {
            "grid_power_sensor": grid,
            "power_percentages": [percent],
            "mining_switches": [mining],
            "miner_power": 3000,
            "min_interval": 0,
            "start_delay": 0,
        },
    )


@pytest.mark.parametrize(("profile", "key"), [("m50", "power_limit"), ("m60_v3", "upfreq_speed")])
async def test_solar_refuses_another_number(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    *,
    profile: str,
    key: str,
) -> None:
    """A number other than the power percentage: nothing is written, and the user is told."""
    miner = await start_miner(hass, miner_factory, profile, percent=50)
    wrong = entity_id(hass, miner, NUMBER_DOMAIN, key)
    await set_grid(hass, freezer, -100)
    await solar(hass, GRID_SENSOR, wrong, entity_id(hass, miner, SWITCH_DOMAIN, "mining"))
    written = writes(miner)

    for watts in (-2500, 2800, -2500):  # would raise, stop, then start again
        await set_grid(hass, freezer, watts, wait=3 * MINUTE)

    assert writes(miner) == written
    stop, notification = await refusal(hass, hass_ws_client)
    assert stop == (
        "Power levels holds an entity that is not a miner's Power level (a "
        "number in % from 0 to 100); nothing was sent to the miners."
    )
    name = hass.states.get(wrong).name  # type: ignore[union-attr]
    assert notification == (
        "Under test: nothing sent to the miners\n"
        f"**Power levels** holds {name} ({wrong}): not a miner's *Power level*, "
        "a number in % from 0 to 100. The automation sends nothing until each is replaced by "
        "the miner's *Power level* (edit the automation)."
    )


async def test_solar_refuses_a_miners_power_as_the_grid(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The miner's own Power sensor as the grid meter: nothing is written, and why is said."""
    miner = await start_miner(hass, miner_factory, "m60_v3", percent=50)
    power = entity_id(hass, miner, SENSOR_DOMAIN, "power")
    percent = entity_id(hass, miner, NUMBER_DOMAIN, "power_percent")
    await solar(hass, power, percent, entity_id(hass, miner, SWITCH_DOMAIN, "mining"))
    written = writes(miner)

    await pass_time(hass, freezer, 5 * MINUTE)  # the miner draws: "from the grid"

    assert writes(miner) == written
    stop, notification = await refusal(hass, hass_ws_client)
    assert stop == (
        "Grid power is a miner's own power sensor, not the power at the grid connection; "
        "nothing was sent to the miners."
    )
    name = hass.states.get(power).name  # type: ignore[union-attr]
    assert f"**Grid power** is {name} ({power}), a miner's own power sensor." in notification


# Heat with the miner ----------------------------------------------------------------------

ROOM_SENSOR = "sensor.living_room_temperature"


async def set_room(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, celsius: float, wait: float = 1
) -> None:
    """Publish the room temperature."""
    await set_sensor(
        hass, freezer, ROOM_SENSOR, celsius, "°C", device_class="temperature", wait=wait
    )


async def heat(
    hass: HomeAssistant, miner: SimulatedMiner, chip_limit: float, **inputs: Any
) -> tuple[str, str]:
    """Create the heating automation for one miner; return its percentage and switch ids."""
    percent = entity_id(hass, miner, NUMBER_DOMAIN, "power_percent")
    mining = entity_id(hass, miner, SWITCH_DOMAIN, "mining")
    await automate(
        hass,
        HEAT,
        {
            "temperature_sensor": ROOM_SENSOR,
            "target_temperature": 21,
            "hysteresis": 0.5,
            "maximum_temperature": 24,
            "power_percentages": [percent],
            "mining_switches": [mining],
            "chip_temperature_sensors": [
                entity_id(hass, miner, SENSOR_DOMAIN, "chip_temperature_max")
            ],
            "chip_temperature_limit": chip_limit,
            "step": 10,
            "lowest_percent": 30,
            "min_interval": 5,
            **inputs,
        },
    )
    return percent, mining


async def test_heat_steps_towards_the_target(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """One step per 5 minutes towards the target; a band around it; off above the maximum."""
    miner = await start_miner(hass, miner_factory, "m60_v3")
    await set_room(hass, freezer, 21.2)
    await heat(hass, miner, chip_limit=95)

    await pass_time(hass, freezer, 10 * MINUTE)  # within 0.5 °C of the target: nothing
    assert commands(miner, "set.miner.power_percent") == 0

    await set_room(hass, freezer, 22.0)  # too warm: one step less at once
    assert miner.state.power_percent == 90
    await pass_time(hass, freezer, 5 * MINUTE - 2)  # still too warm, but within 5 minutes
    assert miner.state.power_percent == 90
    await pass_time(hass, freezer, MINUTE)  # 5 minutes since the change, at a minute tick
    assert miner.state.power_percent == 80

    await set_room(hass, freezer, 20.6, wait=15 * MINUTE)  # within the band: nothing
    assert miner.state.power_percent == 80
    await set_room(hass, freezer, 20.0, wait=11 * MINUTE)  # too cold: two steps up
    assert miner.state.power_percent == 100
    assert commands(miner, "set.miner.power_percent") == 4

    await set_room(hass, freezer, 24.5)  # above the maximum: off at once
    assert miner.state.mining is False
    await set_room(hass, freezer, 21.0, wait=15 * MINUTE)  # not below the band: stays off
    assert miner.state.mining is False
    await set_room(hass, freezer, 20.4, wait=MINUTE)  # cold: on, at the lowest percentage
    assert miner.state.mining is True
    assert miner.state.power_percent == 30


async def test_heat_target_from_an_input_number(
    hass: HomeAssistant, miner_factory: MinerFactory, freezer: FrozenDateTimeFactory
) -> None:
    """A target entity replaces the target temperature."""
    miner = await start_miner(hass, miner_factory, "m60_v3", percent=50)
    hass.states.async_set("input_number.heating_target", "23.0")
    await set_room(hass, freezer, 22.0)
    await heat(hass, miner, chip_limit=95, target_entity="input_number.heating_target")

    await pass_time(hass, freezer, 6 * MINUTE)  # 22 °C is cold for a target of 23 °C

    assert miner.state.power_percent == 60


def celsius(hass: HomeAssistant, entity: str) -> float:
    """Return a temperature sensor's value in °C, whatever unit it is shown in."""
    state = hass.states.get(entity)
    assert state is not None
    value = float(state.state)
    if state.attributes["unit_of_measurement"] == UnitOfTemperature.FAHRENHEIT:
        return (value - 32) / 1.8
    return value


@pytest.mark.parametrize(
    ("picked", "units"),
    [
        pytest.param("chip_temperature_max", METRIC_SYSTEM, id="chip"),
        # Picked by mistake: the miner's chips are still watched.
        pytest.param("environment_temperature", METRIC_SYSTEM, id="environment"),
        # The miner's temperatures are shown in °F; the limit is in °C.
        pytest.param("chip_temperature_max", US_CUSTOMARY_SYSTEM, id="fahrenheit"),
    ],
)
async def test_heat_respects_the_chip_limit(
    hass: HomeAssistant,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
    picked: str,
    units: UnitSystem,
) -> None:
    """No step up within 5 °C of the chip limit; stop above it; start again once cool."""
    hass.config.units = units
    miner = await start_miner(hass, miner_factory, "m60_v3", percent=50)
    await set_room(hass, freezer, 18.0)
    sensor = entity_id(hass, miner, SENSOR_DOMAIN, picked)
    await heat(hass, miner, chip_limit=75, chip_temperature_sensors=[sensor])
    chip = entity_id(hass, miner, SENSOR_DOMAIN, "chip_temperature_max")

    await pass_time(hass, freezer, 21 * MINUTE)  # 60, 70, 80 %; then the chips are above 70 °C
    assert miner.state.power_percent == 80
    assert 70 < celsius(hass, chip) < 75
    assert celsius(hass, entity_id(hass, miner, SENSOR_DOMAIN, "environment_temperature")) < 50
    await pass_time(hass, freezer, 15 * MINUTE)
    assert miner.state.power_percent == 80
    assert miner.state.mining is True

    miner.state.power_percent = 100  # set elsewhere: the chips get hotter than 75 °C
    await pass_time(hass, freezer, 30)
    assert miner.state.mining is False

    await pass_time(hass, freezer, 6 * MINUTE)  # cool again and still cold in the room
    assert miner.state.mining is True
    assert miner.state.power_percent == 30


async def test_heat_refuses_another_number(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    miner_factory: MinerFactory,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The power limit as a power percentage: nothing is written, and the user is told."""
    miner = await start_miner(hass, miner_factory, "m60_v3", percent=50)
    power_limit = entity_id(hass, miner, NUMBER_DOMAIN, "power_limit")
    await set_room(hass, freezer, 18.0)
    await heat(hass, miner, chip_limit=95, power_percentages=[power_limit])
    written = writes(miner)

    await pass_time(hass, freezer, 6 * MINUTE)  # cold: would step up
    await set_room(hass, freezer, 30.0)  # above the maximum: would stop mining

    assert writes(miner) == written
    stop, notification = await refusal(hass, hass_ws_client)
    assert stop.startswith("Power levels holds an entity that is not")
    assert f"({power_limit}): not a miner's *Power level*" in notification


def _switch_filters(node: object) -> list[dict[str, Any]]:
    """Every entity selector filter of a blueprint that picks switches."""
    if isinstance(node, dict):
        found = [node] if node.get("domain") == SWITCH_DOMAIN else []
        return found + [f for value in node.values() for f in _switch_filters(value)]
    if isinstance(node, list):
        return [f for value in node for f in _switch_filters(value)]
    return []


@pytest.mark.parametrize("path", sorted((BLUEPRINTS / "automation" / "whatsminer").glob("*.yaml")))
def test_switch_pickers_offer_only_the_mining_switch(path: Path) -> None:
    """The pickers filter on the device class only the Mining switch has."""
    filters = _switch_filters(load_yaml(path))
    assert filters
    assert all(f["device_class"] == MINING.device_class for f in filters)
    assert MINING.device_class is not None
    assert all(description.device_class is None for description in SWITCHES)
