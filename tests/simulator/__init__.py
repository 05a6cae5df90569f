"""A stateful Whatsminer simulator: API v2 on 4028, API v3 on 4433, one loopback address each.

It is an independent implementation of PROTOCOL.md (it never imports the integration's
client), used by the tests, by `scripts/develop` and by benchmarks. See the simulator contract
in docs/architecture.md; run `python -m tests.simulator --help` for the command line.
"""

from .farm import MinerFarm
from .faults import Faults
from .miner import SimulatedMiner
from .profiles import KNOWN_QUIRKS, PROFILES, Profile
from .state import MinerState, Network, RestartKind

__all__ = [
    "KNOWN_QUIRKS",
    "PROFILES",
    "Faults",
    "MinerFarm",
    "MinerState",
    "Network",
    "Profile",
    "RestartKind",
    "SimulatedMiner",
]
