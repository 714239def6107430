"""What the management pages and the write API share: the write cursor, uploads, problems."""

from __future__ import annotations

import hashlib
import re
import shutil
import threading
from collections.abc import AsyncGenerator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, ImportProblem
from socialroi.ingest import FORMATS
from socialroi.web.app import state
from socialroi.web.scope import Scope

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "PAGE_SIZE",
    "Upload",
    "check_params",
    "duck",
    "messages",
    "next_link",
    "problem",
    "problem_responses",
    "problem_rows",
    "receive_upload",
    "upload_dir",
    "writing",
]

#: Rows per page of the management lists, and the most an API caller may ask for.
PAGE_SIZE = 50
MAX_LIMIT = 500
#: The largest ``offset`` accepted (beyond any table; keeps the value a 64-bit integer).
MAX_OFFSET = 10**12

#: One import at a time: an import holds DuckDB's memory for its staging tables, and two of them
#: into one entity would race on the natural key. Short writes use ``AppState.writer_lock``
#: instead; an import must not hold that lock, which ``reader()`` takes for a thread's first
#: cursor (the collector's event loop included).
IMPORT_LOCK = threading.Lock()


def duck(request: Request, scope: Scope) -> DuckDBEngine:
    """The calling thread's own DuckDB cursor (``AppState.reader()``) for the scope's reads.

    A DuckDB connection serves one thread at a time, and FastAPI may resolve a dependency and
    run the endpoint on different threads: the cursor is taken where it is used, never carried
    over from ``scope.engine``, which only says which engine the scope is on.
    """
    if not isinstance(scope.engine, DuckDBEngine):
        raise ConfigError("the web app needs the DuckDB engine", hint="run `socialroi serve`")
    return state(request).reader()


@contextmanager
def writing(
    request: Request, scope: Scope, *, lock: threading.Lock | None = None
) -> Iterator[DuckDBEngine]:
    """A cursor of its own for one write on the scope's workspace.

    Writes are serialised by ``AppState.writer_lock`` (or ``lock``, for imports): the checks of
    a write (a free code, the post's existing link) and its insert then see the same database.
    The workspace's cached results are outdated on exit (``ResultCache.changed``): the next
    request of a page recomputes it. The cursor is opened from the app's database like
    ``AppState.reader()`` does. The tracking
    writer thread has its own connection and only appends (clicks, events, counters), so
    DuckDB's optimistic transactions never conflict with these writes.
    """
    duck(request, scope)  # the same engine check as reads
    st = state(request)
    with lock or st.writer_lock:
        if lock is not None:
            with st.writer_lock:  # reader() opens cursors under it too
                cur = st.engine.cursor()
        else:
            cur = st.engine.cursor()
        try:
            cur.workspace(scope.workspace_id)
            yield cur
        finally:
            cur.close()
            # every page of the workspace may show something else now (after a write that
            # failed and rolled back too: recomputing costs only time, a stale page is wrong)
            st.cache.changed([scope.workspace_id])


def messages(
    request: Request, errors: list[str] | None, problems: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """The context of ``_manage_messages.html``: the notice a redirect carried, form errors
    and import problems."""
    return {
        "errors": errors or [],
        "problems": problems or [],
        "notice": request.query_params.get("notice", "")[:200],
    }


def check_params(request: Request, allowed: set[str]) -> None:
    """400 for a query parameter this route does not know (reliability.md scenario 22: a
    misspelt filter must not silently return everything)."""
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise HTTPException(
            400,
            f"unknown query parameter(s) {', '.join(repr(u[:40]) for u in unknown)}; "
            f"this endpoint takes: {', '.join(sorted(allowed))}",
        )


def next_link(request: Request, offset: int, limit: int, total: int) -> str | None:
    """The URL of the next page, or None on the last one."""
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(offset=offset + limit, limit=limit))


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    """An RFC 9457 problem details response (for errors that carry a list of problems)."""
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "instance": request.url.path,
            "errors": errors or [],
        },
        status_code=status,
        media_type="application/problem+json",
    )


_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_WHY = {
    400: "bad input (problems listed in `errors`)",
    401: "no API token or session",
    403: "the role or token scope does not allow this, or the origin is not allowed",
    404: "not in this workspace",
    413: "too large",
    415: "unsupported media type or file format",
    429: "the collector is busy; retry after Retry-After",
    503: "storage unavailable; retry after Retry-After",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error statuses a route answers (problem details)."""
    return {
        c: {
            "description": _WHY[c],
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        }
        for c in codes
    }


def problem_rows(problems: list[ImportProblem], shown_name: str) -> list[dict[str, Any]]:
    """Import problems as JSON rows, naming the uploaded file as the user called it (the staged
    path on the server is nobody's business)."""
    return [
        {
            "file": shown_name,
            "line": p.line,
            "column": p.column,
            "value": p.value,
            "expected": p.expected,
            "code": p.code,
        }
        for p in problems
    ]


@dataclass(frozen=True, slots=True)
class Upload:
    """A received upload: ``path`` is ``<dir>/<stem><suffix>`` (the client's file name is
    never part of a path: only its suffix, from an allowlist); ``name`` is for display."""

    path: Path
    name: str
    fields: dict[str, str]
    size: int


_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,255}$")


def _suffix(name: str) -> str:
    """The upload's format suffix (``.csv``, ``.ndjson.gz`` …); 400 for a path-like name."""
    if not _NAME.match(name) or name.startswith(".") or ".." in name:
        raise HTTPException(
            400,
            f"file name {name[:80]!r} looks like a path; upload a file named like costs.csv",
        )
    parts = [s.lower() for s in PurePosixPath(name).suffixes]
    gz = bool(parts) and parts[-1] == ".gz"
    fmt = (parts[-2] if len(parts) > 1 else "") if gz else (parts[-1] if parts else "")
    if fmt not in FORMATS:
        raise HTTPException(
            415,
            f"{name[:80]!r} is not a file socialroi imports; upload a "
            + ", ".join(sorted(FORMATS))
            + " file (optionally .gz)",
        )
    return fmt + (".gz" if gz else "")


def upload_dir(request: Request, scope: Scope) -> Path:
    """The workspace's staging directory for uploads (``<db>.uploads/<hash of workspace>``)."""
    db = state(request).settings.db
    key = hashlib.sha256(scope.workspace_id.encode()).hexdigest()[:16]
    return Path(f"{db}.uploads") / key


def _copy(src: IO[bytes], path: Path) -> int:
    with path.open("wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return path.stat().st_size


async def receive_upload(
    request: Request, dest: Path, stem: str, *, field: str = "file", max_fields: int = 20
) -> Upload:
    """Stream a multipart upload to ``dest/<stem><suffix>`` with the size cap of the settings.

    413 past ``Settings.max_upload_bytes`` (checked on ``Content-Length`` first, then while
    reading), 400 for a malformed form or a missing or path-like file, 415 for a format that
    is not imported.
    """
    cap = state(request).settings.max_upload_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap + 64 * 1024:
        raise HTTPException(413, f"the upload is larger than {cap:,} bytes; split the file")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(415, "send the file as multipart/form-data")
    received = 0

    async def capped() -> AsyncGenerator[bytes, None]:
        nonlocal received
        async for chunk in request.stream():
            received += len(chunk)
            if received > cap + 64 * 1024:  # room for the form's other fields
                raise HTTPException(413, f"the upload is larger than {cap:,} bytes; split the file")
            yield chunk

    parser = MultiPartParser(
        request.headers, capped(), max_files=1, max_fields=max_fields, max_part_size=64 * 1024
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise HTTPException(400, f"the form could not be read: {exc.message}") from exc
    try:
        file = form.get(field)
        if not isinstance(file, UploadFile) or not file.filename:
            raise HTTPException(400, f"choose a file to upload (form field {field!r})")
        suffix = _suffix(file.filename)
        dest.mkdir(parents=True, exist_ok=True)
        path = dest / f"{stem}{suffix}"
        await file.seek(0)
        size = await run_in_threadpool(_copy, file.file, path)
        if size > cap:
            path.unlink()
            raise HTTPException(413, f"the upload is larger than {cap:,} bytes; split the file")
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        return Upload(path, file.filename, fields, size)
    finally:
        await form.close()
