"""Firmware profiles: what kind of Whatsminer a simulated miner pretends to be.

A profile fixes the facts a miner cannot change at run time: its model, firmware and API
versions, how many hashboards it has, its nominal hashrate and power, and which reply shapes
and firmware quirks its API produces (PROTOCOL.md §1.4, §3, §4.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

type Generation = Literal["old_v2", "v2", "v3"]

# Names of the v2 reply quirks a miner can produce (PROTOCOL.md §1.4 and §5 item 6).
QUIRK_TRAILING_NUL = "nul"  # a "\x00" after every plaintext v2 reply
QUIRK_TRAILING_COMMA = "trailing_comma"  # a ",}" at the end of every plaintext v2 reply
QUIRK_QUOTED_FIRMWARE = "quoted_firmware"  # summary "Firmware Version": "'2023…'"
QUIRK_BRACKET_ERROR_CODE = "bracket_error_code"  # API 2.0.4: "error_code":["329":"…"]
OLD_FIRMWARE_QUIRKS = frozenset(
    {QUIRK_TRAILING_NUL, QUIRK_TRAILING_COMMA, QUIRK_QUOTED_FIRMWARE, QUIRK_BRACKET_ERROR_CODE}
)
# Firmware that takes only writes in the encrypted envelope: a read sent encrypted gets an
# encrypted Code 14 "invalid cmd", so a password check by encrypted `status` must accept
# that refusal (it decrypts with the password's key). Plaintext reads still work.
QUIRK_NO_ENCRYPTED_READS = "no_encrypted_reads"
# Firmware that reads the vendor's "two joins" strictly: a join of more than two reads is
# refused as a whole with 14 "invalid cmd" (pyasic sends three).
QUIRK_TWO_JOINS = "two_joins"
KNOWN_QUIRKS = OLD_FIRMWARE_QUIRKS | {QUIRK_NO_ENCRYPTED_READS, QUIRK_TWO_JOINS}


@dataclass(frozen=True, slots=True)
class Profile:
    """The fixed identity of a simulated miner model and firmware.

    `generation` picks the reply shapes: `old_v2` is 2023-era firmware (long cgminer STATUS,
    MAC and error codes in `summary`, status without `power_limit_set`), `v2` is API 2.0.5,
    `v3` is 2025 firmware that speaks API v3 on 4433 and a reduced v2 on 4028.

    `boot_s` and `ramp_s` time a start (tests/simulator/dynamics.py explains them, and the
    power budget's bench uses the same two): mining on, nothing hashed for `boot_s`, then
    the hashrate rises to its target until `ramp_s`, with the up-freq flag 0 until then.
    Guesses, like every time constant there: no public source gives them.
    """

    name: str
    generation: Generation
    model: str
    firmware: str
    api_version: str
    platform: str
    control_board: str
    chip_data: str
    boards: int
    chips_per_board: int
    hashrate_ths: float
    power_w: int
    frequency_mhz: int
    psu_model: str
    boot_s: float
    ramp_s: float
    quirks: frozenset[str] = frozenset()
    v3_api_version: str | None = None

    @property
    def has_v3(self) -> bool:
        """Whether this firmware also serves API v3 on port 4433."""
        return self.generation == "v3"


PROFILES: dict[str, Profile] = {
    profile.name: profile
    for profile in (
        Profile(
            name="m30_old",
            generation="old_v2",
            model="M30S+VE40",
            firmware="20230208.18.Rel",
            api_version="2.0.4",
            platform="H6OS",
            control_board="CB4V10",
            chip_data="K88Z347-2039 BINV01-195001D",
            boards=3,
            chips_per_board=156,
            hashrate_ths=100.0,
            power_w=3400,
            frequency_mhz=587,
            psu_model="P221B",
            boot_s=75.0,
            ramp_s=300.0,
            quirks=OLD_FIRMWARE_QUIRKS,
        ),
        Profile(
            name="m50",
            generation="v2",
            model="M50_VH50",
            firmware="20240924.14.Rel",
            api_version="2.0.5",
            platform="H616",
            control_board="CB6V10",
            chip_data="H3LA03-23112004 BINVE2-195001C",
            boards=3,
            chips_per_board=105,
            hashrate_ths=118.0,
            power_w=3306,
            frequency_mhz=625,
            psu_model="P221B",
            boot_s=60.0,
            ramp_s=240.0,
        ),
        Profile(
            name="m60_v3",
            generation="v3",
            model="M60S_VK40",
            firmware="20251209.16.Rel2",
            api_version="2.0.5",
            platform="H616",
            control_board="CB6V10",
            chip_data="K8EC374-2426 BINVE6-197806A",
            boards=4,
            chips_per_board=75,
            hashrate_ths=186.0,
            power_w=3422,
            frequency_mhz=625,
            psu_model="P222B",
            boot_s=45.0,
            ramp_s=180.0,
            v3_api_version="3.0.2",
        ),
    )
}
