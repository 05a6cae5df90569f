"""The catalogue of API v2 commands: wire names, parameters, ranges and side effects.

Every argument is checked here before anything is sent, so a wrong value raises
WhatsminerInvalidArgumentError instead of reaching the miner. Names, parameter keys and
ranges follow the vendor's "Whatsminer API V2.0.5" (PROTOCOL.md §2.5); ranges are
inclusive at both ends, as documented. Values go on the wire as strings, as the
document types them, except the LED timings, which it types as integers.

Error messages name the argument and the rule, never the value: some values are
passwords.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Protocol

from ..errors import WhatsminerInvalidArgumentError
from ..models import PoolConfig

if TYPE_CHECKING:
    from ..common import JsonObject

type WireValue = str | int
type WireCommand = dict[str, WireValue]

MAX_POOLS: Final = 3
_LED_MS_MAX: Final = 2**31 - 1  # the firmware reads the LED timings as C ints
_POOL_FIELD: Final = re.compile(r"[^\x00-\x1f\x7f]{0,255}")
_POOL_URL: Final = re.compile(r"[^\s\x00-\x1f\x7f]{1,255}")
_HOSTNAME: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# A POSIX TZ rule (``CST-8``, ``CET-1CEST,M3.5.0,M10.5.0/3``, ``<+0530>-5:30``): printable
# ASCII without spaces; the firmware writes it into its TZ file as it is.
_POSIX_ZONE: Final = re.compile(r"[!-~]{3,64}")
_POSIX_ZONE_RULE: Final = "a POSIX time zone rule of 3 to 64 printable characters"
# An IANA name (``Asia/Shanghai``, ``America/Argentina/Buenos_Aires``, ``UTC``, ``Etc/GMT+5``).
_ZONE_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]{0,31}(?:/[A-Za-z0-9_+\-]{1,32}){0,3}")
_ZONE_NAME_RULE: Final = "an IANA time zone name such as Europe/Berlin"


def _invalid(argument: str, rule: str) -> WhatsminerInvalidArgumentError:
    """Build the error for an argument that breaks its rule."""
    return WhatsminerInvalidArgumentError(f"{argument} must be {rule}")


class Param(Protocol):
    """One argument of a command and how it goes on the wire."""

    @property
    def name(self) -> str:
        """The argument's name on the client side."""

    def encode(self, value: object) -> WireCommand:
        """Check ``value`` and return the wire key(s) and value(s) it becomes."""


@dataclass(frozen=True, slots=True)
class IntParam:
    """An integer within an inclusive range."""

    name: str
    key: str
    minimum: int
    maximum: int
    as_text: bool = True

    def encode(self, value: object) -> WireCommand:
        """Check the range; send the number as text unless the document says int."""
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not self.minimum <= value <= self.maximum
        ):
            raise _invalid(self.name, f"an integer from {self.minimum} to {self.maximum}")
        return {self.key: str(value) if self.as_text else value}


@dataclass(frozen=True, slots=True)
class FlagParam:
    """A boolean the firmware spells as two words, e.g. ``"true"``/``"false"``."""

    name: str
    key: str
    on: str
    off: str

    def encode(self, value: object) -> WireCommand:
        """Check that ``value`` is a real bool and spell it."""
        if not isinstance(value, bool):
            raise _invalid(self.name, "True or False")
        return {self.key: self.on if value else self.off}


@dataclass(frozen=True, slots=True)
class ChoiceParam:
    """One of a few fixed strings."""

    name: str
    key: str
    choices: tuple[str, ...]

    def encode(self, value: object) -> WireCommand:
        """Check that ``value`` is one of the choices."""
        if value not in self.choices:
            raise _invalid(self.name, "one of " + ", ".join(repr(c) for c in self.choices))
        return {self.key: str(value)}


@dataclass(frozen=True, slots=True)
class TextParam:
    """A string that must match a pattern."""

    name: str
    key: str
    pattern: re.Pattern[str]
    rule: str

    def encode(self, value: object) -> WireCommand:
        """Check ``value`` against the pattern."""
        if not isinstance(value, str) or not self.pattern.fullmatch(value):
            raise _invalid(self.name, self.rule)
        return {self.key: value}


@dataclass(frozen=True, slots=True)
class PoolsParam:
    """One to three pools, sent as ``pool1``/``worker1``/``passwd1`` … ``passwd3``.

    Unused slots are sent empty, as the vendor tool does, so they are cleared.
    """

    name: str

    def encode(self, value: object) -> WireCommand:
        """Check every pool and spread them over the three numbered slots."""
        if (
            isinstance(value, str)
            or not isinstance(value, Sequence)
            or not 1 <= len(value) <= MAX_POOLS
            or not all(isinstance(pool, PoolConfig) for pool in value)
        ):
            raise _invalid(self.name, f"a list of 1 to {MAX_POOLS} PoolConfig")
        wire: WireCommand = {}
        for slot in range(1, MAX_POOLS + 1):
            pool = value[slot - 1] if slot <= len(value) else PoolConfig(url="", worker="")
            if not all(isinstance(text, str) for text in (pool.url, pool.worker, pool.password)):
                raise _invalid(f"pool {slot} url, worker and password", "text")
            if slot <= len(value) and not _POOL_URL.fullmatch(pool.url):
                raise _invalid(f"pool {slot} url", "1 to 255 characters without spaces")
            if not (_POOL_FIELD.fullmatch(pool.worker) and _POOL_FIELD.fullmatch(pool.password)):
                raise _invalid(f"pool {slot} worker and password", "printable, 255 at most")
            wire |= {
                f"pool{slot}": pool.url,
                f"worker{slot}": pool.worker,
                f"passwd{slot}": pool.password,
            }
        return wire


def _checked_text(argument: str, value: object, pattern: re.Pattern[str], rule: str) -> str:
    """Return ``value`` if it is a string that ``pattern`` matches whole."""
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _invalid(argument, rule)
    return value


def check_hostname(value: object) -> str:
    """Return ``value`` if the firmware takes it as a host name (RFC 1123 label)."""
    return _checked_text("hostname", value, _HOSTNAME, _HOSTNAME_RULE)


def check_posix_zone(value: object) -> str:
    """Return ``value`` if it can be a POSIX TZ rule (``CST-8``)."""
    return _checked_text("timezone", value, _POSIX_ZONE, _POSIX_ZONE_RULE)


def check_zone_name(value: object) -> str:
    """Return ``value`` if it can be an IANA time zone name (``Asia/Shanghai``)."""
    return _checked_text("zonename", value, _ZONE_NAME, _ZONE_NAME_RULE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A privileged v2 command: what it is called, what it takes, what it does.

    ``lost_reply_is_sent``: the miner often answers late or never (it restarts, or it
    stops hashing first), so a reply lost or cut short after the request left means
    "sent", not failure (PROTOCOL.md §2.5; §5, item 8).
    ``forgets_token``: the command restarts btminer, which forgets every token it
    handed out, so the client drops its cached one.
    """

    name: str  # the catalogue key
    cmd: str  # the name on the wire
    params: tuple[Param, ...] = ()
    fixed: Mapping[str, WireValue] = MappingProxyType({})
    lost_reply_is_sent: bool = False
    forgets_token: bool = False

    def build(self, **arguments: object) -> WireCommand:
        """Check ``arguments`` and return the plaintext command (before the token)."""
        expected = {param.name for param in self.params}
        if set(arguments) != expected:
            raise WhatsminerInvalidArgumentError(
                f"{self.name} takes exactly: {', '.join(sorted(expected)) or 'nothing'}"
            )
        wire: WireCommand = {"cmd": self.cmd, **self.fixed}
        for param in self.params:
            wire |= param.encode(arguments[param.name])
        return wire


_HOSTNAME_RULE: Final = "1 to 63 letters, digits or inner hyphens"

POWER_ON: Final = Command(name="power_on", cmd="power_on")
POWER_OFF: Final = Command(
    name="power_off",
    cmd="power_off",
    params=(FlagParam("respond_before", "respbefore", on="true", off="false"),),
    lost_reply_is_sent=True,
)
RESTART_BTMINER: Final = Command(
    name="restart_btminer", cmd="restart_btminer", lost_reply_is_sent=True, forgets_token=True
)
REBOOT: Final = Command(name="reboot", cmd="reboot", lost_reply_is_sent=True, forgets_token=True)
ENABLE_FAST_BOOT: Final = Command(name="enable_btminer_fast_boot", cmd="enable_btminer_fast_boot")
DISABLE_FAST_BOOT: Final = Command(
    name="disable_btminer_fast_boot", cmd="disable_btminer_fast_boot"
)
ADJUST_POWER_LIMIT: Final = Command(
    name="adjust_power_limit",
    cmd="adjust_power_limit",
    params=(IntParam("watts", "power_limit", 0, 99999),),
    lost_reply_is_sent=True,
    forgets_token=True,
)
ADJUST_UPFREQ_SPEED: Final = Command(
    name="adjust_upfreq_speed",
    cmd="adjust_upfreq_speed",
    params=(IntParam("speed", "upfreq_speed", 0, 9),),
)
SET_POWER_PCT: Final = Command(
    name="set_power_pct", cmd="set_power_pct", params=(IntParam("percent", "percent", 0, 100),)
)
SET_TARGET_FREQ: Final = Command(
    name="set_target_freq",
    cmd="set_target_freq",
    params=(IntParam("percent", "percent", -100, 100),),
    lost_reply_is_sent=True,
    forgets_token=True,
)
SET_TEMP_OFFSET: Final = Command(
    name="set_temp_offset",
    cmd="set_temp_offset",
    params=(IntParam("offset", "temp_offset", -30, 0),),
)
SET_LED_AUTO: Final = Command(
    name="set_led_auto", cmd="set_led", fixed=MappingProxyType({"param": "auto"})
)
SET_LED: Final = Command(
    name="set_led",
    cmd="set_led",
    params=(
        ChoiceParam("color", "color", ("red", "green")),
        IntParam("period", "period", 0, _LED_MS_MAX, as_text=False),
        IntParam("duration", "duration", 0, _LED_MS_MAX, as_text=False),
        IntParam("start", "start", 0, _LED_MS_MAX, as_text=False),
    ),
)
SET_LOW_POWER: Final = Command(
    name="set_low_power", cmd="set_low_power", lost_reply_is_sent=True, forgets_token=True
)
SET_NORMAL_POWER: Final = Command(
    name="set_normal_power", cmd="set_normal_power", lost_reply_is_sent=True, forgets_token=True
)
SET_HIGH_POWER: Final = Command(
    name="set_high_power", cmd="set_high_power", lost_reply_is_sent=True, forgets_token=True
)
UPDATE_POOLS: Final = Command(
    name="update_pools", cmd="update_pools", params=(PoolsParam("pools"),)
)
SET_HOSTNAME: Final = Command(
    name="set_hostname",
    cmd="set_hostname",
    params=(TextParam("hostname", "hostname", _HOSTNAME, _HOSTNAME_RULE),),
)
SET_ZONE: Final = Command(
    name="set_zone",
    cmd="set_zone",
    params=(
        TextParam("timezone", "timezone", _POSIX_ZONE, _POSIX_ZONE_RULE),
        TextParam("zonename", "zonename", _ZONE_NAME, _ZONE_NAME_RULE),
    ),
)
DOWNLOAD_LOGS: Final = Command(name="download_logs", cmd="download_logs")
SET_POWEROFF_COOL: Final = Command(
    name="set_poweroff_cool",
    cmd="set_poweroff_cool",
    params=(FlagParam("enabled", "poweroff_cool", on="1", off="0"),),
)
SET_FAN_ZERO_SPEED: Final = Command(
    name="set_fan_zero_speed",
    cmd="set_fan_zero_speed",
    params=(FlagParam("enabled", "fan_zero_speed", on="1", off="0"),),
)
PRE_POWER_ON: Final = Command(
    name="pre_power_on",
    cmd="pre_power_on",
    params=(
        FlagParam("complete", "complete", on="true", off="false"),
        ChoiceParam(
            "message", "msg", ("wait for adjust temp", "adjust complete", "adjust continue")
        ),
    ),
)
ENABLE_WEB_POOLS: Final = Command(name="enable_web_pools", cmd="enable_web_pools")
DISABLE_WEB_POOLS: Final = Command(name="disable_web_pools", cmd="disable_web_pools")
PRIVILEGED_COMMANDS: Final[Mapping[str, Command]] = MappingProxyType(
    {
        command.name: command
        for command in (
            POWER_ON,
            POWER_OFF,
            RESTART_BTMINER,
            REBOOT,
            ENABLE_FAST_BOOT,
            DISABLE_FAST_BOOT,
            ADJUST_POWER_LIMIT,
            ADJUST_UPFREQ_SPEED,
            SET_POWER_PCT,
            SET_TARGET_FREQ,
            SET_TEMP_OFFSET,
            SET_LED_AUTO,
            SET_LED,
            SET_LOW_POWER,
            SET_NORMAL_POWER,
            SET_HIGH_POWER,
            UPDATE_POOLS,
            SET_HOSTNAME,
            SET_ZONE,
            DOWNLOAD_LOGS,
            SET_POWEROFF_COOL,
            SET_FAN_ZERO_SPEED,
            PRE_POWER_ON,
            ENABLE_WEB_POOLS,
            DISABLE_WEB_POOLS,
        )
    }
)
"""Every privileged command, by catalogue name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadCommand:
    """A plaintext read command and the shape of its reply.

    ``sections`` names the rows of a cgminer-style reply (``SUMMARY``…); it is empty for
    BTMiner-style replies, whose data is the ``Msg`` object. Only cgminer-style reads
    can be joined with ``+`` (PROTOCOL.md §1.2).
    """

    name: str
    sections: tuple[str, ...] = ()
    extra: Mapping[str, WireValue] = MappingProxyType({})

    @property
    def joinable(self) -> bool:
        """Whether the firmware can answer this read joined with another one."""
        return bool(self.sections)

    def request(self) -> JsonObject:
        """Return the plaintext request."""
        return {"cmd": self.name, **self.extra}


READ_COMMANDS: Final[Mapping[str, ReadCommand]] = MappingProxyType(
    {
        read.name: read
        for read in (
            ReadCommand(name="summary", sections=("SUMMARY",)),
            ReadCommand(name="pools", sections=("POOLS",)),
            ReadCommand(name="devs", sections=("DEVS",)),
            ReadCommand(name="edevs", sections=("DEVS", "EDEVS")),
            ReadCommand(name="devdetails", sections=("DEVDETAILS",)),
            ReadCommand(name="get_psu"),
            ReadCommand(name="get_version"),
            ReadCommand(name="status"),
            ReadCommand(
                name="get_miner_info",
                extra=MappingProxyType(
                    {"info": "ip,proto,netmask,gateway,dns,hostname,mac,ledstat"}
                ),
            ),
            ReadCommand(name="get_error_code"),
        )
    }
)
"""Every v2 read command, by name."""

MAX_JOINED_READS: Final = 3
"""The most reads joined with ``+`` the client sends (PROTOCOL.md §1.2, §4.9).

The vendor document says "The API command can be used for two joins", which may mean two
reads or two ``+``; pyasic has sent three (``summary+devs+pools``) for years. The client
tries three and falls back to two, then to none, when a miner refuses the join."""


def read_command(name: str) -> ReadCommand:
    """Return the catalogue entry of a read command."""
    try:
        return READ_COMMANDS[name]
    except KeyError:
        raise WhatsminerInvalidArgumentError(f"{name!r} is not a v2 read command") from None
