"""Names and addresses derived from the miner: device name, stored identity, web UI link."""

from __future__ import annotations

import pytest

from custom_components.whatsminer.api import ApiGeneration, Identity
from custom_components.whatsminer.coordinator import web_ui_url
from custom_components.whatsminer.naming import miner_name, software_version
from custom_components.whatsminer.stored_identity import identity_as_data, identity_from_data

IDENTITY = Identity(
    mac="C4:08:28:00:8C:36",
    hostname="WhatsMiner",
    model="M50S+VH40",
    firmware="20230803.11.REL",
    api_version="2.0.5",
    api_generation=ApiGeneration.V2,
    serial="SN1",
)


@pytest.mark.parametrize(
    ("hostname", "model", "name"),
    [
        ("WhatsMiner", "M50S+VH40", "M50S+ (VH40) 8C36"),
        ("whatsminer", "M50S+VH40", "M50S+ (VH40) 8C36"),
        (None, "M50S+VH40", "M50S+ (VH40) 8C36"),
        (None, "M60S", "M60S 8C36"),  # not model and board version: as the firmware says
        ("", None, "Whatsminer 8C36"),
        ("rig-07", "M50S+VH40", "rig-07"),
    ],
)
def test_miner_name(hostname: str | None, model: str | None, name: str) -> None:
    """The factory host name (or none) gives way to model and MAC suffix; own names stay."""
    identity = Identity(
        **{
            **identity_as_data(IDENTITY),
            "hostname": hostname,
            "model": model,
            "api_generation": ApiGeneration.V2,
        }
    )
    assert miner_name(identity) == name


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("192.168.1.20", "http://192.168.1.20/"),
        ("miner.lan", "http://miner.lan/"),
        ("::1", "http://[::1]/"),
        ("fe80::1:2", "http://[fe80::1:2]/"),
    ],
)
def test_web_ui_url(host: str, url: str) -> None:
    """The device's configuration URL is valid for IPv6 addresses too."""
    assert web_ui_url(host) == url


def test_stored_identity_round_trip() -> None:
    """What is stored reads back as the same identity."""
    assert identity_from_data(identity_as_data(IDENTITY)) == IDENTITY


def test_stored_identity_tolerates_missing_and_unknown_values() -> None:
    """Data stored by another version still loads; only the MAC is needed."""
    identity = identity_from_data({"mac": IDENTITY.mac, "api_generation": 99})
    assert identity is not None
    assert identity.mac == IDENTITY.mac
    assert identity.model is None
    assert identity.api_generation is ApiGeneration.V2


@pytest.mark.parametrize("data", [None, {}, {"model": "M50"}])
def test_no_stored_identity(data: dict[str, object] | None) -> None:
    """Without a MAC there is no identity to start from: setup reads it from the miner."""
    assert identity_from_data(data) is None


@pytest.mark.parametrize(
    ("firmware", "api_version", "shown"),
    [
        ("20240924.14.Rel", "2.0.5", "20240924.14.Rel (API 2.0.5)"),
        ("20240924.14.Rel", None, "20240924.14.Rel"),
        (None, "2.0.5", None),
    ],
)
def test_software_version(firmware: str | None, api_version: str | None, shown: str | None) -> None:
    """The device page's firmware line also says which API the miner speaks."""
    identity = Identity(
        **{
            **identity_as_data(IDENTITY),
            "firmware": firmware,
            "api_version": api_version,
            "api_generation": ApiGeneration.V2,
        }
    )
    assert software_version(identity) == shown
