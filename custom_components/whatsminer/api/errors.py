"""One exception tree for everything the Whatsminer client can fail with.

Callers catch ``WhatsminerError`` for "anything went wrong" and the subclasses to react
precisely: a wrong password asks the user to re-authenticate, a disabled write API asks
them to flip the switch in WhatsMinerTool, a connection error just waits for the next poll.
"""


class WhatsminerError(Exception):
    """Base class of every error raised by the client."""


class WhatsminerConnectionError(WhatsminerError):
    """The miner could not be reached, or it closed or reset the connection.

    ``request_sent`` tells whether the request had fully left before the failure. A
    command that restarts the miner often loses its reply; when the request was sent the
    client reports it as ``CommandOutcome.SENT`` instead of failing.
    """

    def __init__(self, message: str, *, request_sent: bool = False) -> None:
        """Keep whether the miner may already have received the request."""
        super().__init__(message)
        self.request_sent = request_sent


class WhatsminerTimeoutError(WhatsminerConnectionError):
    """The miner did not connect or answer within the configured timeout."""


class WhatsminerInvalidReplyError(WhatsminerError):
    """The miner's reply could not be read: not JSON even after repairs, wrong shape, too large."""


class WhatsminerReplyTooLargeError(WhatsminerInvalidReplyError):
    """The reply grew beyond the size cap; no Whatsminer reply is that large."""


class WhatsminerAuthError(WhatsminerError):
    """The miner rejected the password (``enc json load err`` on v2, a bad token on v3)."""


class WhatsminerWriteDisabledError(WhatsminerError):
    """The miner's write API is switched off (``can't access write cmd``)."""


class WhatsminerTokenLimitError(WhatsminerError):
    """The miner has handed out all tokens it allows per client (v2 code 136)."""


class WhatsminerCommandRejectedError(WhatsminerError):
    """The miner understood the command and refused it (an error STATUS or code).

    ``encrypted`` tells that the refusal came encrypted with the key derived from the
    password (API v2): only a miner that holds the same password can send that, so
    whatever it refused, the password is right.
    """

    def __init__(self, message: str, *, code: int | None = None, encrypted: bool = False) -> None:
        """Keep the miner's numeric code, and whether it refused in an encrypted reply."""
        super().__init__(message)
        self.code = code
        self.encrypted = encrypted


class WhatsminerInvalidArgumentError(WhatsminerError, ValueError):
    """An argument is outside what the command accepts; nothing was sent."""
