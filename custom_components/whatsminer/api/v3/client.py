"""V3Client: polls and writes for one Whatsminer on API v3 (TCP 4433, PROTOCOL.md §4).

Requests share one persistent connection (:class:`V3Transport`). A poll costs two
requests: ``get.miner.status`` with ``summary+pools+edevs`` joined (an idle miner answers
-1 to ``pools`` alone, PROTOCOL.md §4.9) and the full ``get.device.info``. The settings
no poll carries (``get.miner.setting``, ``get.fan.setting``, ``get.system.setting``) cost
three more on the first poll, after every write the client sends, and when the last read
is 5 minutes old, so every setting is read back from the miner instead of assumed.

Requests and their reply checks are :class:`~.requests.V3Requests`; writes, signed with
the miner's salt, are :class:`~.writer.V3Writer`, which learns the salt from every full
``get.device.info`` this client reads.

Reads leave ``param`` out when they take none: that is the request shape of the vendor
document, and what the v3 detection probes send. pyasic's ``"param": null`` works too
(PROTOCOL.md §4.9), so nothing is gained by sending it.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
import logging
import time
from typing import TYPE_CHECKING, Final

from .. import values
from ..arguments import check_host, check_password, check_port
from ..client import ClientBase
from ..download import DOWNLOAD_TIME_LIMIT_S, announced_size, check_keep
from ..errors import (
    WhatsminerCommandRejectedError,
    WhatsminerInvalidReplyError,
)
from ..models import CommandOutcome, MinerLog
from ..operations import SetFastBoot
from .models import build_identity, build_miner_data, says_btminer_down, section
from .requests import JSON_SEPARATORS, V3Requests
from .transport import V3_PORT, V3Transport
from .writer import V3Writer

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..common import JsonObject
    from ..models import Identity, MinerData
    from ..operations import Operation

_LOGGER = logging.getLogger(__name__)

SETTINGS_MAX_AGE_SECONDS: Final = 300.0
"""Settings changed elsewhere (WhatsMinerTool, the web UI) show up within this time."""

STATUS_SECTIONS: Final = "summary+pools+edevs"


def _unix_time() -> float:
    """Read ``time.time`` when called, so a patched clock (freezegun) is seen."""
    return time.time()


@dataclass(frozen=True, slots=True)
class _Settings:
    """The settings replies last read, when, and how many writes had been sent then."""

    miner: JsonObject | None = None
    fan: JsonObject | None = None
    system: JsonObject | None = None
    read_at: float | None = None  # on the client's clock
    writes_sent: int = 0


class V3Client(ClientBase[V3Transport]):
    """The protocol client for one Whatsminer speaking API v3."""

    def __init__(
        self,
        host: str,
        password: str,
        *,
        port: int = V3_PORT,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        transport: V3Transport | None = None,
        clock: Callable[[], float] = _unix_time,
    ) -> None:
        """Prepare the client; nothing is sent until a method is called.

        ``timeout`` bounds each exchange, ``connect_timeout`` each connection attempt.
        A ``transport`` passed in is used as it is and left open by :meth:`close` (its
        owner closes it), though a reply to another command drops its connection;
        otherwise the client opens its own. ``clock`` gives the Unix
        time that signs writes and dates the settings (tests inject one).

        Raises WhatsminerInvalidArgumentError for a host that cannot name a miner, a
        port outside 1..65535, or a password that is not text or holds a NUL byte.
        """
        self._host = check_host(host)
        password = check_password(password)
        port = check_port("port", port)
        self._owns_transport = transport is None
        self._transport = transport or V3Transport(
            host, port, timeout=timeout, connect_timeout=connect_timeout
        )
        self._clock = clock
        self._requests = V3Requests(host, self._transport)
        self._writer = V3Writer(host, password, self._requests, clock)
        self._settings = _Settings()

    def _forget(self) -> None:
        """Forget the salt and the settings."""
        self._writer.forget()
        self._settings = _Settings()

    # Reads ----------------------------------------------------------------------------

    async def identity(self) -> Identity:
        """Read the miner's static facts with one ``get.device.info``.

        Raises WhatsminerInvalidReplyError when the reply carries no MAC address.
        """
        return build_identity(await self._read_device_info())

    async def fetch(self) -> MinerData:
        """Poll the miner once and return everything it reports.

        While btminer is down ``get.miner.status`` answers with a text instead of data;
        the poll then reports a miner that does not hash. A settings read that is refused
        or garbled keeps the settings last read; any connection error fails the poll.
        """
        status = await self._read_status()
        device_info = await self._read_device_info()
        settings = await self._current_settings()
        return build_miner_data(
            status=status,
            device_info=device_info,
            miner_setting=settings.miner,
            fan_setting=settings.fan,
            system_setting=settings.system,
        )

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log (``get.log.download``); keep only its last ``keep`` bytes.

        The reply frame announces the size in ``msg.logsize``; the file's bytes follow
        unframed. The whole download has :data:`~.download.DOWNLOAD_TIME_LIMIT_S`.
        """
        cmd = "get.log.download"

        def size_of(raw: bytes) -> int:
            reply = self._requests.decode(raw)
            return announced_size(self._requests.message(reply, cmd).get("logsize"), "logsize")

        size, tail = await self._transport.download(
            json.dumps({"cmd": cmd}, separators=JSON_SEPARATORS).encode(),
            size_of,
            keep=check_keep(keep),
            time_limit=DOWNLOAD_TIME_LIMIT_S,
        )
        return MinerLog(size=size, tail=tail)

    async def _read_status(self) -> JsonObject | None:
        """Read summary, pools and boards at once; None while btminer is down."""
        cmd = "get.miner.status"
        reply = await self._requests.request({"cmd": cmd, "param": STATUS_SECTIONS})
        if says_btminer_down(reply.get("msg")):
            _LOGGER.debug("%s: the mining process is down", self._host)
            return None
        return self._requests.message(reply, cmd)

    async def _read_device_info(self) -> JsonObject:
        """Read the full ``get.device.info``; learn the salt and the API switch from it."""
        device_info = await self._requests.read("get.device.info")
        self._writer.learn(device_info)
        return device_info

    async def _current_settings(self) -> _Settings:
        """Return the settings, read again when none were, after a write, or when old.

        A settings read that fails keeps what was read before, and is tried again after
        the next write or when the period is over; a clock that jumped back counts as old.
        """
        cached, now, writes_sent = self._settings, self._clock(), self._writer.writes_sent
        if (
            cached.read_at is not None
            and cached.writes_sent == writes_sent
            and 0 <= now - cached.read_at < SETTINGS_MAX_AGE_SECONDS
        ):
            return cached
        miner = await self._read_setting("get.miner.setting")
        fan = await self._read_setting("get.fan.setting")
        system = await self._read_setting("get.system.setting")
        self._settings = _Settings(
            miner=cached.miner if miner is None else miner,
            fan=cached.fan if fan is None else fan,
            system=cached.system if system is None else system,
            read_at=now,
            writes_sent=writes_sent,
        )
        return self._settings

    async def _read_setting(self, cmd: str) -> JsonObject | None:
        """Read one settings reply; None when the miner refuses it or it is garbled."""
        try:
            return await self._requests.read(cmd)
        except (WhatsminerCommandRejectedError, WhatsminerInvalidReplyError) as err:
            _LOGGER.debug("%s: %s unreadable (%s); keeping the last settings", self._host, cmd, err)
            return None

    # Writes ---------------------------------------------------------------------------

    async def verify_password(self) -> None:
        """Prove the password with a write that changes nothing.

        Fast boot is written back with the value the miner reports: a real privileged
        round trip (so the API switch is proven too), harmless, and without a restart.

        Only code 0 proves the password. Unlike a v2 refusal, which comes encrypted with
        the password's key, a v3 reply is plaintext and proves nothing by itself, and the
        miner may refuse before it looks at the token: -2 (unknown command or param) and
        -3 (missing param) say nothing about the password, and -1 is documented as
        "invalid JSON or password is wrong". So every refusal but -4 is raised as it is
        (WhatsminerCommandRejectedError), neither a pass nor a wrong password.

        Raises WhatsminerAuthError for a wrong password, WhatsminerWriteDisabledError
        when the write API is switched off, and WhatsminerInvalidReplyError when the
        miner reports no fast boot state to write back.
        """
        device_info = await self._read_device_info()
        enabled = _fast_boot(section(device_info, "miner"))
        if enabled is None:
            enabled = _fast_boot(await self._requests.read("get.miner.setting"))
        if enabled is None:
            raise WhatsminerInvalidReplyError(f"{self._host} reports no fast boot state")
        await self._writer.run(SetFastBoot(enabled))

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Report the miner ready at once: API v3 has no preheating command."""
        return True

    async def run(self, operation: Operation) -> CommandOutcome:
        """Sign and send one write (see :mod:`..operations`).

        CONFIRMED, or SENT when a write whose reply is often lost lost it (or got an
        unreadable one) after the request left.
        """
        return await self._writer.run(operation)


def _fast_boot(settings: JsonObject) -> bool | None:
    """Read a ``fast-boot`` of ``"enable"``/``"disable"``."""
    return values.flag(settings.get("fast-boot"), true="enable", false="disable")
