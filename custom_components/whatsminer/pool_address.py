"""The short form of a pool's URL that the Active pool sensor shows.

A full URL ("stratum+tcp://btc.f2pool.com:3333") is long enough that a tile or an
entities row squeezes the sensor's name down to a letter. The scheme says nothing a
person needs there; host and port tell the pools apart.
"""

from __future__ import annotations

import re

_PATH_START = re.compile(r"[/?#]")


def pool_address(url: str) -> str:
    """Return host and port of a pool URL, e.g. "btc.f2pool.com:3333".

    Everything up to the last "@" goes first: user information (a worker and its
    password) may hold "/", "?" or "#", which would end a URL parser's host early and
    leave part of the password behind. Then the scheme and any path go. Text that names
    no host comes back as it is, less that user information.
    """
    after_user = url.strip().rpartition("@")[2]
    rest = after_user.partition("://")[2] if "://" in after_user else after_user
    return _PATH_START.split(rest, maxsplit=1)[0] or after_user
