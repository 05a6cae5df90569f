"""The Status sensor's derivation (miner_status.py), without Home Assistant or a miner."""

from __future__ import annotations

from dataclasses import fields, replace

from hypothesis import given, strategies as st
import pytest

from custom_components.whatsminer.api import ErrorCode, MinerData
from custom_components.whatsminer.miner_status import MinerStatus, hashing, miner_status

NOTHING = MinerData(
    **{field.name: None for field in fields(MinerData)} | {"boards": (), "pools": ()}
)
MINING = replace(NOTHING, mining=True, hashrate=100.0, upfreq_complete=True, errors=())
FAULT = (ErrorCode(code="2010", time=None),)

polls = st.builds(
    lambda mining, hashrate, upfreq, errors: replace(
        NOTHING, mining=mining, hashrate=hashrate, upfreq_complete=upfreq, errors=errors
    ),
    st.sampled_from([True, False, None]),
    st.sampled_from([None, 0.0, 0.05, 120.0]),
    st.sampled_from([True, False, None]),
    st.sampled_from([None, (), FAULT]),
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (replace(MINING, mining=False, hashrate=0.0), MinerStatus.STOPPED),
        (replace(MINING, mining=None, hashrate=None), MinerStatus.STOPPED),
        (replace(MINING, hashrate=0.0), MinerStatus.STARTING),
        (replace(MINING, upfreq_complete=False), MinerStatus.RAMPING),
        (replace(MINING, upfreq_complete=None), MinerStatus.MINING),  # firmware without the flag
        (replace(MINING, mining=None), MinerStatus.MINING),  # mining unknown: the hashrate tells
        (MINING, MinerStatus.MINING),
        (replace(MINING, errors=FAULT), MinerStatus.ERROR),
        (replace(MINING, mining=False, hashrate=0.0, errors=FAULT), MinerStatus.ERROR),
        (replace(MINING, errors=None), MinerStatus.MINING),  # errors unknown: no fault known
    ],
)
def test_an_answering_miner(data: MinerData, expected: MinerStatus) -> None:
    assert miner_status(data, poll_failed=False, restart_window=False) is expected


def test_an_outage_and_our_restart() -> None:
    assert miner_status(None, poll_failed=True, restart_window=False) is MinerStatus.UNREACHABLE
    assert miner_status(MINING, poll_failed=True, restart_window=False) is MinerStatus.UNREACHABLE
    assert miner_status(MINING, poll_failed=True, restart_window=True) is MinerStatus.RESTARTING
    assert miner_status(None, poll_failed=False, restart_window=True) is MinerStatus.RESTARTING
    booting = replace(MINING, hashrate=0.0)
    assert miner_status(booting, poll_failed=False, restart_window=True) is MinerStatus.RESTARTING
    # Hashing again inside the window: the restart is over as far as anyone can see.
    ramping = replace(MINING, upfreq_complete=False)
    assert miner_status(ramping, poll_failed=False, restart_window=True) is MinerStatus.RAMPING


def test_the_power_switch_inputs_for_the_plug_option() -> None:
    """Off with the switch off; booting while it is on, the API silent, within the timeout."""
    for data in (None, MINING):
        off = miner_status(data, poll_failed=False, restart_window=True, powered=False)
        assert off is MinerStatus.OFF
    silent = {"poll_failed": True, "restart_window": False, "powered": True}
    assert miner_status(None, **silent, within_boot_timeout=True) is MinerStatus.BOOTING
    assert miner_status(None, **silent, within_boot_timeout=False) is MinerStatus.UNREACHABLE
    assert miner_status(MINING, poll_failed=False, restart_window=False, powered=True) is (
        MinerStatus.MINING
    )


@given(
    data=st.one_of(st.none(), polls),
    poll_failed=st.booleans(),
    restart_window=st.booleans(),
)
def test_without_a_power_switch_off_and_booting_never_show(
    data: MinerData | None, poll_failed: bool, restart_window: bool
) -> None:
    status = miner_status(data, poll_failed=poll_failed, restart_window=restart_window)
    assert status not in {MinerStatus.OFF, MinerStatus.BOOTING}
    if data is None or poll_failed:
        assert status in {MinerStatus.UNREACHABLE, MinerStatus.RESTARTING}


@given(data=polls)
def test_an_answer_outside_a_restart_agrees_with_the_other_entities(data: MinerData) -> None:
    """Error iff the problem sensor is on; ramping or mining iff hashing (or mining unknown)."""
    status = miner_status(data, poll_failed=False, restart_window=False)
    assert (status is MinerStatus.ERROR) == bool(data.errors)
    if status is MinerStatus.ERROR:
        return
    hashes = (data.hashrate or 0) > 0
    assert (status in {MinerStatus.RAMPING, MinerStatus.MINING}) == (
        hashes and data.mining is not False
    )
    assert (status is MinerStatus.RAMPING) == (
        status is not MinerStatus.STOPPED and hashes and data.upfreq_complete is False
    )
    assert (status is MinerStatus.STARTING) == (data.mining is True and not hashes)
    if hashing(data):
        assert status in {MinerStatus.RAMPING, MinerStatus.MINING}
