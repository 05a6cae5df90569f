"""Constants shared by the Whatsminer integration modules."""

from datetime import timedelta
import logging
from typing import Final

DOMAIN: Final = "whatsminer"
LOGGER: Final = logging.getLogger(__package__)

MANUFACTURER: Final = "MicroBT"

# entry.data key holding the miner's last known identity, so that a miner that is
# switched off when Home Assistant starts still gets its device and entities.
CONF_IDENTITY: Final = "identity"

# Option of the mining switch: let a cold miner preheat (pre_power_on) before mining.
CONF_WARM_UP: Final = "warm_up"

DEFAULT_SCAN_INTERVAL: Final = 30
MIN_SCAN_INTERVAL: Final = 10
MAX_SCAN_INTERVAL: Final = 600

# Commands that restart btminer or the control board answer before the miner has
# settled; polling right away would only show the old state or a refused port.
RESTART_REFRESH_DELAY: Final = timedelta(seconds=10)
# After a command that restarts the miner, it drops or refuses connections for a while:
# btminer restarts in under a minute, a reboot takes about two. Within this window a poll
# that finds the miner away keeps the last data, and a command waits for the miner.
RESTART_WINDOW: Final = timedelta(minutes=3)
# How long a command waits for a restarting miner in all, and the pauses between its
# attempts (doubling from the first, capped at the longest).
RESTART_COMMAND_WAIT: Final = timedelta(seconds=60)
RESTART_RETRY_FIRST: Final = 0.5
RESTART_RETRY_LONGEST: Final = 8.0

# Every power limit change restarts mining, so slider drags and typing are collapsed
# into one write once the value has been left alone for this long.
POWER_LIMIT_DEBOUNCE: Final = timedelta(seconds=2)

# How long the Identify button flashes the red LED before handing it back to the miner.
IDENTIFY_DURATION: Final = timedelta(seconds=30)
IDENTIFY_LED_COLOR: Final = "red"
IDENTIFY_LED_PERIOD_MS: Final = 200
IDENTIFY_LED_DURATION_MS: Final = 100

# How long the mining switch waits for a miner to finish preheating before it starts
# mining anyway, and how often it asks how far the preheating got.
WARM_UP_TIME_LIMIT: Final = timedelta(minutes=5)
WARM_UP_POLL_INTERVAL: Final = timedelta(seconds=10)

# Whatever the firmware accepts (adjust_power_limit: "0".."99999"; 99999 removes the
# limit). No per-model rated power is documented, so the range is not narrowed.
POWER_LIMIT_MIN: Final = 0
POWER_LIMIT_MAX: Final = 99999

UNIT_HASHRATE: Final = "TH/s"  # Home Assistant has no hashrate unit
UNIT_EFFICIENCY: Final = "J/TH"

# Uptime is derived as "now - elapsed"; differences smaller than this are poll jitter,
# not a restart of btminer, and would otherwise change the state every poll.
UPTIME_TOLERANCE: Final = timedelta(minutes=1)


def led_changed_signal(entry_id: str) -> str:
    """Return the dispatcher signal sent when an action sets a miner's LED.

    A running identify flash ends on it, so the LED stays as the action set it.
    """
    return f"{DOMAIN}_led_changed_{entry_id}"


# Options of a miner behind a smart plug: the switch that powers it, and how long it may
# take from switched on to its API answering before it counts as unreachable.
CONF_POWER_SWITCH: Final = "power_switch"
CONF_BOOT_TIMEOUT: Final = "boot_timeout"
DEFAULT_BOOT_TIMEOUT: Final = 600  # s
MIN_BOOT_TIMEOUT: Final = 60
MAX_BOOT_TIMEOUT: Final = 3600
# While a switched-on miner boots, it is polled this often, so its data shows as soon as
# it answers rather than a whole scan interval later.
BOOT_POLL_INTERVAL: Final = timedelta(seconds=10)
# A power switch whose state is missing this long (after Home Assistant has started) is
# taken as gone: its integration reloading or loading late is not.
PLUG_MISSING_GRACE: Final = timedelta(minutes=5)
# The power_down action: how long it waits for the miner to report mining stopped (polled
# every BOOT_POLL_INTERVAL meanwhile), then how long it lets the stopped miner cool before
# its switch goes off. The firmware tells only whether power-off cooling is on
# (poweroff_cool), not when the miner is cool, so the cooling time is fixed.
POWER_DOWN_STOP_TIMEOUT: Final = timedelta(minutes=2)
POWER_DOWN_COOLING: Final = timedelta(minutes=2)
