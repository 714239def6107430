"""The GA4 import reads the next block in a thread: order, errors and early stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from socialroi.ingest._load import _read_ahead


def test_items_arrive_in_order_and_the_thread_ends() -> None:
    assert list(_read_ahead(iter(range(100)))) == list(range(100))
    assert not [t for t in threading.enumerate() if t.name == "socialroi-read-ahead"]


def test_an_error_of_the_reader_is_raised_in_the_consumer() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise ValueError("line 2 is not JSON")

    got = []
    with pytest.raises(ValueError, match="line 2"):
        for x in _read_ahead(broken()):
            got.append(x)
    assert got == [1]


def test_a_consumer_that_stops_closes_the_reader() -> None:
    closed = threading.Event()

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    gen = _read_ahead(endless())
    assert next(gen) == 0
    gen.close()  # what a rejected batch does to the loop over the blocks
    assert closed.wait(5)
