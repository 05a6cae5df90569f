"""Config flow: add miners by address, address range or DHCP discovery; reauth, reconfigure.

Every path connects before it saves (scan.probe): it reads the miner's identity (its MAC
becomes the unique id) and checks the password with a harmless privileged round trip. A
disabled write API is not an error here, but it hides whether the password is right:
the miner refuses privileged requests before it looks at the password. The entry is
saved anyway (reads need no password), a repair issue explains how to enable writes,
and its check, once they are on, starts re-authentication for a wrong password.

"Add integration" opens a menu: one miner by its address, or every miner of an address
range. The range is scanned behind a progress display, then the user picks among the
miners that answered. Home Assistant creates one entry per flow, so each picked miner
gets a flow of its own (the private source ``range_add``) that checks its unique id
again and creates its entry; the range flow then ends with an abort that says how many
were added. An entry created that way also ends a DHCP discovery of the same miner
still waiting for its password (Home Assistant aborts flows of a unique id once an
entry has it), so a miner found both ways is added once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.typing import UNDEFINED
from homeassistant.util.network import is_ip_address

from .address_range import MAX_ADDRESSES, AddressRangeError, parse_addresses
from .api import ApiGeneration, Identity
from .budget_entry import is_budget_entry
from .budget_flow import BudgetOptionsFlow, async_step_budget
from .const import (
    CONF_IDENTITY,
    CONF_WARM_UP,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    MAX_SCAN_INTERVAL,
    MIN_SCAN_INTERVAL,
)
from .naming import FALLBACK_MODEL, miner_name
from .scan import (
    ProbeProblem,
    Reached,
    Scan,
    Unreached,
    describe_addresses,
    probe,
)
from .schema import vol
from .stored_identity import identity_as_data, identity_from_data

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

    from .coordinator import WhatsminerConfigEntry
    from .scan import Probed

SOURCE_RANGE_ADD: Final = "range_add"
"""The private source of the flow that adds one miner picked from a range scan."""

CONF_ADDRESSES: Final = "addresses"
CONF_MINERS: Final = "miners"

ADD_CONCURRENCY: Final = 16
"""How many picked miners are added (and set up) at once."""

NONE_LISTED: Final = "—"
"""What a list of the range report shows when it is empty."""

_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PASSWORD_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})
USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
    }
)
RANGE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_ADDRESSES): TextSelector(TextSelectorConfig(multiline=True)),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
    }
)
OPTIONS_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_SCAN_INTERVAL): NumberSelector(
            NumberSelectorConfig(
                min=MIN_SCAN_INTERVAL,
                max=MAX_SCAN_INTERVAL,
                step=1,
                unit_of_measurement="s",
                mode=NumberSelectorMode.BOX,
            )
        )
    }
)
V2_OPTIONS_SCHEMA = OPTIONS_SCHEMA.extend(
    {vol.Optional(CONF_WARM_UP, default=False): BooleanSelector()}
)
"""API v2 alone can preheat a miner; v3 firmware starts mining at once."""


@dataclass(frozen=True, slots=True)
class PickedMiner:
    """What a ``range_add`` flow starts with: a miner the scan reached, and its password."""

    reached: Reached
    password: str


class WhatsminerConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Whatsminer, keyed by its MAC address."""

    VERSION = 1

    _discovered_host: str
    _discovered_name: str
    _scan: Scan
    _scan_task: asyncio.Task[list[Probed]] | None = None
    _progress_step: asyncio.Task[None] | None = None
    _range_password: str
    _offer: dict[str, Reached]  # by unique id, in address order
    _report: dict[str, str]

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: WhatsminerConfigEntry,
    ) -> WhatsminerOptionsFlow | BudgetOptionsFlow:
        """Return the options flow of a miner or of a power budget."""
        if is_budget_entry(config_entry):
            return BudgetOptionsFlow()
        return WhatsminerOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer adding one miner, every miner of an address range, or a power budget."""
        return self.async_show_menu(step_id="user", menu_options=["single", "range", "budget"])

    async def async_step_budget(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Add a power budget for several miners (budget_flow.py)."""
        return await async_step_budget(self, user_input)

    async def async_step_single(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the miner's address and password."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, password = user_input[CONF_HOST], user_input[CONF_PASSWORD]
            reached, errors = await self._async_try_connect(host, password)
            if reached is not None:
                return await self._async_create_entry(reached.identity, host, password)
        return self.async_show_form(
            step_id="single",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_range(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the addresses to scan and the one password of their miners."""
        errors: dict[str, str] = {}
        part = ""
        if user_input is not None:
            try:
                hosts = parse_addresses(user_input[CONF_ADDRESSES])
            except AddressRangeError as err:
                errors[CONF_ADDRESSES] = err.problem.value
                part = err.part
            else:
                self._range_password = user_input[CONF_PASSWORD]
                self._scan = Scan(
                    hosts, self._range_password, run_blocking=self.hass.async_add_executor_job
                )
                return await self.async_step_range_scan()
        return self.async_show_form(
            step_id="range",
            data_schema=self.add_suggested_values_to_schema(RANGE_SCHEMA, user_input),
            errors=errors,
            description_placeholders={"max": str(MAX_ADDRESSES), "part": part},
        )

    async def async_step_range_scan(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show how far the scan is; Home Assistant comes back here at every progress step.

        The progress task handed over ends at the scan's next progress step, not at its
        end: coming back with new placeholders updates the text shown, the same way on
        every Home Assistant release (``async_update_progress`` is newer than the oldest
        one supported). A visit before that step (the frontend fetching the flow) gets
        the same task again, so no second chain of progress tasks starts.
        """
        scan = self._scan
        if self._scan_task is None:
            self._scan_task = self.hass.async_create_task(
                scan.run(), f"{DOMAIN} scan of {scan.total} addresses"
            )
        if self._scan_task.done():
            self._sort_outcomes(self._scan_task.result())
            return self.async_show_progress_done(next_step_id="range_pick")
        if self._progress_step is None or self._progress_step.done():
            self._progress_step = self.hass.async_create_task(
                scan.wait_for_progress(scan.probed), f"{DOMAIN} scan progress"
            )
        return self.async_show_progress(
            step_id="range_scan",
            progress_action="range_scan",
            description_placeholders={
                "total": str(scan.total),
                "probed": str(scan.probed),
                "found": str(scan.found),
            },
            progress_task=self._progress_step,
        )

    async def async_step_range_pick(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List what the scan found; add the miners the user picks, one entry each."""
        if not self._offer:
            return self.async_abort(
                reason="range_nothing_to_add", description_placeholders=self._report
            )
        errors: dict[str, str] = {}
        if user_input is not None:
            if picked := [self._offer[unique_id] for unique_id in user_input[CONF_MINERS]]:
                return await self._async_add_picked(picked)
            errors[CONF_MINERS] = "range_none_picked"
        options = [
            SelectOptionDict(value=unique_id, label=_option_label(reached))
            for unique_id, reached in self._offer.items()
        ]
        schema = vol.Schema(
            {
                vol.Required(CONF_MINERS, default=list(self._offer)): SelectSelector(
                    SelectSelectorConfig(
                        options=options, multiple=True, mode=SelectSelectorMode.LIST
                    )
                )
            }
        )
        return self.async_show_form(
            step_id="range_pick",
            data_schema=schema,
            errors=errors,
            description_placeholders=self._report,
        )

    async def async_step_range_add(self, miner: PickedMiner) -> ConfigFlowResult:
        """Add one miner picked from a range scan (a flow of its own: one entry per flow).

        The scan made the checks of a single add. Only the unique id is checked again:
        another flow (a confirmed DHCP discovery, a second scan) may have added the
        miner meanwhile. An ignored miner is added all the same, since the user picked
        it (Home Assistant replaces the ignored entry).
        """
        reached = miner.reached
        unique_id = format_mac(reached.identity.mac)
        await self.async_set_unique_id(unique_id, raise_on_progress=False)
        known = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        if known is not None and known.source != SOURCE_IGNORE:
            return self.async_abort(reason="already_configured")
        return self._create_entry(reached.identity, reached.host, miner.password)

    @callback
    def async_remove(self) -> None:
        """Stop a scan still running when the flow ends (cancelled by the user)."""
        if self._scan_task is not None:
            self._scan_task.cancel()

    def _sort_outcomes(self, outcomes: list[Probed]) -> None:
        """Split the scan's outcomes into the miners to offer and the report to show.

        A miner that answers at two addresses is offered once, at the first.
        """
        configured = {
            entry.unique_id for entry in self._async_current_entries(include_ignore=False)
        }
        seen: set[str] = set()
        known: list[Reached] = []
        unreached: dict[ProbeProblem, list[str]] = {problem: [] for problem in ProbeProblem}
        self._offer = {}
        for outcome in outcomes:
            if isinstance(outcome, Unreached):
                unreached[outcome.problem].append(outcome.host)
                continue
            unique_id = format_mac(outcome.identity.mac)
            if unique_id in seen:
                continue
            seen.add(unique_id)
            if unique_id in configured:
                known.append(outcome)
            else:
                self._offer[unique_id] = outcome
        unverified = [reached for reached in self._offer.values() if not reached.password_verified]
        self._report = {
            "total": str(self._scan.total),
            "found": str(len(seen)),
            "configured": _names(known),
            "unverified": _names(unverified),
            "refused": _addresses(unreached[ProbeProblem.REFUSED]),
            "unanswered": _addresses(unreached[ProbeProblem.NO_ANSWER]),
            "failed": _addresses(unreached[ProbeProblem.UNEXPECTED]),
        }

    async def _async_add_picked(self, picked: list[Reached]) -> ConfigFlowResult:
        """Start one ``range_add`` flow per picked miner, then end with how many were added."""
        limit = asyncio.Semaphore(ADD_CONCURRENCY)

        async def add(reached: Reached) -> bool:
            async with limit:
                result = await self.hass.config_entries.flow.async_init(
                    DOMAIN,
                    context={"source": SOURCE_RANGE_ADD},
                    data=PickedMiner(reached, self._range_password),
                )
            return result["type"] is FlowResultType.CREATE_ENTRY

        added = await asyncio.gather(*(add(reached) for reached in picked))
        skipped = [reached for reached, done in zip(picked, added, strict=True) if not done]
        return self.async_abort(
            reason="range_added",
            description_placeholders={
                "added": str(len(picked) - len(skipped)),
                "picked": str(len(picked)),
                "skipped": _names(skipped),
            },
        )

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """Offer a discovered miner; a known one only gets its new address.

        A host name the user entered (``miner.lan``) already follows the miner, so only
        a stored IP address is replaced.
        """
        unique_id = format_mac(discovery_info.macaddress)
        await self.async_set_unique_id(unique_id)
        known = self.hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, unique_id)
        if known is not None and not is_ip_address(known.data[CONF_HOST]):
            self._abort_if_unique_id_configured()
        self._abort_if_unique_id_configured(updates={CONF_HOST: discovery_info.ip})
        self._discovered_host = discovery_info.ip
        self._discovered_name = discovery_info.hostname
        self.context["title_placeholders"] = {"name": discovery_info.hostname}
        return await self.async_step_dhcp_confirm()

    async def async_step_dhcp_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the password of a discovered miner."""
        errors: dict[str, str] = {}
        if user_input is not None:
            password = user_input[CONF_PASSWORD]
            reached, errors = await self._async_try_connect(self._discovered_host, password)
            if reached is not None:
                return await self._async_create_entry(
                    reached.identity, self._discovered_host, password
                )
        return self.async_show_form(
            step_id="dhcp_confirm",
            data_schema=PASSWORD_SCHEMA,
            errors=errors,
            description_placeholders={
                "name": self._discovered_name,
                "host": self._discovered_host,
            },
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """Start re-authentication after the miner rejected the password."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new password."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            password = user_input[CONF_PASSWORD]
            reached, errors = await self._async_try_connect(entry.data[CONF_HOST], password)
            if reached is not None:
                return await self._async_update_entry(entry, reached, {CONF_PASSWORD: password})
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=PASSWORD_SCHEMA,
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address or password; it must still be the same miner."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, password = user_input[CONF_HOST], user_input[CONF_PASSWORD]
            reached, errors = await self._async_try_connect(host, password)
            if reached is not None:
                return await self._async_update_entry(
                    entry, reached, {CONF_HOST: host, CONF_PASSWORD: password}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST]}
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def _async_create_entry(
        self, identity: Identity, host: str, password: str
    ) -> ConfigFlowResult:
        """Create the entry, or move a known miner to the address it answered on."""
        await self.async_set_unique_id(format_mac(identity.mac), raise_on_progress=False)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        return self._create_entry(identity, host, password)

    def _create_entry(self, identity: Identity, host: str, password: str) -> ConfigFlowResult:
        """Create the entry of a miner whose unique id is set and not configured."""
        return self.async_create_entry(
            title=miner_name(identity),
            data={
                CONF_HOST: host,
                CONF_PASSWORD: password,
                CONF_IDENTITY: identity_as_data(identity),
            },
        )

    async def _async_update_entry(
        self, entry: ConfigEntry, reached: Reached, updates: dict[str, Any]
    ) -> ConfigFlowResult:
        """Save re-authentication or reconfiguration of the same miner, and reload it.

        Says so when the password could not be checked (write API off): the repair
        issue raised by the reload checks it once writes are enabled.
        """
        await self.async_set_unique_id(format_mac(reached.identity.mac))
        self._abort_if_unique_id_mismatch()
        return self.async_update_reload_and_abort(
            entry,
            data_updates={**updates, CONF_IDENTITY: identity_as_data(reached.identity)},
            reason=UNDEFINED if reached.password_verified else "password_unverified",
        )

    async def _async_try_connect(
        self, host: str, password: str
    ) -> tuple[Reached | None, dict[str, str]]:
        """Find the miner's API, read its identity and check the password.

        Returns what answered, or the form errors.
        """
        outcome = await probe(host, password, run_blocking=self.hass.async_add_executor_job)
        if isinstance(outcome, Unreached):
            return None, {"base": outcome.problem.value}
        return outcome, {}


def _option_label(reached: Reached) -> str:
    """Return what the pick list shows of a miner: model, host name, MAC, address, API."""
    identity = reached.identity
    parts = (
        identity.model or FALLBACK_MODEL,
        identity.hostname,
        identity.mac,
        reached.host,
        f"API v{identity.api_generation.value}",
    )
    return " · ".join(part for part in parts if part)


def _names(miners: Iterable[Reached]) -> str:
    """Return the miners as their entries would be named, with their addresses."""
    return ", ".join(f"{miner_name(m.identity)} ({m.host})" for m in miners) or NONE_LISTED


def _addresses(hosts: list[str]) -> str:
    """Return the addresses in their shortest form."""
    return describe_addresses(hosts) or NONE_LISTED


class WhatsminerOptionsFlow(OptionsFlow):
    """Change how often the miner is polled, without reloading it."""

    config_entry: WhatsminerConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Ask for the scan interval (and on API v2 preheating); the next poll uses them.

        Handing the interval to the running coordinator here spares a reload (which
        would drop every entity for a moment) and an update listener, which Home
        Assistant reserves for scheduling reloads.
        """
        if user_input is not None:
            seconds = int(user_input[CONF_SCAN_INTERVAL])
            if self.config_entry.state is ConfigEntryState.LOADED:
                self.config_entry.runtime_data.set_scan_interval(timedelta(seconds=seconds))
            # A v3 miner's form has no preheat field; its value is kept for a downgrade.
            warm_up = user_input.get(CONF_WARM_UP, self.config_entry.options.get(CONF_WARM_UP))
            return self.async_create_entry(
                data={CONF_SCAN_INTERVAL: seconds, CONF_WARM_UP: bool(warm_up)}
            )
        identity = identity_from_data(self.config_entry.data.get(CONF_IDENTITY))
        on_v3 = identity is not None and identity.api_generation is ApiGeneration.V3
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                OPTIONS_SCHEMA if on_v3 else V2_OPTIONS_SCHEMA,
                {
                    CONF_SCAN_INTERVAL: DEFAULT_SCAN_INTERVAL,
                    CONF_WARM_UP: False,
                    **self.config_entry.options,
                },
            ),
        )
