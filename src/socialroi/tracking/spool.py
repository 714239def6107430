"""The durable spool: what the collector acknowledges is already on disk.

Every accepted item (web event, click, bot hit, rejected input) is one NDJSON line appended to
the active segment ``<spool>/<seq:012d>.ndjson`` and fsynced before the HTTP response goes out.
Concurrent requests share fsyncs (group commit): an append only adds its bytes to a buffer; the
spool's sync thread takes the whole buffer, writes it with one ``write`` and one ``fsync``, and
then releases every request the round covered together (a request that arrived during the round
waits for the next one). The cost of one fsync is spread over every request that arrived while
the previous one ran, and the event loop makes no system call for the spool.

The writer thread (:mod:`socialroi.tracking.writer`) reads complete lines up to the synced
position, loads them into DuckDB and records ``(segment, offset)`` in the same transaction, so a
restart after ``kill -9`` resumes exactly where the last commit ended. Segments are deleted only
after a DuckDB ``CHECKPOINT`` made their rows part of the database file, so an unreplayable WAL
can be quarantined and the rows since the last checkpoint rebuilt from the spool.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from socialroi.errors import SocialRoiError

__all__ = ["Spool", "SpoolFull", "SpoolUnavailable", "segment_path"]

log = logging.getLogger("socialroi.tracking")

_SEGMENT = re.compile(r"^(\d{12})\.ndjson$")


class SpoolUnavailable(SocialRoiError):
    """Raised when the spool cannot be written or synced: nothing was acknowledged (HTTP 503)."""


class SpoolFull(SocialRoiError):
    """Raised when the backlog not yet loaded into DuckDB exceeds the cap (HTTP 429)."""


def segment_path(directory: Path, seq: int) -> Path:
    return directory / f"{seq:012d}.ndjson"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines read from one segment: ``lines`` start at ``start`` and end at ``end``."""

    segment: int
    start: int
    end: int
    lines: list[bytes]


class Spool:
    """Append-only, fsynced NDJSON segments in ``directory``.

    Parameters
    ----------
    directory
        Created if missing. Holds nothing but segments and the daily salt files.
    max_pending_bytes
        Backlog (bytes appended but not yet loaded) above which :meth:`append` raises
        :class:`SpoolFull`; bounds disk use and replay time when DuckDB falls behind.
    segment_bytes
        The active segment is closed and a new one opened when it grows past this size.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        max_pending_bytes: int = 256 * 2**20,
        segment_bytes: int = 16 * 2**20,
    ) -> None:
        self.directory = Path(directory)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SpoolUnavailable(
                f"cannot create the spool directory {self.directory}: {exc}",
                hint="point --spool at a writable directory",
            ) from exc
        self.max_pending_bytes = max_pending_bytes
        self.segment_bytes = segment_bytes
        # guards the active file and the positions; writers wait on it for a shared fsync
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._syncing = False
        self._closing = False
        # appended bytes wait here for the sync thread; a waiter's ticket is the value of
        # _appended (bytes ever appended) just after its bytes, released once a round covers it
        self._buf = bytearray()
        self._appended = 0
        self._waiters: list[tuple[int, _Waiter]] = []
        self._sync_thread: threading.Thread | None = None
        #: (seconds of write + fsync, waiters released) of the latest rounds (benchmarks)
        self.rounds: deque[tuple[float, int]] = deque(maxlen=2**16)
        self._fd: int | None = None
        self._seq = max(self.segments(), default=0)
        self._written = 0  # bytes written to the active segment
        self._synced = 0  # bytes of the active segment known to be on disk
        self._pending = 0  # bytes appended but not yet loaded (set by the writer on start)
        self._open_next()

    # -- the writer's view ---------------------------------------------------------------

    def segments(self) -> list[int]:
        """Sequence numbers of the segments on disk, oldest first."""
        found = []
        for p in self.directory.iterdir():
            m = _SEGMENT.match(p.name)
            if m:
                found.append(int(m.group(1)))
        return sorted(found)

    @property
    def active(self) -> int:
        return self._seq

    def durable_end(self, seq: int) -> int | None:
        """How far segment ``seq`` may be read: the synced size of the active segment, None
        (to the end) for a closed one."""
        with self._lock:
            return self._synced if seq == self._seq else None

    def read(self, seq: int, offset: int, max_lines: int) -> Chunk:
        """Up to ``max_lines`` complete lines of segment ``seq`` from byte ``offset``.

        A closed segment's torn last line (a write cut by ``kill -9``, never acknowledged) is
        left out: only lines ending in a newline are returned.
        """
        end = self.durable_end(seq)
        path = segment_path(self.directory, seq)
        try:
            with path.open("rb") as f:
                f.seek(offset)
                data = f.read(-1 if end is None else max(end - offset, 0))
        except FileNotFoundError:
            return Chunk(seq, offset, offset, [])
        lines: list[bytes] = []
        pos = 0
        while len(lines) < max_lines:
            nl = data.find(b"\n", pos)
            if nl < 0:
                break
            lines.append(data[pos:nl])
            pos = nl + 1
        return Chunk(seq, offset, offset + pos, lines)

    def set_pending(self, pending: int) -> None:
        with self._lock:
            self._pending = pending

    def loaded(self, nbytes: int) -> None:
        """The writer committed ``nbytes`` more of the backlog."""
        with self._lock:
            self._pending -= nbytes

    @property
    def pending_bytes(self) -> int:
        return self._pending

    def remove(self, seq: int) -> None:
        """Delete a closed, loaded and checkpointed segment."""
        if seq != self._seq:
            segment_path(self.directory, seq).unlink(missing_ok=True)

    def size(self, seq: int) -> int:
        try:
            return segment_path(self.directory, seq).stat().st_size
        except FileNotFoundError:
            return 0

    # -- the collector's side ------------------------------------------------------------

    def _enqueue_locked(self, lines: list[bytes]) -> int:
        """Buffer ``lines`` for the sync thread; the ticket its fsync must reach."""
        data = b"\n".join(lines) + b"\n"
        if self._pending + len(data) > self.max_pending_bytes:
            raise SpoolFull(
                f"the spool holds {self._pending} bytes not yet stored",
                hint="retry after a few seconds",
            )
        if self._closing:
            raise SpoolUnavailable("the spool is closed", hint="retry once the server is back")
        self._buf += data
        self._appended += len(data)
        self._pending += len(data)
        if self._sync_thread is None:
            self._sync_thread = threading.Thread(
                target=self._sync_loop, name="socialroi-spool-fsync", daemon=True
            )
            self._sync_thread.start()
        if not self._syncing:
            self._cond.notify_all()
        return self._appended

    def append(self, lines: list[bytes]) -> None:
        """Write ``lines`` (each without newline) and return once they are fsynced.

        Raises :class:`SpoolFull` when the backlog is over the cap and
        :class:`SpoolUnavailable` when the disk refuses the write or the fsync.
        """
        waiter = _ThreadWaiter()
        with self._cond:
            self._waiters.append((self._enqueue_locked(lines), waiter))
        waiter.wait()

    async def append_async(self, lines: list[bytes]) -> None:
        """:meth:`append` for the event loop: the bytes only go to a buffer here; the sync
        thread writes and fsyncs them with everything else buffered (one ``write`` and one
        ``fsync`` per round) and then settles this future (no worker thread per request, no
        system call on the loop)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        with self._cond:
            self._waiters.append((self._enqueue_locked(lines), _LoopWaiter(loop, fut)))
        await fut

    def _sync_loop(self) -> None:
        with self._cond:
            while True:
                if self._buf:
                    self._sync_round_locked()
                elif self._closing:
                    return
                else:
                    self._cond.wait(0.5)

    def _resolve_locked(self, upto: int, error: SpoolUnavailable | None) -> int:
        """Answer the waiters whose bytes the round that ended at ticket ``upto`` covered;
        how many they were."""
        keep: list[tuple[int, _Waiter]] = []
        # one wake-up per event loop, not per request: each call_soon_threadsafe writes to
        # the loop's self-pipe
        done: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for ticket, w in self._waiters:
            if ticket > upto:
                keep.append((ticket, w))
            elif isinstance(w, _LoopWaiter):
                done.setdefault(w.loop, []).append(w.fut)
            else:
                w.settle(error)
        released = len(self._waiters) - len(keep)
        self._waiters = keep
        for loop, futs in done.items():
            try:
                loop.call_soon_threadsafe(_settle, futs, error)
            except RuntimeError:  # the loop is closed: nobody waits for these any more
                pass
        return released

    def _sync_round_locked(self) -> None:
        """Write and fsync everything buffered, with the lock released while the disk works;
        then release every waiter it covered."""
        if self._written >= self.segment_bytes:
            # between rounds everything written is synced: no waiter is acknowledged by a close
            self._close_locked()
            try:
                self._open_next_locked()
            except SpoolUnavailable:
                pass  # reopened (and reported to the waiters) below
        data, self._buf = self._buf, bytearray()
        upto = self._appended
        error: SpoolUnavailable | None = None
        began = time.perf_counter()
        if self._fd is None:
            try:
                self._reopen_locked()
            except SpoolUnavailable as exc:
                error = exc
        fd = self._fd
        if error is None and fd is not None:
            self._syncing = True
            self._cond.release()
            written = 0
            stage = "write"
            try:
                while written < len(data):
                    written += os.write(fd, memoryview(data)[written:])
                stage = "fsync"
                os.fsync(fd)
            except OSError as exc:
                error = SpoolUnavailable(f"cannot {stage} the spool: {exc}")
            finally:
                self._cond.acquire()
                self._syncing = False
                self._cond.notify_all()
            if stage == "write" and error is not None:
                # keep the segment consistent: drop what a partial write left behind; the
                # waiters get 503, so these bytes are no backlog
                self._truncate_locked()
                self._pending -= len(data)
            else:
                self._written += len(data)
                if error is None:
                    self._synced = self._written
        elif error is None:
            error = SpoolUnavailable("the spool has no open segment")
        if error is not None and fd is None:
            self._pending -= len(data)
        if error is not None:
            log.error("%s", error)
        seconds = time.perf_counter() - began
        self.rounds.append((seconds, self._resolve_locked(upto, error)))

    def rotate(self) -> None:
        """Close the active segment (fsynced) and open the next one."""
        with self._cond:
            while self._syncing or self._buf:
                self._cond.wait()
            self._close_locked()
            self._open_next_locked()

    def close(self) -> None:
        """Write and fsync what is buffered (its waiters are answered), then close."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._sync_thread is not None:
            self._sync_thread.join(30)
        with self._cond:
            if self._buf:  # no sync thread ran (or it is stuck): do its last round here
                self._sync_round_locked()
            self._close_locked()

    # -- internals -----------------------------------------------------------------------

    def _open_next(self) -> None:
        with self._lock:
            self._open_next_locked()

    def _open_next_locked(self) -> None:
        self._seq += 1
        self._written = self._synced = 0
        self._reopen_locked()

    def _reopen_locked(self) -> None:
        path = segment_path(self.directory, self._seq)
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            # the new file's directory entry must survive a crash too
            dfd = os.open(self.directory, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError as exc:
            self._fd = None
            raise SpoolUnavailable(f"cannot open spool segment {path}: {exc}") from exc

    def _truncate_locked(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, self._written)
            except OSError:
                self._close_locked()

    def _close_locked(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.fsync(fd)
            except OSError as exc:
                # nothing unsynced was acknowledged; the writer reads what is there
                log.error("fsync on closing a spool segment failed: %s", exc)
            os.close(fd)
            self._synced = self._written


@dataclass(slots=True)
class _LoopWaiter:
    loop: asyncio.AbstractEventLoop
    fut: asyncio.Future[None]


class _ThreadWaiter:
    """A blocking :meth:`Spool.append`'s wait for its round."""

    __slots__ = ("_done", "_error")

    def __init__(self) -> None:
        self._done = threading.Event()
        self._error: SpoolUnavailable | None = None

    def settle(self, error: SpoolUnavailable | None) -> None:
        self._error = error
        self._done.set()

    def wait(self) -> None:
        self._done.wait()
        if self._error is not None:
            raise self._error


_Waiter = _LoopWaiter | _ThreadWaiter


def _settle(futs: list[asyncio.Future[None]], error: BaseException | None) -> None:
    for fut in futs:
        if fut.done():
            continue
        if error is None:
            fut.set_result(None)
        else:
            fut.set_exception(error)


def iter_segment_lines(path: Path) -> Iterator[bytes]:
    """Every complete line of a segment file (tests and tools)."""
    with path.open("rb") as f:
        for line in f:
            if line.endswith(b"\n"):
                yield line[:-1]
