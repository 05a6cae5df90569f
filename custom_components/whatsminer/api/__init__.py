"""Async client for the MicroBT Whatsminer API (v2 on TCP 4028, v3 on TCP 4433).

This package imports nothing from Home Assistant so it can be published on its own.
"""

from .client import WhatsminerClient
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
    Pool,
    PoolConfig,
    PowerMode,
    Psu,
)

__all__ = [
    "ApiGeneration",
    "Board",
    "CommandOutcome",
    "ErrorCode",
    "Identity",
    "MinerData",
    "Pool",
    "PoolConfig",
    "PowerMode",
    "Psu",
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
]
