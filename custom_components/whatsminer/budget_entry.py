"""A power budget's config entry: how it is told from a miner's, and what it holds.

The typed entry and the check that narrows to it live beside the runtime
(``budget_runtime.BudgetConfigEntry``, ``is_budget_entry``), as a miner's live beside its
coordinator; this module holds only data, so every budget module can import it.

A budget entry has no address or password of its own: its data only marks it as a
budget (``kind``), and everything the user chooses lives in its options, which the
options flow, the Budget and Max power numbers and the Budget control switch change
while it runs (no reload: the running budget is handed the new settings).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from .const import DOMAIN

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

CONF_KIND: Final = "kind"
KIND_BUDGET: Final = "budget"

CONF_MINERS: Final = "miners"  # entry ids of the member miners
CONF_FIRST: Final = "first"  # members that start first and stop last, whatever their J/TH
CONF_SOURCE: Final = "source"
CONF_METER: Final = "meter"  # entity id of the grid meter or surplus sensor
CONF_METER_SIGN: Final = "meter_sign"
CONF_ALLOWANCE: Final = "allowance"  # W of grid import tolerated
CONF_MAX_POWER: Final = "max_power"  # W, the farm's cap in every mode
CONF_BUDGET: Final = "budget"  # W, the fixed budget
CONF_CONTROL: Final = "control"  # whether the budget drives its miners
# Entry ids of the members a person switched off: left off, also after a restart.
CONF_HELD: Final = "held_by_hand"
# Minutes a member behind a smart plug stays stopped by the budget before its plug is
# switched off (0: never).
CONF_CUT_PLUG_AFTER: Final = "cut_plug_after"
# Entry ids of the members whose plug the budget switched off: started again when the
# budget has room, also after a restart (any other plug that is off is a person's doing).
CONF_CUT: Final = "cut_by_budget"

DEFAULT_TITLE: Final = "Power budget"
DEFAULT_ALLOWANCE: Final = 100
DEFAULT_MAX_POWER: Final = 100_000
# Far beyond any farm a home runs; a larger cap is a typo (kW for W, an extra zero).
MAX_POWER_LIMIT: Final = 1_000_000
# A day: a longer stop before the plug is cut saves nothing worth the setting.
MAX_CUT_PLUG_AFTER: Final = 1440


class BudgetSource(StrEnum):
    """Where the budget comes from."""

    FIXED = "fixed"  # the Budget number
    GRID = "grid"  # a meter at the grid connection; the farm uses what would be exported
    SURPLUS = "surplus"  # a sensor that already says how many W are free


class MeterSign(StrEnum):
    """Which way a grid meter counts."""

    IMPORT_POSITIVE = "import_positive"
    EXPORT_POSITIVE = "export_positive"


@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetConfig:
    """The settings of one budget, read from its entry's options."""

    miners: tuple[str, ...]
    first: frozenset[str]
    source: BudgetSource
    meter: str | None
    meter_sign: MeterSign
    allowance: float
    max_power: float
    budget: float
    control: bool
    held: frozenset[str]
    cut_plug_after: float  # minutes; 0: never
    cut: frozenset[str]

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> BudgetConfig:
        """Read the options the flows and the budget's entities wrote."""
        return cls(
            miners=tuple(options.get(CONF_MINERS, ())),
            first=frozenset(options.get(CONF_FIRST, ())),
            source=BudgetSource(options.get(CONF_SOURCE, BudgetSource.FIXED)),
            meter=options.get(CONF_METER),
            meter_sign=MeterSign(options.get(CONF_METER_SIGN, MeterSign.IMPORT_POSITIVE)),
            allowance=float(options.get(CONF_ALLOWANCE, DEFAULT_ALLOWANCE)),
            max_power=float(options.get(CONF_MAX_POWER, DEFAULT_MAX_POWER)),
            budget=float(options.get(CONF_BUDGET, 0)),
            control=bool(options.get(CONF_CONTROL, False)),
            held=frozenset(options.get(CONF_HELD, ())),
            cut_plug_after=float(options.get(CONF_CUT_PLUG_AFTER, 0)),
            cut=frozenset(options.get(CONF_CUT, ())),
        )


def is_budget_data(data: Mapping[str, Any]) -> bool:
    """Whether an entry's data marks a power budget rather than a miner."""
    return data.get(CONF_KIND) == KIND_BUDGET


def budget_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Return every power budget entry (loaded or not)."""
    return [
        entry for entry in hass.config_entries.async_entries(DOMAIN) if is_budget_data(entry.data)
    ]


def miner_entries(hass: HomeAssistant) -> list[ConfigEntry]:
    """Return every miner entry a budget may take as a member (ignored ones left out)."""
    return [
        entry
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
        if not is_budget_data(entry.data)
    ]


def budget_of_miner(hass: HomeAssistant, miner_entry_id: str) -> ConfigEntry | None:
    """Return the budget a miner belongs to, if any (a miner is in at most one)."""
    return next(
        (
            entry
            for entry in budget_entries(hass)
            if miner_entry_id in entry.options.get(CONF_MINERS, ())
        ),
        None,
    )
