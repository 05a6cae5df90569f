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
* the miner's own "over max connect" (code 136) stops asking for tokens for a while;
  commands made meanwhile fail at once, without reaching the miner or extending it;
* after a command that restarts btminer the token is dropped (the miner forgot it);
  for commands whose reply is often lost, a reply lost or cut short after the request
  left means "sent", not failure;
* a reply that decrypts with the key derived from the password proves the password,
  whatever it says: firmware that refuses encrypted reads answers the password check
  (an encrypted ``status``) with an encrypted "invalid cmd", which passes the check.
  Only the plaintext "enc json load err" means a wrong password.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import functools
import json
import logging
import re
from typing import TYPE_CHECKING, Final

from ..download import announced_size
from ..errors import (
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerConnectionError,
    WhatsminerInvalidReplyError,
    WhatsminerTokenLimitError,
)
from ..models import MinerLog
from . import crypto
from .parser import check_status, decode_reply, message

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator

    from ..common import BlockingRunner, JsonObject
    from .transport import Transport

_LOGGER = logging.getLogger(__name__)

TOKEN_LIFETIME_SECONDS: Final = 30 * 60
"""The miner keeps a token alive for 30 minutes (vendor document)."""

TOKEN_REUSE_SECONDS: Final = TOKEN_LIFETIME_SECONDS - 5 * 60
"""Reuse a token for 25 minutes, so clock drift never sends an expired one."""

TOKEN_LIMIT_BACKOFF_SECONDS: Final = 185.0
"""After "over max connect", wait before asking again (a field report saw 180 s)."""

_PASSWORD_CHECK: Final[JsonObject] = {"cmd": "status"}
"""A read sent encrypted: harmless, and only a miner holding the password can read it."""

_SALT: Final = re.compile(r"[./0-9A-Za-z]{1,8}")
_TOKEN_TIME: Final = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True, slots=True)
class _Token:
    """A token the miner handed out, ready to sign and encrypt commands."""

    sign: str = field(repr=False)
    aes_key: bytes = field(repr=False)
    reuse_until: float  # on the channel's monotonic clock


class PrivilegedChannel:
    """Sends privileged commands to one miner, one at a time, with a cached token."""

    def __init__(
        self,
        *,
        host: str,
        password: str,
        transport: Transport,
        run_blocking: BlockingRunner,
        clock: Callable[[], float],
    ) -> None:
        """Prepare the channel; the first command fetches the first token.

        ``clock`` (monotonic seconds, the client's) measures token reuse and the
        token-limit back-off.
        """
        self._host = host
        self._password = password
        self._transport = transport
        self._run_blocking = run_blocking
        self._clock = clock
        self._lock = asyncio.Lock()
        self._token: _Token | None = None
        self._derived_key: tuple[str, str] | None = None  # (salt, key) for self._password
        self._backoff_until = 0.0

    async def send(
        self, payload: JsonObject, *, lost_reply_is_sent: bool = False, forgets_token: bool = False
    ) -> JsonObject | None:
        """Send one privileged command and return its checked, decrypted reply.

        With ``lost_reply_is_sent``, returns None when the reply was lost or unreadable
        after the request left. With ``forgets_token``, the token is dropped afterwards.
        """
        async with self._lock:
            reply = await self._send(payload, lost_reply_is_sent=lost_reply_is_sent)
            if forgets_token:
                self._token = None
            return reply

    async def verify_password(self) -> None:
        """Prove the password with an encrypted ``status`` (:data:`_PASSWORD_CHECK`).

        Raises WhatsminerAuthError for a wrong password and WhatsminerWriteDisabledError
        when the write API is off; a refusal in an encrypted reply passes.
        """
        async with self._lock:
            with _encrypted_refusal_passes(self._host):
                await self._send(_PASSWORD_CHECK, lost_reply_is_sent=False)

    async def download(self, payload: JsonObject, *, keep: int, time_limit: float) -> MinerLog:
        """Send a privileged command answered by a header and raw bytes (``download_logs``).

        The header comes encrypted and announces the size in ``Msg.logfilelen``.
        """
        _LOGGER.debug("%s: downloading with %s", self._host, payload["cmd"])
        async with self._lock:
            return await self._with_token(
                lambda token: self._download(token, payload, keep, time_limit)
            )

    async def _download(
        self, token: _Token, payload: JsonObject, keep: int, time_limit: float
    ) -> MinerLog:
        """Send one encrypted download request and read the log behind its header."""

        def size_of(raw: bytes) -> int:
            reply, encrypted = self._open(raw, token)
            check_status(reply, encrypted=encrypted)
            return announced_size(message(reply).get("logfilelen"), "logfilelen")

        request = crypto.encrypt_command({**payload, "token": token.sign}, token.aes_key)
        size, tail = await self._transport.download(
            request, size_of, keep=keep, time_limit=time_limit
        )
        return MinerLog(size=size, tail=tail)

    def forget(self) -> None:
        """Drop the token and the derived key."""
        self._token = None
        self._derived_key = None

    async def _send(self, payload: JsonObject, *, lost_reply_is_sent: bool) -> JsonObject | None:
        """Sign, encrypt and send ``payload`` (see :meth:`_with_token`)."""
        _LOGGER.debug("%s: sending privileged command %s", self._host, payload["cmd"])
        return await self._with_token(
            lambda token: self._send_encrypted(token, payload, lost_reply_is_sent)
        )

    async def _with_token[T](self, attempt: Callable[[_Token], Awaitable[T]]) -> T:
        """Run ``attempt`` with a valid token; a refused token gets one fresh token.

        During a token-limit back-off nothing is sent; the miner's own "over max
        connect" starts one.
        """
        remaining = self._backoff_until - self._clock()
        if remaining > 0:
            raise WhatsminerTokenLimitError(
                f"the miner has no tokens left; retrying in {remaining:.0f} s"
            )
        try:
            token = await self._valid_token()
            try:
                return await attempt(token)
            except WhatsminerAuthError:
                # Fixed text only: nothing of the reply, the token or the key reaches the log.
                _LOGGER.debug("%s: token or key refused; fetching a new token once", self._host)
                self._token = None
                return await attempt(await self._valid_token())
        except WhatsminerTokenLimitError:
            # Only the miner says so here: the back-off itself raised above, untouched.
            self._token = None
            self._backoff_until = self._clock() + TOKEN_LIMIT_BACKOFF_SECONDS
            raise

    async def _send_encrypted(
        self, token: _Token, payload: JsonObject, lost_reply_is_sent: bool
    ) -> JsonObject | None:
        """Send one encrypted command and decrypt and check its reply.

        Returns None for a lost or unreadable reply when ``lost_reply_is_sent``.
        """
        request = crypto.encrypt_command({**payload, "token": token.sign}, token.aes_key)
        try:
            reply, encrypted = self._open(await self._transport.exchange(request), token)
        except WhatsminerConnectionError as err:
            if not (lost_reply_is_sent and err.request_sent):
                raise
            lost = "no reply"
        except WhatsminerInvalidReplyError:
            if not lost_reply_is_sent:
                raise
            lost = "an unreadable reply"
        else:
            check_status(reply, encrypted=encrypted)
            return reply
        _LOGGER.debug(
            "%s: %s to %s, whose reply is often lost; taking it as sent",
            self._host,
            lost,
            payload["cmd"],
        )
        return None

    @staticmethod
    def _open(raw: bytes, token: _Token) -> tuple[JsonObject, bool]:
        """Parse a reply, decrypting it unless the miner answered in plaintext.

        Returns the reply and whether it came encrypted.
        """
        reply = decode_reply(raw)
        if "enc" in reply and "STATUS" not in reply:
            return decode_reply(crypto.decrypt_reply(reply["enc"], token.aes_key)), True
        return reply, False

    async def _valid_token(self) -> _Token:
        """Return the cached token, or fetch a new one with ``get_token``."""
        now = self._clock()
        if self._token is not None and now < self._token.reuse_until:
            return self._token
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


@contextlib.contextmanager
def _encrypted_refusal_passes(host: str) -> Iterator[None]:
    """Let a password check pass when the miner refuses it in an encrypted reply.

    The reply decrypted with the key derived from the password, which only a miner
    holding that password can do; the command it refused (a read, on firmware that
    takes only writes encrypted) does not matter.
    """
    try:
        yield
    except WhatsminerCommandRejectedError as err:
        if not err.encrypted:
            raise
        _LOGGER.debug("%s: encrypted refusal of the password check; the password is right", host)
