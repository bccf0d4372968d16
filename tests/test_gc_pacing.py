"""Full garbage collections paced to quiet moments (kiosk/gc_pacing.py), on
the real gc: what runs when, what is frozen, what is freed."""
import gc
import weakref

import pytest

from kiosk.gc_pacing import DUE, SAFETY, CollectionPacer


class Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture
def pacer():
    before = gc.get_threshold()
    pacer = CollectionPacer(quiet=1.0, thaw_every=3)
    pacer.start()
    yield pacer
    pacer.stop()
    assert gc.get_threshold() == before


@pytest.fixture
def full_collections():
    seen = []

    def watch(phase, info):
        if phase == "stop" and info["generation"] == 2:
            seen.append(info)
    gc.callbacks.append(watch)
    yield seen
    gc.callbacks.remove(watch)


def make_due():
    """As many young-generation collections as CPython counts before a full one."""
    for _ in range(DUE):
        gc.collect(1)


def test_starting_makes_the_automatic_full_collection_ten_times_rarer(pacer):
    young, middle, full = gc.get_threshold()
    assert full == SAFETY == 10 * 10
    pacer.stop()
    assert gc.get_threshold()[2] == 10  # CPython's own back
    assert gc.get_freeze_count() == 0


def test_nothing_is_collected_while_the_screen_is_being_touched(pacer, full_collections):
    make_due()
    assert not pacer.tick(untouched=0.4)
    assert full_collections == [] and pacer.collections == 0


def test_a_quiet_moment_runs_the_due_collection_and_freezes_the_survivors(pacer, full_collections):
    gc.unfreeze()
    make_due()
    assert pacer.tick(untouched=1.5)
    assert len(full_collections) == 1
    assert gc.get_freeze_count() > 0
    assert gc.get_count()[2] == 0
    # not due again: a second quiet tick does nothing
    assert not pacer.tick(untouched=3.0)
    assert len(full_collections) == 1


def test_frozen_garbage_is_freed_when_the_attract_loop_starts_once(pacer, full_collections):
    node = Node()
    alive = weakref.ref(node)
    make_due()
    pacer.tick(untouched=2.0)  # frozen with the survivors
    del node
    make_due()
    pacer.tick(untouched=2.0)  # a quiet collection leaves frozen garbage alone
    assert alive() is not None
    assert pacer.tick(untouched=200.0, nobody_there=True)
    assert alive() is None
    assert pacer.thaws == 1
    # the attract loop goes on: no second thaw (the idle kiosk stays idle)
    assert not pacer.tick(untouched=200.5, nobody_there=True)
    assert pacer.thaws == 1
    # someone came and went: the next attract loop thaws again
    pacer.tick(untouched=0.0)
    assert pacer.tick(untouched=200.0, nobody_there=True)
    assert pacer.thaws == 2


def test_every_few_quiet_collections_thaw_so_a_busy_lobby_frees_frozen_garbage(pacer):
    node = Node()
    alive = weakref.ref(node)
    make_due()
    pacer.tick(untouched=2.0)  # 1st: frozen
    del node
    for _ in range(2):  # 2nd plain, 3rd thaws (thaw_every=3)
        make_due()
        pacer.tick(untouched=2.0)
    assert alive() is None
    assert pacer.thaws == 1 and pacer.collections == 3


def test_a_pacer_not_started_never_collects(full_collections):
    idle = CollectionPacer()
    make_due()
    assert not idle.tick(untouched=60.0, nobody_there=True)
    assert full_collections == []
