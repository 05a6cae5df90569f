"""The config flow's steps that add every miner of an address range.

The range is scanned behind a progress display, then the user picks among the miners
that answered. Home Assistant creates one entry per flow, so each picked miner gets a
flow of its own (the private source ``range_add``) that checks its unique id again and
creates its entry; the range flow then ends with an abort that says how many were
added. An entry created that way also ends a DHCP discovery of the same miner still
waiting for its password (Home Assistant aborts flows of a unique id once an entry has
it), so a miner found both ways is added once.

The pick step says what happened, in counts: the miners that answered (those that
refused the password too), how many are new, have their write API off, are already
configured or refused the password, and the addresses where nothing answered. Each count
has a fixed label in the texts, so its words are right for every number; the names a
count stands for (the first few, and how many more) come in a placeholder of their own,
a nested markdown list of data only, empty when there are none. The texts hold plain
``{placeholders}`` only, as hassfest requires: no plural or select syntax. A choice that
would drop a sentence is a choice of text instead (the progress text that says how many
addresses are probed at once, the end that lists miners skipped).

The steps live in ``RangeFlow``, a ConfigFlow registered for no domain, which the
integration's flow class inherits: Home Assistant looks steps up on the flow itself.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Self

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
from .naming import miner_name, readable_model
from .scan import PROBE_CONCURRENCY, ProbeProblem, Reached, Scan, Unreached
from .schema import vol

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from .api import Identity
    from .scan import Probed

SOURCE_RANGE_ADD: Final = "range_add"
"""The private source of the flow that adds one miner picked from a range scan."""

CONF_ADDRESSES: Final = "addresses"
CONF_MINERS: Final = "miners"

ADD_CONCURRENCY: Final = 16
"""How many picked miners are added (and set up) at once."""

LISTED: Final = 3
"""How many names a list of the report shows before saying how many more there are."""

NESTED_ITEM: Final = "\n  - "
"""Starts an item of a list nested in the text's own list item (the line of its count)."""

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
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class RangeReport:
    """What a scan found, sorted the way the pick step tells it.

    A miner that answers at two addresses counts once, at the first; one already
    configured counts as that, whether or not it took the password.
    """

    total: int  # addresses scanned
    offer: dict[str, Reached]  # miners not configured yet, by unique id, in address order
    configured: list[str]  # entry titles of the miners that answered and are configured
    refused: list[Unreached]  # miners that refused the password
    silent: list[str]  # addresses where nothing answered as a miner
    failed: list[str]  # addresses that failed unexpectedly

    @classmethod
    def sort(cls, total: int, outcomes: Iterable[Probed], titles: Mapping[str, str]) -> Self:
        """Sort a scan's outcomes; ``titles`` are the configured entries' by unique id."""
        report = cls(total, {}, [], [], [], [])
        seen: set[str] = set()
        for outcome in outcomes:
            if isinstance(outcome, Unreached) and not outcome.answered:
                failed = outcome.problem is ProbeProblem.UNEXPECTED
                (report.failed if failed else report.silent).append(outcome.host)
                continue
            key = format_mac(outcome.identity.mac) if outcome.identity else outcome.host
            if key in seen:
                continue
            seen.add(key)
            if key in titles:
                report.configured.append(titles[key])
            elif isinstance(outcome, Unreached):
                report.refused.append(outcome)
            else:
                report.offer[key] = outcome
        return report

    def placeholders(self) -> dict[str, str]:
        """Return the counts and the first few names of each list, for the texts."""
        unverified = [r for r in self.offer.values() if not r.password_verified]
        answered = len(self.offer) + len(self.configured) + len(self.refused)
        return {
            "total": str(self.total),
            "answered": str(answered),
            "new": str(len(self.offer)),
            **_listed("unverified", [miner_name(r.identity) for r in unverified]),
            **_listed("configured", self.configured),
            **_listed("refused", [_refused_label(outcome) for outcome in self.refused]),
            **_listed_addresses("silent", self.silent),
            **_listed_addresses("failed", self.failed),
        }


class RangeFlow(ConfigFlow, metaclass=ABCMeta):
    """The range steps of the integration's config flow (registered for no domain)."""

    _scan: Scan
    _scan_task: asyncio.Task[list[Probed]] | None = None
    _progress_step: asyncio.Task[None] | None = None
    _range_password: str
    _report: RangeReport

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
            titles = {
                entry.unique_id: entry.title
                for entry in self._async_current_entries(include_ignore=False)
                if entry.unique_id is not None
            }
            self._report = RangeReport.sort(scan.total, self._scan_task.result(), titles)
            return self.async_show_progress_done(next_step_id="range_pick")
        if self._progress_step is None or self._progress_step.done():
            self._progress_step = self.hass.async_create_task(
                scan.wait_for_progress(scan.probed), f"{DOMAIN} scan progress"
            )
        batched = scan.total > PROBE_CONCURRENCY
        return self.async_show_progress(
            step_id="range_scan",
            progress_action="range_scan_batched" if batched else "range_scan",
            description_placeholders={
                "total": str(scan.total),
                "probed": str(scan.probed),
                "answered": str(scan.answered),
                "at_once": str(PROBE_CONCURRENCY),
            },
            progress_task=self._progress_step,
        )

    async def async_step_range_pick(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """List what the scan found; add the miners the user picks, one entry each."""
        offer = self._report.offer
        if not offer:
            return self.async_abort(
                reason="range_nothing_to_add",
                description_placeholders=self._report.placeholders(),
            )
        errors: dict[str, str] = {}
        if user_input is not None:
            if picked := [offer[unique_id] for unique_id in user_input[CONF_MINERS]]:
                return await self._async_add_picked(picked)
            errors[CONF_MINERS] = "range_none_picked"
        options = [
            SelectOptionDict(value=unique_id, label=_option_label(reached))
            for unique_id, reached in offer.items()
        ]
        schema = vol.Schema(
            {
                vol.Required(CONF_MINERS, default=list(offer)): SelectSelector(
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
            description_placeholders=self._report.placeholders(),
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

    async def _async_add_picked(self, picked: list[Reached]) -> ConfigFlowResult:
        """Start one ``range_add`` flow per picked miner, then end with how many were added.

        The end names the miners skipped (added meanwhile by another flow) in a text of
        its own, so the usual end has no line about skipping.
        """
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
            reason="range_added_some_skipped" if skipped else "range_added",
            description_placeholders={
                "added": str(len(picked) - len(skipped)),
                "picked": str(len(picked)),
                **_listed("skipped", [miner_name(reached.identity) for reached in skipped]),
            },
        )


def _option_label(reached: Reached) -> str:
    """Return a row of the pick list: the entry's name to be, model, MAC, address, API.

    The model is left out where the name already starts with it (a factory host name).
    """
    identity = reached.identity
    name, model = miner_name(identity), readable_model(identity.model)
    parts = (
        name,
        *(() if name.startswith(model) else (model,)),
        identity.mac,
        reached.host,
        f"API v{identity.api_generation.value}",
    )
    return " · ".join(parts)


def _refused_label(outcome: Unreached) -> str:
    """Return a miner that refused the password: model and MAC when known, and address."""
    if (identity := outcome.identity) is None:
        return outcome.host
    return " · ".join((readable_model(identity.model), identity.mac, outcome.host))


def _listed(key: str, names: Sequence[str]) -> dict[str, str]:
    """Return how many ``names`` there are, and the first few with how many more."""
    return {
        key: str(len(names)),
        f"{key}_list": _nested_list(names[:LISTED], len(names) - LISTED),
    }


def _listed_addresses(key: str, hosts: Sequence[str]) -> dict[str, str]:
    """Return how many addresses there are, and the first few runs with how many more."""
    shown = describe_addresses(hosts)[:LISTED]
    return {
        key: str(len(hosts)),
        f"{key}_list": _nested_list(
            [str(run) for run in shown], len(hosts) - sum(run.size for run in shown)
        ),
    }


def _nested_list(shown: Sequence[str], more: int) -> str:
    """Return ``shown`` as a nested markdown list, the last item "… (+more)" if any more.

    Data only, no words, so the list reads the same in every language; nothing at all
    when there is nothing to show, and the text's line then ends with its count of 0.
    """
    items = [*shown, *([f"… (+{more})"] if more > 0 else [])]
    return "".join(f"{NESTED_ITEM}{item}" for item in items)
