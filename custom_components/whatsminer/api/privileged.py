"""The v2 privileged flow: tokens, encryption, retries, one command at a time.

A privileged command needs a token (PROTOCOL.md §2): ``get_token`` in plaintext, then
md5-crypt to derive the key and the sign, then the command AES-encrypted with the token
inside. The channel keeps that cost down and the miner happy:

* the token is reused for 25 minutes (the miner keeps it 30), and the key, which
  depends only on the password and the stable salt, is derived once;
* commands run one at a time: each ``get_token`` costs one of the miner's 32 tokens per
  client address, and in the field overlapping ``get_token`` calls broke the first
  command's encryption;
* a rejected token (code 135) or a failed decryption (``enc json load err``) gets one
  fresh token; failing again means the password is wrong;
* "over max connect" (code 136) stops asking for tokens for a while;
* after a command that restarts the miner the token is dropped (the miner forgot it),
  and a reply lost after the request left means "sent", not failure.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import functools
import json
import logging
import re
import time
from typing import TYPE_CHECKING, Final, Protocol

from . import commands, crypto
from .errors import (
    WhatsminerAuthError,
    WhatsminerConnectionError,
    WhatsminerInvalidReplyError,
    WhatsminerTokenLimitError,
)
from .parser import check_status, decode_reply, message

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .parser import JsonObject
    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

TOKEN_LIFETIME_SECONDS: Final = 30 * 60
"""The miner keeps a token alive for 30 minutes (vendor document)."""

TOKEN_REUSE_SECONDS: Final = TOKEN_LIFETIME_SECONDS - 5 * 60
"""Reuse a token for 25 minutes, so clock drift never sends an expired one."""

TOKEN_LIMIT_BACKOFF_SECONDS: Final = 185.0
"""After "over max connect", wait before asking again (a field report saw 180 s)."""

_SALT: Final = re.compile(r"[./0-9A-Za-z]{1,8}")
_TOKEN_TIME: Final = re.compile(r"\d{1,12}")


class BlockingRunner(Protocol):
    """Runs a blocking function off the event loop (``hass.async_add_executor_job``)."""

    def __call__[T](self, func: Callable[[], T], /) -> Awaitable[T]:
        """Run ``func`` in a worker and return its result."""


@dataclass(frozen=True, slots=True)
class _Token:
    """A token the miner handed out, ready to sign and encrypt commands."""

    sign: str = field(repr=False)
    aes_key: bytes = field(repr=False)
    reuse_until: float  # time.monotonic()


class PrivilegedChannel:
    """Sends privileged commands to one miner, one at a time, with a cached token."""

    def __init__(
        self, *, host: str, password: str, transport: Transport, run_blocking: BlockingRunner
    ) -> None:
        """Prepare the channel; the first command fetches the first token."""
        self._host = host
        self._password = password
        self._transport = transport
        self._run_blocking = run_blocking
        self._lock = asyncio.Lock()
        self._token: _Token | None = None
        self._derived_key: tuple[str, str] | None = None  # (salt, key) for self._password
        self._backoff_until = 0.0

    async def send(self, payload: JsonObject, *, restarts_miner: bool = False) -> JsonObject | None:
        """Send one privileged command and return its checked, decrypted reply.

        For a command that restarts the miner, returns None when the reply was lost after
        the request left.
        """
        async with self._lock:
            reply = await self._send(payload, lost_reply_is_sent=restarts_miner)
            if restarts_miner:
                self._token = None
            return reply

    async def change_password(self, new_password: str) -> None:
        """Send ``update_pwd`` and use the new password from then on."""
        payload = commands.UPDATE_PWD.build(old=self._password, new=new_password)
        async with self._lock:
            await self._send(payload, lost_reply_is_sent=False)
            self._password = new_password
            self.forget()

    def forget(self) -> None:
        """Drop the token and the derived key."""
        self._token = None
        self._derived_key = None

    async def _send(self, payload: JsonObject, *, lost_reply_is_sent: bool) -> JsonObject | None:
        """Sign, encrypt and send ``payload``, retrying once with a fresh token."""
        _LOGGER.debug("%s: sending privileged command %s", self._host, payload["cmd"])
        try:
            token = await self._valid_token()
            try:
                return await self._send_encrypted(token, payload, lost_reply_is_sent)
            except WhatsminerAuthError as err:
                _LOGGER.debug("%s: %s; fetching a new token once", self._host, err)
                self._token = None
                token = await self._valid_token()
                return await self._send_encrypted(token, payload, lost_reply_is_sent)
        except WhatsminerTokenLimitError:
            self._token = None
            self._backoff_until = time.monotonic() + TOKEN_LIMIT_BACKOFF_SECONDS
            raise

    async def _send_encrypted(
        self, token: _Token, payload: JsonObject, lost_reply_is_sent: bool
    ) -> JsonObject | None:
        """Send one encrypted command and decrypt and check its reply."""
        request = crypto.encrypt_command({**payload, "token": token.sign}, token.aes_key)
        try:
            raw = await self._transport.exchange(request)
        except WhatsminerConnectionError as err:
            if lost_reply_is_sent and err.request_sent:
                _LOGGER.debug(
                    "%s: no reply to %s, which restarts the miner; taking it as sent",
                    self._host,
                    payload["cmd"],
                )
                return None
            raise
        reply = decode_reply(raw)
        if "enc" in reply and "STATUS" not in reply:
            reply = decode_reply(crypto.decrypt_reply(reply["enc"], token.aes_key))
        check_status(reply)
        return reply

    async def _valid_token(self) -> _Token:
        """Return the cached token, or fetch a new one with ``get_token``."""
        now = time.monotonic()
        if self._token is not None and now < self._token.reuse_until:
            return self._token
        if now < self._backoff_until:
            raise WhatsminerTokenLimitError(
                f"the miner has no tokens left; retrying in {self._backoff_until - now:.0f} s"
            )
        reply = decode_reply(
            await self._transport.exchange(json.dumps({"cmd": "get_token"}).encode())
        )
        check_status(reply)
        offer = message(reply)
        token_time, salt, newsalt = (offer.get(key) for key in ("time", "salt", "newsalt"))
        if not (
            isinstance(token_time, str)
            and _TOKEN_TIME.fullmatch(token_time)
            and isinstance(salt, str)
            and _SALT.fullmatch(salt)
            and isinstance(newsalt, str)
            and _SALT.fullmatch(newsalt)
        ):
            raise WhatsminerInvalidReplyError("get_token reply lacks time, salt or newsalt")
        key = await self._key_for(salt)
        sign = await self._run_blocking(
            functools.partial(crypto.derive_sign, key, token_time, newsalt)
        )
        _LOGGER.debug("%s: fetched a new token", self._host)
        self._token = _Token(
            sign=sign, aes_key=crypto.aes_key(key), reuse_until=now + TOKEN_REUSE_SECONDS
        )
        return self._token

    async def _key_for(self, salt: str) -> str:
        """Return the key for the password and ``salt``; md5-crypt only when they change."""
        if self._derived_key is None or self._derived_key[0] != salt:
            key = await self._run_blocking(
                functools.partial(crypto.derive_key, self._password, salt)
            )
            self._derived_key = (salt, key)
        return self._derived_key[1]
