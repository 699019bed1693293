"""SlotTable reads live items' rows and sizes by slot, however long the window runs."""

from __future__ import annotations

import numpy as np

from alerts.stories.slots import SlotTable


def test_live_slots_keep_their_rows_and_sizes_while_slots_grow_past_the_ring() -> None:
    table = SlotTable(capacity=4)
    # A sliding window of three items over 40 slots, and slot 0 held throughout.
    table.add(0, 7, 300)
    for slot in range(1, 40):
        table.add(slot, -1 if slot % 5 == 0 else slot + 100, slot)
        if slot > 3:
            table.remove(slot - 3)
    slots = np.array([0, 35, 36, 37, 38, 39], dtype=np.int64)
    assert table.live(slots).tolist() == [True, False, False, True, True, True]
    held = np.array([0, 37, 38, 39], dtype=np.int64)
    assert table.rows(held).tolist() == [7, 137, 138, 139]
    assert table.sizes(held).tolist() == [300, 37, 38, 39]
    # A text too short to be signed is live without a row.
    table.add(40, -1, 12)
    assert table.rows(np.array([40], dtype=np.int64)).tolist() == [-1]


def test_the_item_held_longest_is_never_overwritten_by_a_newer_slot() -> None:
    table = SlotTable(capacity=2)
    table.add(0, 5, 50)
    for slot in range(1, 20):
        table.add(slot, slot, slot)
        if slot > 1:
            table.remove(slot - 1)
    slots = np.array([0, 18, 19], dtype=np.int64)
    assert table.live(slots).tolist() == [True, False, True]
    assert table.rows(slots[[0, 2]]).tolist() == [5, 19]
    assert table.sizes(slots[[0, 2]]).tolist() == [50, 19]
    table.remove(0)
    assert not table.live(np.array([0, 64], dtype=np.int64)).any()
