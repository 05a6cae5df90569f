"""The short form of a pool's URL that the Active pool sensor shows.

A full URL ("stratum+tcp://btc.f2pool.com:3333") is long enough that a tile or an
entities row squeezes the sensor's name down to a letter. The scheme says nothing a
person needs there; host and port tell the pools apart.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def pool_address(url: str) -> str:
    """Return host and port of a pool URL, e.g. "btc.f2pool.com:3333".

    A URL without a scheme is read the same way; user information is dropped. Text
    that names no host is returned as it is (stripped).
    """
    url = url.strip()
    try:
        netloc = urlsplit(url if "://" in url else f"//{url}").netloc
    except ValueError:  # e.g. an unbalanced "[" of an IPv6 address
        return url
    address = netloc.rpartition("@")[2]
    return address or url
