"""Async client for the MicroBT Whatsminer API (v2 on TCP 4028, v3 on TCP 4433).

This package imports nothing from Home Assistant so it can be published on its own.
"""

from .arguments import check_hostname, check_zone_name
from .client import WhatsminerClient
from .common import BlockingRunner
from .connect import connect, new_client
from .errors import (
    WhatsminerAuthError,
    WhatsminerCommandRejectedError,
    WhatsminerConnectionError,
    WhatsminerError,
    WhatsminerInvalidArgumentError,
    WhatsminerInvalidReplyError,
    WhatsminerReplyTooLargeError,
    WhatsminerTimeoutError,
    WhatsminerTokenLimitError,
    WhatsminerWriteDisabledError,
)
from .models import (
    ApiGeneration,
    Board,
    CommandOutcome,
    ErrorCode,
    Identity,
    MinerData,
    MinerLog,
    Pool,
    PoolConfig,
    PowerMode,
    Psu,
)
from .v2.client import V2Client
from .v3.client import V3Client

__all__ = [
    "ApiGeneration",
    "BlockingRunner",
    "Board",
    "CommandOutcome",
    "ErrorCode",
    "Identity",
    "MinerData",
    "MinerLog",
    "Pool",
    "PoolConfig",
    "PowerMode",
    "Psu",
    "V2Client",
    "V3Client",
    "WhatsminerAuthError",
    "WhatsminerClient",
    "WhatsminerCommandRejectedError",
    "WhatsminerConnectionError",
    "WhatsminerError",
    "WhatsminerInvalidArgumentError",
    "WhatsminerInvalidReplyError",
    "WhatsminerReplyTooLargeError",
    "WhatsminerTimeoutError",
    "WhatsminerTokenLimitError",
    "WhatsminerWriteDisabledError",
    "check_hostname",
    "check_zone_name",
    "connect",
    "new_client",
]
