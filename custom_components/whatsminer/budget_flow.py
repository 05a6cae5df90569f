"""The form of a power budget: adding one (a step of the config flow) and its options.

Both show the same fields: the member miners, picked from the configured miner entries
(a miner belongs to at most one budget; the form names those already taken), the
budget source and its meter (never one of this integration's own sensors: a miner's
Power or the budget's Farm power would feed the budget back its own doing), the grid
allowance, the farm's Max power, and after how long a stopped member behind a smart plug
has its plug switched off. Nothing is saved while a field is wrong. Saved options reach a
running budget through its entry's change signal (``budget_runtime``), without a reload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.selector import (
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)

from .budget_entry import (
    CONF_ALLOWANCE,
    CONF_CUT_PLUG_AFTER,
    CONF_FIRST,
    CONF_KIND,
    CONF_MAX_POWER,
    CONF_METER,
    CONF_METER_SIGN,
    CONF_MINERS,
    CONF_SOURCE,
    DEFAULT_ALLOWANCE,
    DEFAULT_MAX_POWER,
    DEFAULT_TITLE,
    KIND_BUDGET,
    MAX_CUT_PLUG_AFTER,
    MAX_POWER_LIMIT,
    BudgetSource,
    MeterSign,
    budget_entries,
    budget_of_miner,
    miner_entries,
)
from .budget_runtime import WATTS_PER_UNIT
from .const import DOMAIN
from .schema import vol

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigFlow
    from homeassistant.core import HomeAssistant

    from .budget_runtime import BudgetConfigEntry

STEP_ID: Final = "budget"
NONE_TAKEN: Final = "—"

DEFAULTS: Final[dict[str, Any]] = {
    CONF_MINERS: [],
    CONF_FIRST: [],
    CONF_SOURCE: BudgetSource.FIXED.value,
    CONF_METER_SIGN: MeterSign.IMPORT_POSITIVE.value,
    CONF_ALLOWANCE: DEFAULT_ALLOWANCE,
    CONF_MAX_POWER: DEFAULT_MAX_POWER,
    CONF_CUT_PLUG_AFTER: 0,
}


def _watts(*, maximum: float | None) -> NumberSelector:
    """Return a box for W, from 0 up to ``maximum`` (None: checked by the form instead)."""
    if maximum is None:
        return NumberSelector(
            NumberSelectorConfig(unit_of_measurement="W", mode=NumberSelectorMode.BOX, step=1)
        )
    return NumberSelector(
        NumberSelectorConfig(
            min=0, max=maximum, unit_of_measurement="W", mode=NumberSelectorMode.BOX, step=1
        )
    )


async def async_step_budget(
    flow: ConfigFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """Add a power budget (the config flow's third menu option)."""
    errors = {} if user_input is None else _errors(flow.hass, user_input, own_entry_id=None)
    if user_input is not None and not errors:
        return flow.async_create_entry(
            title=_new_title(flow.hass), data={CONF_KIND: KIND_BUDGET}, options=_options(user_input)
        )
    return flow.async_show_form(
        step_id=STEP_ID,
        data_schema=flow.add_suggested_values_to_schema(_schema(flow.hass), user_input or DEFAULTS),
        errors=errors,
        description_placeholders={"taken": _taken(flow.hass, own_entry_id=None)},
    )


class BudgetOptionsFlow(OptionsFlow):
    """Change a budget's members, source and limits while it runs."""

    config_entry: BudgetConfigEntry

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Show the budget's form (its own step id: a miner's options use ``init``)."""
        return await self.async_step_budget()

    async def async_step_budget(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Save the new settings; the Budget and the control switch keep theirs."""
        own = self.config_entry.entry_id
        errors = {} if user_input is None else _errors(self.hass, user_input, own_entry_id=own)
        if user_input is not None and not errors:
            return self.async_create_entry(
                data={**self.config_entry.options, **_options(user_input)}
            )
        return self.async_show_form(
            step_id=STEP_ID,
            data_schema=self.add_suggested_values_to_schema(
                _schema(self.hass), user_input or {**DEFAULTS, **self.config_entry.options}
            ),
            errors=errors,
            description_placeholders={"taken": _taken(self.hass, own_entry_id=own)},
        )


def _schema(hass: HomeAssistant) -> vol.Schema:
    """Return the form; the miners are the configured miner entries."""
    miners = [
        SelectOptionDict(value=entry.entry_id, label=entry.title) for entry in miner_entries(hass)
    ]
    pick = SelectSelector(
        SelectSelectorConfig(options=miners, multiple=True, mode=SelectSelectorMode.LIST)
    )
    return vol.Schema(
        {
            vol.Optional(CONF_MINERS): pick,
            vol.Optional(CONF_FIRST): pick,
            vol.Required(CONF_SOURCE): SelectSelector(
                SelectSelectorConfig(
                    options=[source.value for source in BudgetSource],
                    translation_key="budget_source",
                )
            ),
            vol.Optional(CONF_METER): EntitySelector(
                EntitySelectorConfig(domain="sensor", device_class="power")
            ),
            vol.Required(CONF_METER_SIGN): SelectSelector(
                SelectSelectorConfig(
                    options=[sign.value for sign in MeterSign],
                    translation_key="budget_meter_sign",
                )
            ),
            vol.Required(CONF_ALLOWANCE): _watts(maximum=MAX_POWER_LIMIT),
            # No bounds in the selector: a value out of range gets the form's error.
            vol.Required(CONF_MAX_POWER): _watts(maximum=None),
            vol.Optional(CONF_CUT_PLUG_AFTER, default=0): NumberSelector(
                NumberSelectorConfig(
                    min=0,
                    max=MAX_CUT_PLUG_AFTER,
                    unit_of_measurement="min",
                    mode=NumberSelectorMode.BOX,
                    step=1,
                )
            ),
        }
    )


def _errors(
    hass: HomeAssistant, user_input: dict[str, Any], *, own_entry_id: str | None
) -> dict[str, str]:
    """Return the form errors, by field."""
    errors: dict[str, str] = {}
    miners = user_input.get(CONF_MINERS, [])
    if not miners:
        errors[CONF_MINERS] = "budget_no_miners"
    elif any(
        (budget := budget_of_miner(hass, miner)) is not None and budget.entry_id != own_entry_id
        for miner in miners
    ):
        errors[CONF_MINERS] = "budget_miner_taken"
    if user_input[CONF_SOURCE] != BudgetSource.FIXED:
        meter = user_input.get(CONF_METER)
        state = hass.states.get(meter) if meter else None
        if state is None or state.attributes.get(ATTR_UNIT_OF_MEASUREMENT) not in WATTS_PER_UNIT:
            errors[CONF_METER] = "budget_meter_not_power"
        elif (registered := er.async_get(hass).async_get(state.entity_id)) is not None and (
            registered.platform == DOMAIN
        ):
            errors[CONF_METER] = "budget_meter_own"
    if not 0 <= user_input[CONF_MAX_POWER] <= MAX_POWER_LIMIT:
        errors[CONF_MAX_POWER] = "budget_max_power_invalid"
    return errors


def _options(user_input: dict[str, Any]) -> dict[str, Any]:
    """Return the options to save from a valid form."""
    meter = user_input.get(CONF_METER)
    return {
        CONF_MINERS: list(user_input[CONF_MINERS]),
        # Only members can come first; picking another miner there means nothing.
        CONF_FIRST: [
            miner for miner in user_input.get(CONF_FIRST, []) if miner in user_input[CONF_MINERS]
        ],
        CONF_SOURCE: user_input[CONF_SOURCE],
        CONF_METER: None if user_input[CONF_SOURCE] == BudgetSource.FIXED else meter,
        CONF_METER_SIGN: user_input[CONF_METER_SIGN],
        CONF_ALLOWANCE: float(user_input[CONF_ALLOWANCE]),
        CONF_MAX_POWER: float(user_input[CONF_MAX_POWER]),
        CONF_CUT_PLUG_AFTER: int(user_input[CONF_CUT_PLUG_AFTER]),
    }


def _new_title(hass: HomeAssistant) -> str:
    """Return "Power budget", numbered from the second on (it names the device and ids)."""
    titles = {entry.title for entry in budget_entries(hass)}
    number = 1
    while (title := DEFAULT_TITLE if number == 1 else f"{DEFAULT_TITLE} {number}") in titles:
        number += 1
    return title


def _taken(hass: HomeAssistant, *, own_entry_id: str | None) -> str:
    """Return the miners that belong to another budget, with its name."""
    taken = [
        f"{entry.title} ({budget.title})"
        for entry in miner_entries(hass)
        if (budget := budget_of_miner(hass, entry.entry_id)) is not None
        and budget.entry_id != own_entry_id
    ]
    return ", ".join(taken) or NONE_TAKEN
