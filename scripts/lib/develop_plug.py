"""scripts/develop's smart plug: one simulated miner behind a switch that cuts its power.

The integration can follow a miner's power switch (the options' power switch and boot timeout).
To show it, develop puts a plug in front of its first miner, in two halves:

- configuration.yaml (`plug_yaml`): a template switch "Miner plug" (switch.miner_plug) whose
  turn_off and turn_on call a rest_command that reaches the simulator's plug control endpoint
  (tests/simulator/control.py, on the miner's own loopback address) and then set
  input_boolean.miner_plug, which holds the switch's state. That boolean starts on at every
  start of Home Assistant, as the simulated miner starts powered (so after a restart of Home
  Assistant alone while the plug was off, switch it off and on again). If the endpoint does
  not answer, the action fails and the switch stays as it was.
- the miner's options (`add_plug`), set through its options flow as a person would: the
  switch as its power switch and a boot timeout. A later start finds a power switch there
  and leaves the options alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.ha_api import HomeAssistantApiError
from tests.simulator.identity import mac_for_host

if TYPE_CHECKING:
    from tests.e2e.ha_api import HomeAssistantClient

DOMAIN = "whatsminer"
PLUG_SWITCH = "switch.miner_plug"
PLUG_STATE = "input_boolean.miner_plug"
# The options' keys (custom_components/whatsminer/const.py).
CONF_POWER_SWITCH = "power_switch"
CONF_BOOT_TIMEOUT = "boot_timeout"
# The plugged miner boots in 30 s (BOOT_SECONDS in scripts/develop); the integration waits
# this long (the options' minimum is 60 s) before it calls a miner that was switched on
# unreachable.
BOOT_TIMEOUT = 120
OPTIONS_FLOW = "/api/config/config_entries/options/flow"

_PLUG_YAML = """
# scripts/develop's smart plug in front of the simulated miner on {host} (develop_plug.py):
# the switch calls the simulator's plug control endpoint, then keeps its state in the boolean.
input_boolean:
  miner_plug:
    name: Miner plug state
    initial: true
    icon: mdi:power-plug

rest_command:
  miner_plug_on:
    url: {control}/plug
    method: post
  miner_plug_off:
    url: {control}/unplug
    method: post

template:
  - switch:
      - name: Miner plug
        unique_id: develop_miner_plug
        icon: mdi:power-socket-eu
        state: "{{{{ is_state('{state}', 'on') }}}}"
        turn_on:
          - action: rest_command.miner_plug_on
          - action: input_boolean.turn_on
            target:
              entity_id: {state}
        turn_off:
          - action: rest_command.miner_plug_off
          - action: input_boolean.turn_off
            target:
              entity_id: {state}
"""


def plug_yaml(host: str, control_port: int) -> str:
    """Return the configuration.yaml part of the plug in front of the miner on `host`."""
    control = f"http://{host}:{control_port}/miners/{host}"
    return _PLUG_YAML.format(host=host, control=control, state=PLUG_STATE)


def miner_entry(devices: list[dict[str, Any]], host: str) -> str | None:
    """Return the config entry of the simulated miner on `host`, found by its device's MAC."""
    mac = mac_for_host(host).lower()
    for device in devices:
        if [DOMAIN, mac] in device["identifiers"]:
            entry_id: str | None = device["primary_config_entry"] or device["config_entries"][0]
            return entry_id
    return None


def suggested_values(form: dict[str, Any]) -> dict[str, Any]:
    """Return what the options form shows: the entry's options, else the form's defaults."""
    return {
        field["name"]: field["description"]["suggested_value"]
        for field in form["data_schema"]
        if "suggested_value" in (field.get("description") or {})
    }


def plug_options(form: dict[str, Any]) -> dict[str, Any]:
    """Return the answers to the options form: what it shows, with the plug and its timeout."""
    return {
        **suggested_values(form),
        CONF_POWER_SWITCH: PLUG_SWITCH,
        CONF_BOOT_TIMEOUT: BOOT_TIMEOUT,
    }


async def add_plug(client: HomeAssistantClient, host: str) -> None:
    """Name the plug as the power switch of the miner on `host`, unless it has one.

    Nothing here stops develop: whatever goes wrong is printed and left to the UI.
    """
    try:
        await _add_plug(client, host)
    except HomeAssistantApiError as err:
        print(f"smart plug: not set up: {err}")


async def _add_plug(client: HomeAssistantClient, host: str) -> None:
    async with client.websocket() as ws:
        devices = await ws.command("config/device_registry/list")
    entry_id = miner_entry(devices, host)
    if entry_id is None:
        print(f"smart plug: the miner on {host} is not added; the plug powers nothing")
        return
    form = await client.rest("POST", OPTIONS_FLOW, {"handler": entry_id})
    switch = suggested_values(form).get(CONF_POWER_SWITCH)
    if switch:
        await client.rest("DELETE", f"{OPTIONS_FLOW}/{form['flow_id']}")
        print(f"smart plug: the miner on {host} already has {switch} as its power switch")
        return
    result = await client.rest("POST", f"{OPTIONS_FLOW}/{form['flow_id']}", plug_options(form))
    if result["type"] != "create_entry":
        await client.rest("DELETE", f"{OPTIONS_FLOW}/{form['flow_id']}")
        print(f"smart plug: the options of the miner on {host} refused it: {result.get('errors')}")
        return
    print(f"smart plug: {PLUG_SWITCH} powers the miner on {host}")
