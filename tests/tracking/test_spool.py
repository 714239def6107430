"""The spool's group commit: concurrent appends (threads and the event loop) lose nothing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from socialroi.tracking import Spool, SpoolFull
from socialroi.tracking.spool import iter_segment_lines


def _all_lines(spool: Spool) -> list[bytes]:
    return [
        line
        for s in spool.segments()
        for line in iter_segment_lines(spool.directory / f"{s:012d}.ndjson")
    ]


def test_concurrent_appends_share_fsyncs_and_lose_nothing(tmp_path: Path) -> None:
    spool = Spool(tmp_path, segment_bytes=2_000)

    def writer(t: int) -> None:
        for i in range(100):
            spool.append([f"t{t}-{i}".encode()])

    async def async_writers() -> None:
        await asyncio.gather(*(spool.append_async([f"a-{i}".encode()]) for i in range(400)))

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    asyncio.run(async_writers())
    for th in threads:
        th.join()
    spool.close()
    lines = _all_lines(spool)
    # 8 threads × 100 + 400 async appends, each exactly once, across rotated segments
    assert len(lines) == 1200 and len(set(lines)) == 1200
    assert len(spool.segments()) > 1
    assert spool.pending_bytes == sum(len(line) + 1 for line in lines)


def test_backlog_cap(tmp_path: Path) -> None:
    spool = Spool(tmp_path, max_pending_bytes=100)
    spool.append([b"x" * 50])
    with pytest.raises(SpoolFull):
        spool.append([b"y" * 60])
    spool.loaded(51)  # the writer committed the first line
    spool.append([b"y" * 60])
    spool.close()
