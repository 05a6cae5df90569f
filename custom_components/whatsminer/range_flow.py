"""The config flow's steps that add every miner of an address range.

The range is scanned behind a progress display, then the user picks among the miners
that answered. Home Assistant creates one entry per flow, so each picked miner gets a
flow of its own (the private source ``range_add``) that checks its unique id again and
creates its entry; the range flow then ends with an abort that says how many were
added. An entry created that way also ends a DHCP discovery of the same miner still
waiting for its password (Home Assistant aborts flows of a unique id once an entry has
it), so a miner found both ways is added once.

The steps live in ``RangeFlow``, a ConfigFlow registered for no domain, which the
integration's flow class inherits: Home Assistant looks steps up on the flow itself.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import SOURCE_IGNORE, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .address_range import MAX_ADDRESSES, AddressRangeError, describe_addresses, parse_addresses
from .const import DOMAIN
from .naming import FALLBACK_MODEL, miner_name
from .scan import ProbeProblem, Reached, Scan, Unreached
from .schema import vol

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .api import Identity
    from .scan import Probed

SOURCE_RANGE_ADD: Final = "range_add"
"""The private source of the flow that adds one miner picked from a range scan."""

CONF_ADDRESSES: Final = "addresses"
CONF_MINERS: Final = "miners"

ADD_CONCURRENCY: Final = 16
"""How many picked miners are added (and set up) at once."""

NONE_LISTED: Final = "—"
"""What a list of the range report shows when it is empty."""

RANGE_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_ADDRESSES): TextSelector(TextSelectorConfig(multiline=True)),
        vol.Required(CONF_PASSWORD): TextSelector(
            TextSelectorConfig(type=TextSelectorType.PASSWORD)
        ),
    }
)


@dataclass(frozen=True, slots=True)
class PickedMiner:
    """What a ``range_add`` flow starts with: a miner the scan reached, and its password."""

    reached: Reached
    password: str


class RangeFlow(ConfigFlow, metaclass=ABCMeta):
    """The range steps of the integration's config flow (registered for no domain)."""

    _scan: Scan
    _scan_task: asyncio.Task[list[Probed]] | None = None
    _progress_step: asyncio.Task[None] | None = None
    _range_password: str
    _offer: dict[str, Reached]  # by unique id, in address order
    _report: dict[str, str]

    @abstractmethod
    def _create_entry(self, identity: Identity, host: str, password: str) -> ConfigFlowResult:
        """Create the entry of a miner whose unique id is set and not configured."""

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
