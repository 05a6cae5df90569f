"""A small client for a running Home Assistant, over the same HTTP and websocket APIs as its UI.

scripts/develop and the end-to-end tests drive Home Assistant the way a person's browser
does: create the owner, log in through the auth flow, add an entry through the config flow,
call services and read states. Talking to the public APIs instead of importing Home
Assistant keeps the test honest about what a user actually gets.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
import itertools
import time
from typing import TYPE_CHECKING, Any, Self

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# The language the onboarding page would send; it names the default areas.
_OWNER_LANGUAGE = "en"


class HomeAssistantApiError(Exception):
    """Home Assistant answered, but not the way the caller needed."""


@dataclass(frozen=True, slots=True)
class Tokens:
    """What /auth/token hands out; the frontend keeps the same fields in localStorage."""

    access_token: str
    refresh_token: str
    expires_in: int

    def frontend_storage(self, base_url: str) -> dict[str, Any]:
        """Return the `hassTokens` localStorage value that logs the frontend in."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "hassUrl": base_url,
            "clientId": f"{base_url}/",
            "expires": int(time.time() * 1000) + self.expires_in * 1000,
        }


class HomeAssistantClient:
    """REST and auth calls against one Home Assistant at `base_url` (no trailing slash)."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        """Use `session` for every request; the caller owns and closes it."""
        self._session = session
        self.base_url = base_url
        # Home Assistant binds tokens to an IndieAuth client id; the frontend uses its own URL.
        self.client_id = f"{base_url}/"
        self.tokens: Tokens | None = None

    async def wait_until_up(self, alive: Callable[[], bool]) -> None:
        """Poll until the HTTP server answers, which it does from early in the start.

        The onboarding view answers 200 while onboarding runs and 404 once it is done; either
        means the server is up. `alive` returns False once the server process has died, so
        a crash fails at once. Callers bound the wait with `asyncio.timeout`.
        """
        while True:
            try:
                async with self._session.get(f"{self.base_url}/api/onboarding") as resp:
                    if resp.status in {200, 404}:
                        return
            except aiohttp.ClientError:
                pass
            if not alive():
                raise HomeAssistantApiError("Home Assistant exited before its HTTP server came up")
            await asyncio.sleep(0.5)

    async def wait_until_running(self) -> None:
        """Wait until Home Assistant has finished starting (every integration set up)."""
        while True:
            if (await self.rest("GET", "/api/config"))["state"] == "RUNNING":
                return
            await asyncio.sleep(0.5)

    async def needs_owner(self) -> bool:
        """Return whether onboarding still waits for the first user (404: onboarding is over)."""
        async with self._session.get(f"{self.base_url}/api/onboarding") as resp:
            if resp.status == 404:
                return False
            steps = await resp.json()
        return any(step["step"] == "user" and not step["done"] for step in steps)

    async def create_owner(self, name: str, username: str, password: str) -> Tokens:
        """Create the owner account through onboarding's user step and log in as it."""
        reply = await self._request(
            "POST",
            "/api/onboarding/users",
            auth=False,
            json={
                "client_id": self.client_id,
                "name": name,
                "username": username,
                "password": password,
                "language": _OWNER_LANGUAGE,
            },
        )
        return await self._exchange_code(reply["auth_code"])

    async def login(self, username: str, password: str) -> Tokens:
        """Log in like the login page: login flow, then the authorization code for tokens."""
        flow = await self._request(
            "POST",
            "/auth/login_flow",
            auth=False,
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self._request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            auth=False,
            json={"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise HomeAssistantApiError(f"login as {username!r} refused: {result.get('errors')}")
        return await self._exchange_code(result["result"])

    async def _exchange_code(self, code: str) -> Tokens:
        async with self._session.post(
            f"{self.base_url}/auth/token",
            data={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        ) as resp:
            body = await resp.json()
            if resp.status != 200:
                raise HomeAssistantApiError(f"/auth/token: {resp.status} {body}")
        self.tokens = Tokens(body["access_token"], body["refresh_token"], body["expires_in"])
        return self.tokens

    async def keep_signed_in(self, client_name: str) -> None:
        """Swap the access token, valid for 30 minutes, for a long-lived one (a day).

        For runs longer than half an hour (the soak): the REST calls and websockets opened
        after that would otherwise be refused.
        """
        async with self.websocket() as websocket:
            token = await websocket.command(
                "auth/long_lived_access_token", client_name=client_name, lifespan=1
            )
        assert self.tokens is not None
        self.tokens = replace(self.tokens, access_token=token)

    async def add_config_entry(self, domain: str, answers: Mapping[str, Any]) -> dict[str, Any]:
        """Run a config flow to its end, answering each form from `answers` by field name.

        Fields missing from `answers` keep the form's default, so the caller does not need
        to know every step the integration asks. A menu is a form with one field,
        `next_step_id`: the option to take. Returns the final result: `create_entry`
        (with `result.entry_id`) or `abort` (with `reason`). A form shown again with errors
        raises, since answering it the same way would loop.
        """
        result: dict[str, Any] = await self.rest(
            "POST", "/api/config/config_entries/flow", {"handler": domain}
        )
        while result["type"] in {"form", "menu"}:
            if result.get("errors"):
                raise HomeAssistantApiError(f"{domain} flow, step {result['step_id']}: {result}")
            reply = {
                field["name"]: answers[field["name"]]
                for field in result["data_schema"]
                if field["name"] in answers
            }
            result = await self.rest(
                "POST", f"/api/config/config_entries/flow/{result['flow_id']}", reply
            )
        if result["type"] not in {"create_entry", "abort"}:
            raise HomeAssistantApiError(f"{domain} flow ended unexpectedly: {result}")
        return result

    async def call_service(self, domain: str, service: str, data: Mapping[str, Any]) -> None:
        """Call a service and wait for it, as a card's button does."""
        await self.rest("POST", f"/api/services/{domain}/{service}", dict(data))

    async def state(self, entity_id: str) -> dict[str, Any]:
        """Return the current state object of one entity."""
        state: dict[str, Any] = await self.rest("GET", f"/api/states/{entity_id}")
        return state

    async def config_entry(self, entry_id: str) -> dict[str, Any]:
        """Return one config entry as the integrations page lists it (title, state, reason)."""
        for entry in await self.rest("GET", "/api/config/config_entries/entry"):
            if entry["entry_id"] == entry_id:
                return dict(entry)
        raise HomeAssistantApiError(f"no config entry {entry_id}")

    async def diagnostics(self, entry_id: str) -> dict[str, Any]:
        """Return what the entry's "Download diagnostics" menu item saves, without the header."""
        return dict((await self.rest("GET", f"/api/diagnostics/config_entry/{entry_id}"))["data"])

    async def rest(self, method: str, path: str, json: Any = None) -> Any:
        """Call an authenticated REST endpoint and return its JSON body."""
        return await self._request(method, path, json=json)

    async def _request(self, method: str, path: str, *, auth: bool = True, json: Any = None) -> Any:
        headers = {}
        if auth:
            if self.tokens is None:
                raise HomeAssistantApiError("log in first")
            headers["Authorization"] = f"Bearer {self.tokens.access_token}"
        async with self._session.request(
            method, f"{self.base_url}{path}", json=json, headers=headers
        ) as resp:
            if resp.status >= 400:
                raise HomeAssistantApiError(f"{method} {path}: {resp.status} {await resp.text()}")
            return await resp.json()

    def websocket(self) -> Websocket:
        """Return an authenticated websocket connection; use it with `async with`."""
        if self.tokens is None:
            raise HomeAssistantApiError("log in first")
        return Websocket(self._session, self.base_url, self.tokens.access_token)


class Websocket:
    """One websocket connection for commands the REST API lacks (the registries).

    Commands run one at a time; nothing is subscribed, so every message read is the reply
    to the command just sent.
    """

    def __init__(self, session: aiohttp.ClientSession, base_url: str, access_token: str) -> None:
        """Remember where to connect; `async with` connects and authenticates."""
        self._session = session
        self._url = f"{base_url.replace('http', 'ws', 1)}/api/websocket"
        self._access_token = access_token
        self._ids = itertools.count(1)
        self._ws: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> Self:
        """Connect and authenticate."""
        self._ws = await self._session.ws_connect(self._url)
        await self._ws.receive_json()  # auth_required
        await self._ws.send_json({"type": "auth", "access_token": self._access_token})
        reply = await self._ws.receive_json()
        if reply["type"] != "auth_ok":
            raise HomeAssistantApiError(f"websocket auth failed: {reply}")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the connection."""
        if self._ws is not None:
            await self._ws.close()

    async def command(self, command_type: str, **fields: Any) -> Any:
        """Send one command and return its result."""
        if self._ws is None:
            raise HomeAssistantApiError("use the websocket with `async with`")
        message_id = next(self._ids)
        await self._ws.send_json({"id": message_id, "type": command_type, **fields})
        reply = await self._ws.receive_json()
        if reply.get("id") != message_id or not reply.get("success"):
            raise HomeAssistantApiError(f"{command_type}: {reply}")
        return reply["result"]
