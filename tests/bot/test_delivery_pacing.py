"""The pacer's arithmetic on a hand-driven clock: windows, holds, the global spacing."""

from __future__ import annotations

import pytest

from bot.pacing import Pacer, Pacing


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_private_chat_gets_one_message_per_window_plus_margin(clock) -> None:
    pacer = Pacer(Pacing(margin=0.25), clock)
    assert pacer.ready_at(7) <= clock.now
    pacer.record(7)
    assert pacer.ready_at(7) == 1001.25
    assert pacer.ready_at(8) <= clock.now  # other chats are not affected


def test_a_group_may_take_a_burst_then_waits_for_its_window(clock) -> None:
    pacer = Pacer(Pacing(group_messages=20, group_window=60.0, margin=0.25), clock)
    for _ in range(19):
        pacer.record(-5)
        clock.now += 0.1
    assert pacer.ready_at(-5) <= clock.now
    pacer.record(-5)
    # The 21st may go once the first of the 20 is out of the window.
    assert pacer.ready_at(-5) == pytest.approx(1060.25)
    clock.now = 1060.3
    assert pacer.ready_at(-5) <= clock.now


def test_holds_delay_one_chat_or_all_of_them(clock) -> None:
    pacer = Pacer(Pacing(), clock)
    pacer.hold(7, 5)
    assert (pacer.ready_at(7), pacer.ready_at(8) <= clock.now) == (1005.0, True)
    pacer.hold_all(3)
    assert (pacer.ready_at(7), pacer.ready_at(8)) == (1005.0, 1003.0)
    clock.now = 1006
    pacer.forget_idle()
    assert pacer.ready_at(7) <= clock.now


async def test_slots_are_evenly_spaced_and_a_far_one_is_not_waited_for(clock) -> None:
    pacer = Pacer(Pacing(global_rate=20.0), clock)  # a slot every 0.05 s

    async def slot_at(now: float) -> bool:
        clock.now = now
        return await pacer.take_slot(max_wait=0.0)

    assert await slot_at(1000.0)
    assert not await slot_at(1000.04)
    assert await slot_at(1000.05)
    assert await slot_at(1000.11)  # a little late: the schedule stands...
    assert not await slot_at(1000.14)
    assert await slot_at(1000.15)  # ...so the next slot is not pushed back
    assert await slot_at(1005.0)  # after idle time, afresh from now: no burst
    assert not await slot_at(1005.04)
    pacer.hold_all(10)
    assert not await pacer.take_slot(max_wait=1.0)
    assert await slot_at(1015.1)


async def test_unlimited_pacing_never_waits(clock) -> None:
    pacer = Pacer(Pacing.unlimited(), clock)
    for _ in range(100):
        assert await pacer.take_slot(max_wait=0.0)
        pacer.record(-5)
        pacer.record(7)
    assert pacer.ready_at(-5) <= clock.now
    assert pacer.ready_at(7) <= clock.now
