"""ofm.memory.paused_gc: collection off inside, back as it was after, nested and across threads."""

from __future__ import annotations

import gc
import threading

import pytest

from ofm.memory import paused_gc


def test_collection_is_off_inside_and_back_after_even_on_an_error():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer block still runs
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_off_before_stays_off_after():
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_two_threads_overlapping_resume_collection_only_when_both_are_done():
    entered, leave_first = threading.Event(), threading.Event()

    def first():
        with paused_gc():
            entered.set()
            leave_first.wait(5)

    worker = threading.Thread(target=first)
    worker.start()
    entered.wait(5)
    with paused_gc():
        leave_first.set()
        worker.join(5)
        assert not gc.isenabled()  # the first ended; this one still runs
    assert gc.isenabled()
