"""The spool's group commit: concurrent appends (threads and the event loop) lose nothing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from socialroi.tracking import Spool, SpoolFull, SpoolUnavailable
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


def test_a_failed_write_answers_its_round_and_keeps_the_segment_and_backlog_right(
    tmp_path: Path,
) -> None:
    """The sync thread's write fails (ENOSPC from /dev/full): every request of that round gets
    SpoolUnavailable (503, never acknowledged), the bytes are not counted as backlog, and once
    storage is back the next round writes only what was appended after."""
    spool = Spool(tmp_path)
    spool.append([b"before"])
    nxt = tmp_path / f"{spool.active + 1:012d}.ndjson"
    nxt.symlink_to("/dev/full")
    spool.rotate()

    async def refused() -> list[BaseException | None]:
        return await asyncio.gather(
            *(spool.append_async([f"x{i}".encode()]) for i in range(20)), return_exceptions=True
        )

    assert all(isinstance(r, SpoolUnavailable) for r in asyncio.run(refused()))
    with pytest.raises(SpoolUnavailable):
        spool.append([b"y"])
    # only "before\n" (7 bytes) was acknowledged; nothing refused is backlog
    assert spool.pending_bytes == 7
    nxt.unlink()
    spool.rotate()
    spool.append([b"after"])
    spool.close()
    assert _all_lines(spool) == [b"before", b"after"]
    assert spool.pending_bytes == 7 + 6


def test_close_writes_what_is_buffered(tmp_path: Path) -> None:
    """SIGTERM: appends still waiting for their round are written and answered by close()."""
    spool = Spool(tmp_path)

    async def main() -> None:
        tasks = [asyncio.ensure_future(spool.append_async([f"c{i}".encode()])) for i in range(50)]
        await asyncio.sleep(0)  # every append is buffered, some not yet written
        closer = threading.Thread(target=spool.close)
        closer.start()
        await asyncio.gather(*tasks)
        closer.join()

    asyncio.run(main())
    assert sorted(_all_lines(spool)) == sorted(f"c{i}".encode() for i in range(50))
