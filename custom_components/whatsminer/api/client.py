"""WhatsminerClient: what every protocol client offers, whichever API the miner speaks.

The integration talks to a miner only through this interface; :func:`connect` picks the
implementation (:class:`V2Client` or :class:`V3Client`) that the miner answers to. Both
return the same models and raise the same errors, so nothing above the ``api`` package
needs to know the API generation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .models import CommandOutcome, Identity, MinerData, MinerLog, PoolConfig, PowerMode


class WhatsminerClient(Protocol):
    """One miner's reads and writes, over whichever API it speaks."""

    @property
    def host(self) -> str:
        """The miner's address."""

    @property
    def connections_opened(self) -> int:
        """TCP connections opened so far (for benchmarks and tests)."""

    async def __aenter__(self) -> Self:
        """Use the client in ``async with``; it closes on the way out."""

    async def __aexit__(self, *exc_info: object) -> None:
        """Close the client."""

    async def close(self) -> None:
        """Forget cached credentials and close any connection kept open."""

    async def identity(self) -> Identity:
        """Read the miner's static facts; its MAC tells miners apart."""

    async def fetch(self) -> MinerData:
        """Poll the miner once."""

    async def download_log(self, keep: int) -> MinerLog:
        """Download the miner's log; keep only its last ``keep`` bytes."""

    async def verify_password(self) -> None:
        """Prove the password with a harmless write; raise the auth or write-off error."""

    async def power_on(self) -> CommandOutcome:
        """Start mining."""

    async def warm_up(self, *, time_limit: float, poll_every: float) -> bool:
        """Preheat a stopped miner before ``power_on``; return whether it finished in time."""

    async def power_off(self) -> CommandOutcome:
        """Stop mining; the control board stays up."""

    async def restart_mining(self) -> CommandOutcome:
        """Restart the mining process."""

    async def reboot(self) -> CommandOutcome:
        """Reboot the control board."""

    async def set_fast_boot(self, enabled: bool) -> CommandOutcome:
        """Switch fast boot (effective at the next start of the mining process)."""

    async def set_power_limit(self, watts: int) -> CommandOutcome:
        """Limit the power draw; the mining process restarts."""

    async def set_upfreq_speed(self, speed: int) -> CommandOutcome:
        """Set the ramp-up speed."""

    async def set_power_mode(self, mode: PowerMode) -> CommandOutcome:
        """Select a power mode preset; the mining process restarts."""

    async def set_temp_offset(self, offset: int) -> CommandOutcome:
        """Offset the target temperature by -30..0 °C."""

    async def set_power_percent(self, percent: int) -> CommandOutcome:
        """Run at 0..100 % of the power, without restarting mining."""

    async def set_poweroff_cool(self, enabled: bool) -> CommandOutcome:
        """Keep the fans cooling while mining is stopped."""

    async def set_fan_zero_speed(self, enabled: bool) -> CommandOutcome:
        """Allow the fans' lowest speed to be zero."""

    async def set_led_auto(self) -> CommandOutcome:
        """Give the LEDs back to the firmware."""

    async def set_led(
        self, *, color: str, period: int, duration: int, start: int
    ) -> CommandOutcome:
        """Flash the red or green LED."""

    async def update_pools(self, pools: Sequence[PoolConfig]) -> CommandOutcome:
        """Replace the pools with 1 to 3 new ones."""

    async def set_web_pools(self, enabled: bool) -> CommandOutcome:
        """Allow or forbid editing the pools in the miner's web interface."""

    async def set_target_freq(self, percent: int) -> CommandOutcome:
        """Shift the target frequency by -100..100 %; the mining process restarts."""

    async def set_hostname(self, hostname: str) -> CommandOutcome:
        """Rename the miner on the network; effective after the network restarts."""

    async def set_time_zone(self, posix: str, zone_name: str) -> CommandOutcome:
        """Set the time zone (POSIX rule and IANA name); effective after a network restart."""
