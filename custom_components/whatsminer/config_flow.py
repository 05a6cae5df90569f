"""Config flow: add miners by address, address range or DHCP discovery; reauth, reconfigure.

Every path connects before it saves (scan.probe): it reads the miner's identity (its MAC
becomes the unique id) and checks the password with a harmless privileged round trip. A
disabled write API is not an error here, but it hides whether the password is right:
the miner refuses privileged requests before it looks at the password. The entry is
saved anyway (reads need no password), a repair issue explains how to enable writes,
and its check, once they are on, starts re-authentication for a wrong password.

"Add integration" opens a menu: one miner by its address, every miner of an address range
(range_flow.py, inherited from RangeFlow), or a power budget over miners (budget_flow.py).
A miner's options are in options_flow.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.const import CONF_HOST, CONF_PASSWORD
from homeassistant.core import callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import TextSelector, TextSelectorConfig, TextSelectorType
from homeassistant.helpers.typing import UNDEFINED
from homeassistant.util.network import is_ip_address

from .budget_flow import BudgetOptionsFlow, async_step_budget
from .budget_runtime import is_budget_entry
from .const import CONF_IDENTITY, DOMAIN
from .naming import miner_name
from .options_flow import WhatsminerOptionsFlow
from .range_flow import RangeFlow
from .scan import Reached, Unreached, probe
from .schema import vol
from .stored_identity import identity_as_data

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
    from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo

    from .api import Identity
    from .coordinator import WhatsminerConfigEntry

MENU_OPTIONS: Final = ["single", "range", "budget"]
"""What "Add integration" offers, each the id of the step it starts."""
WRITE_API_OFF: Final = "write_api_off"
"""The success message (config.create_entry) of a miner added with its write API off."""

_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
PASSWORD_SCHEMA = vol.Schema({vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR})
USER_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): TextSelector(),
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
    }
)


class WhatsminerConfigFlow(RangeFlow, domain=DOMAIN):
    """Add a Whatsminer, keyed by its MAC address."""

    VERSION = 1

    _discovered_host: str
    _discovered_name: str

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
        return self.async_show_menu(step_id="user", menu_options=MENU_OPTIONS)

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
                return await self._async_create_entry(reached, host, password)
        return self.async_show_form(
            step_id="single",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
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
                return await self._async_create_entry(reached, self._discovered_host, password)
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
        return await self._async_step_same_miner(
            "reauth_confirm", self._get_reauth_entry(), user_input, PASSWORD_SCHEMA
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address or password; it must still be the same miner."""
        entry = self._get_reconfigure_entry()
        if is_budget_entry(entry):  # no address or password: its options hold everything
            return self.async_abort(reason="budget_not_reconfigurable")
        return await self._async_step_same_miner(
            "reconfigure",
            entry,
            user_input,
            self.add_suggested_values_to_schema(
                USER_SCHEMA, user_input or {CONF_HOST: entry.data[CONF_HOST]}
            ),
        )

    async def _async_step_same_miner(
        self,
        step_id: str,
        entry: ConfigEntry,
        user_input: dict[str, Any] | None,
        data_schema: vol.Schema,
    ) -> ConfigFlowResult:
        """Save what the form changed (password, address) once the entry's miner answers.

        The form has the password and maybe the address; without one, the entry's is kept.
        """
        errors: dict[str, str] = {}
        if user_input is not None:
            host = user_input.get(CONF_HOST, entry.data[CONF_HOST])
            reached, errors = await self._async_try_connect(host, user_input[CONF_PASSWORD])
            if reached is not None:
                return await self._async_update_entry(entry, reached, user_input)
        return self.async_show_form(
            step_id=step_id,
            data_schema=data_schema,
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def _async_create_entry(
        self, reached: Reached, host: str, password: str
    ) -> ConfigFlowResult:
        """Create the entry, or move a known miner to the address it answered on."""
        await self.async_set_unique_id(format_mac(reached.identity.mac), raise_on_progress=False)
        self._abort_if_unique_id_configured(updates={CONF_HOST: host})
        return self._create_entry(
            reached.identity, host, password, write_api_off=not reached.password_verified
        )

    def _create_entry(
        self, identity: Identity, host: str, password: str, *, write_api_off: bool = False
    ) -> ConfigFlowResult:
        """Create the entry of a miner whose unique id is set and not configured.

        A miner whose write API is off is added all the same (reads work); the success
        message says that it cannot be controlled yet, so its controls do not mislead.
        """
        title = miner_name(identity)
        return self.async_create_entry(
            title=title,
            data={
                CONF_HOST: host,
                CONF_PASSWORD: password,
                CONF_IDENTITY: identity_as_data(identity),
            },
            description=WRITE_API_OFF if write_api_off else None,
            description_placeholders={"name": title} if write_api_off else None,
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
