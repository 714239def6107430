"""The FastAPI application: one process owning the DuckDB writer.

``create_app(settings)`` opens the database (quarantining an unreplayable WAL), the spool and
the writer thread in its lifespan, and mounts the tracking routes. Later routers (accounts,
dashboard) reach the database through :func:`state` (``reader()`` gives the calling thread its
own cursor; writes go through the spool and the writer, or ``state.writer_lock``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from socialroi.engine import DuckDBEngine
from socialroi.tracking import (
    DailySalt,
    EventContext,
    RequestRejected,
    Spool,
    SpoolFull,
    SpoolUnavailable,
    UnsafeURL,
    Writer,
    bot_name,
    counters,
    link_by_code,
    open_database,
    origins,
    parse_events,
    redirect_location,
)
from socialroi.tracking.events import MAX_BATCH_BYTES, failed_record, record_line
from socialroi.tracking.writer import lower_thread_priority
from socialroi.web._settings import Settings
from socialroi.web.cache import ResultCache, Warmup

__all__ = ["AppState", "create_app", "serve", "state"]

log = logging.getLogger("socialroi.web")
_CONFIG_TTL_S = 5.0


@dataclass
class AppState:
    """What the routes share: settings, the database, the spool and the writer."""

    settings: Settings
    engine: DuckDBEngine
    spool: Spool
    writer: Writer
    salt: DailySalt
    cache: ResultCache
    warmup: Warmup | None = None
    writer_lock: threading.Lock = field(default_factory=threading.Lock)
    _local: threading.local = field(default_factory=threading.local)
    _loop_thread: int = field(default_factory=threading.get_ident)
    _cursors: list[DuckDBEngine] = field(default_factory=list)
    _config_at: float = 0.0
    _workspaces: frozenset[str] = frozenset()
    _origins: dict[str, frozenset[str]] = field(default_factory=dict)

    def reader(self) -> DuckDBEngine:
        """This thread's own cursor on the database.

        A thread other than the event loop's (a route's worker thread, a background job) is
        lowered to :data:`READER_NICE` on its first query: a dashboard query (DuckDB runs it
        in the calling thread) then never takes the CPU the collector needs to acknowledge
        events; it only runs slower while the collector is busy.
        """
        cur: DuckDBEngine | None = getattr(self._local, "cursor", None)
        if cur is None:
            if threading.get_ident() != self._loop_thread:
                _lower_priority()
            with self.writer_lock:
                cur = self.engine.cursor()
                self._cursors.append(cur)
            cur.run("SET enable_progress_bar = false")  # a server has no terminal to draw on
            self._local.cursor = cur
        return cur

    def config(self) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
        """Workspace ids and origin allowlists, re-read every few seconds."""
        now = time.monotonic()
        if now - self._config_at > _CONFIG_TTL_S:
            eng = self.reader()
            self._workspaces = frozenset(
                r[0] for r in eng.run("SELECT workspace_id FROM workspaces")
            )
            self._origins = origins(eng)
            self._config_at = now
        return self._workspaces, self._origins

    def close(self) -> None:
        """Stop the readers' running queries, then close their cursors (a cursor that is
        still running refuses to close, and so would the database)."""
        with self.writer_lock:
            cursors, self._cursors = self._cursors, []
        for cur in cursors:
            cur.interrupt()
        for cur in cursors:
            cur.close(interrupt=True)


def _ledger_stamp(st: AppState, workspace_id: str) -> tuple[Any, ...]:
    """The import ledger's row count and latest import of a workspace: the database's part of
    the result cache's data version (docs/web.md)."""
    rows = st.reader().run(
        "SELECT count(*), max(imported_at) FROM import_ledger WHERE workspace_id = ?",
        [workspace_id],
    )
    return tuple(rows[0])


#: Niceness of reader threads (the event loop and the fsync thread keep 0, the writer
#: :data:`WRITER_NICE`).
READER_NICE = 10


def _lower_priority() -> None:
    lower_thread_priority(READER_NICE)


#: Niceness of the writer thread: it loads the spool (a backlog of minutes fits the cap), so
#: under a full CPU it yields to the event loop and the fsync thread instead of competing.
WRITER_NICE = 5


def serve(app: FastAPI, *, host: str, port: int, **options: Any) -> None:
    """Run ``app`` with uvicorn as ``socialroi serve`` does: one worker, no access log (it
    would write client IP addresses, reliability.md scenario 10), and tuned for the collector.

    - httptools and uvloop (``pyproject.toml`` installs them; uvicorn's pure-Python parser
      and asyncio loop cost about twice the CPU per request);
    - no proxy-headers middleware: the client address comes from ``X-Forwarded-For`` only
      with ``--trust-forwarded`` (``Settings.trust_forwarded``), never implicitly from a
      loopback proxy, and the middleware cost a fifth of a bare request;
    - the start-up heap frozen out of the garbage collector and a larger first generation:
      the collector allocates a few dozen short-lived objects per request, and each full
      collection would otherwise walk every module, the Ibis and FastAPI objects included.

    Python's GIL switch interval stays at its 5 ms: 1 ms gave no gain clear of the noise
    between runs on the shared benchmark machine.
    """
    import gc

    import uvicorn

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    uvicorn.run(
        app,
        host=host,
        port=port,
        http="httptools" if _importable("httptools") else "auto",
        loop="uvloop" if _importable("uvloop") else "auto",
        proxy_headers=False,
        access_log=False,
        workers=1,
        **({"log_level": "warning"} | options),
    )


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def state(request: Request) -> AppState:
    st: AppState = request.app.state.socialroi
    return st


def _error(
    status: int, error: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """The one JSON error shape: ``{ok, error, errors, status}``."""
    body = {"ok": False, "error": error, "errors": extra.pop("errors", []), "status": status}
    return JSONResponse(body | extra, status_code=status, headers=headers)


def create_app(settings: Settings) -> FastAPI:
    """The web application (collector, redirector, counters); add routers to extend it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_database(settings.db)
        # DuckDB's threads are shared by the writer and every reader; one core stays free for
        # the event loop, which answers the collector (GIL-bound: one core is all it can use)
        threads = settings.db_threads or max(1, (os.cpu_count() or 2) - 1)
        engine.run(f"SET threads = {int(threads)}")
        # DuckDB draws a progress bar on stdout for a query over 2 s: not from a server
        engine.run("SET enable_progress_bar = false")
        spool = Spool(
            settings.spool_path,
            max_pending_bytes=settings.max_spool_bytes,
            segment_bytes=settings.segment_bytes,
        )
        cache = ResultCache(
            max_stale_s=settings.cache_max_stale_s, wait_s=settings.compute_wait_s,
            slots=settings.compute_slots, max_entries=settings.cache_entries,
            retry_after_s=settings.retry_after_s, stamp=lambda ws: _ledger_stamp(st, ws),
        )  # fmt: skip
        writer = Writer(
            engine, spool, batch_rows=settings.batch_rows, interval_s=settings.batch_interval_s,
            nice=WRITER_NICE, on_load=lambda ws: cache.changed(ws, live=True),
        )  # fmt: skip
        st = AppState(settings, engine, spool, writer, DailySalt(settings.spool_path), cache)
        app.state.socialroi = st
        writer.start()
        if settings.warmup:
            from socialroi.web.dashboard_data import warmup_jobs  # imports this module

            # the workspaces read here, not through st.config(): that is the collector's view,
            # refreshed every few seconds from its first use
            st.warmup = Warmup(
                cache,
                lambda: [r[0] for r in st.reader().run("SELECT workspace_id FROM workspaces")],
                lambda ws: warmup_jobs(st, ws),
            )
            st.warmup.start()
        try:
            yield
        finally:
            # SIGTERM: no new computation; the warm-up stops between two results (the running
            # queries are interrupted by st.close below)
            if st.warmup is not None:
                st.warmup.stop()
            cache.close()
            # uvicorn has stopped taking requests; load every acknowledged event
            writer.stop()
            spool.close()
            st.close()
            engine.close()

    app = _App(title="socialroi", lifespan=lifespan, docs_url=None, redoc_url=None)
    _add_tracking_routes(app)
    # before the /static mount: the dashboard serves /static/vega.js from the vl-convert bundle
    from socialroi.web import api, dashboard, manage, problems  # they import this module

    app.include_router(dashboard.router)
    app.include_router(api.router)
    app.include_router(manage.router)
    problems.install(app)
    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("socialroi.web").joinpath("static"))),
        name="static",
    )
    from socialroi.web import accounts_web  # imports this module: not at the top

    # account pages, CSRF and security headers
    accounts_web.install(app, settings)
    # the collector's fast path is _App.__call__, in front of every middleware (added with
    # app.add_middleware, pure ASGI) and of FastAPI's own (telemetry, body limit, errors)
    return app


class _App(FastAPI):
    """FastAPI with ``POST /api/event`` answered before any middleware, routing or
    dependency (:func:`_fast_collect`): those cost more CPU per request than the collector
    itself (profiled: FastAPI's telemetry and error middlewares alone were a fifth of the event
    loop's time). The FastAPI route stays for the schema and behaves the same."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/api/event" and scope["method"] == "POST":
            await _fast_collect(self, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _fast_collect(app: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
    """The collector on raw ASGI: the body, four headers and the query string read straight
    from the scope (no Request, Headers or QueryParams objects) and the answer sent as two
    messages (no Response object; the usual 202 is preallocated)."""
    try:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # gone before its body arrived: nothing was acknowledged
            body += message.get("body", b"")
            # cut just past the batch limit (the rest is never buffered)
            if not message.get("more_body", False) or len(body) > MAX_BATCH_BYTES:
                break
        ua = ctype = origin = fwd = None
        for key, value in scope["headers"]:
            if key == b"user-agent":
                ua = ua or value.decode("latin-1")
            elif key == b"content-type":
                ctype = ctype or value.decode("latin-1")
            elif key == b"origin":
                origin = origin or value.decode("latin-1")
            elif key == b"x-forwarded-for":
                fwd = fwd or value.decode("latin-1")
        st: AppState = app.state.socialroi
        if st.settings.trust_forwarded and fwd:
            ip = fwd.split(",")[0].strip()
        else:
            client = scope.get("client")
            ip = client[0] if client else ""
        qs: bytes = scope.get("query_string", b"")
        hint = None
        if qs:
            for k, v in parse_qsl(qs.decode("latin-1"), keep_blank_values=True):
                if k == "workspace":
                    hint = v  # the last one, as Starlette's QueryParams.get
        status, payload, headers = await _collect_raw(st, bytes(body), ua, ctype, origin, ip, hint)
    except Exception:
        # nothing was acknowledged; the same answer FastAPI's error middleware gives
        log.exception("collector request failed")
        status, payload, headers = _raw_error(500, "internal error")
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _read_body(request: Request) -> bytes:
    """The body, cut just past the batch limit (the rest is never buffered)."""
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > MAX_BATCH_BYTES:
            break
    return bytes(body)


def _client_ip(request: Request, settings: Settings) -> str:
    if settings.trust_forwarded:
        fwd = request.headers.get("x-forwarded-for")
        if fwd:
            return fwd.split(",")[0].strip()
    return request.client.host if request.client else ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _add_tracking_routes(app: FastAPI) -> None:
    script = resources.files("socialroi.web").joinpath("static/t.js").read_bytes()

    @app.get("/t.js", include_in_schema=False)
    def tracker_script() -> Response:
        return Response(
            script,
            media_type="application/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @app.get("/l/{code}", include_in_schema=False)
    def redirect(code: str, request: Request) -> Response:
        st = state(request)
        link = link_by_code(st.reader(), code)
        if link is None:
            return _error(404, f"no link {code!r}")
        now = _now()
        ua = request.headers.get("user-agent")
        bot = bot_name(ua)
        click_id = None if bot else secrets.token_urlsafe(12)
        try:
            location = redirect_location(link, list(request.query_params.multi_items()), click_id)
        except UnsafeURL:
            return _error(400, "this link's target is not a safe http(s) URL")
        ts = int(now.timestamp() * 1_000_000)
        if bot:
            rec: dict[str, Any] = {
                "k": "b",
                "ws": link.workspace_id,
                "s": "clicks",
                "d": {
                    "occurred_at": ts,
                    "code": link.code,
                    "bot": bot,
                    "user_agent": (ua or "")[:2000] or None,
                    "url": None,
                },
            }
        else:
            country_h = st.settings.country_header
            country = request.headers.get(country_h, "")[:2].upper() if country_h else ""
            visitor = st.salt.visitor_id(
                link.workspace_id, _client_ip(request, st.settings), ua or "", now
            )
            rec = {
                "k": "c",
                "ws": link.workspace_id,
                "d": {
                    "code": link.code,
                    "clicked_at": ts,
                    "click_id": click_id,
                    "visitor_id": visitor,
                    "referrer": (request.headers.get("referer") or "")[:2000] or None,
                    "user_agent": (ua or "")[:2000],
                    "country": country or None,
                },
            }
        try:
            st.spool.append([record_line(rec)])
        except (SpoolFull, SpoolUnavailable) as exc:
            # the visitor still reaches the page; the click cannot be counted
            log.error("click on %s not recorded: %s", link.code, exc)
            location = redirect_location(link, list(request.query_params.multi_items()), None)
        st.writer.poke()
        return RedirectResponse(
            location,
            status_code=302,
            headers={
                "Cache-Control": "private, no-store",
                "Referrer-Policy": "no-referrer-when-downgrade",
            },
        )

    @app.options("/api/event", include_in_schema=False)
    def preflight(request: Request) -> Response:
        origin = request.headers.get("origin")
        _, allowed = state(request).config()
        if origin and any(origin in o for o in allowed.values()):
            return Response(
                status_code=204,
                headers=_cors(origin)
                | {
                    "Access-Control-Allow-Methods": "POST",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "86400",
                },
            )
        return Response(status_code=204, headers={"Vary": "Origin"})

    @app.post("/api/event")
    async def collect(request: Request) -> Response:
        """One event or a batch (docs/tracking.md); 2xx only once every event is fsynced."""
        return await _collect(state(request), request, await _read_body(request))

    @app.get("/api/counters")
    def collector_counters(request: Request, workspace: str | None = None) -> Response:
        st = state(request)
        token = st.settings.admin_token
        if token is not None:
            given = request.headers.get("authorization", "")
            if not secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return _error(401, "a valid bearer token is required")
        elif _client_ip(request, st.settings) not in ("127.0.0.1", "::1"):
            return _error(403, "counters are only served to loopback without --admin-token")
        return JSONResponse(
            {
                "ok": True,
                "counters": counters(st.reader(), workspace),
                "spool_pending_bytes": st.spool.pending_bytes,
                "writer_error": st.writer.error,
                "cache": st.cache.stats(),
                "warmup": None if st.warmup is None else st.warmup.status.as_dict(),
            }
        )


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


_RawHeaders = list[tuple[bytes, bytes]]
_JSON = (b"content-type", b"application/json")


def _raw_answer(
    status: int, payload: bytes, headers: dict[str, str] | None = None
) -> tuple[int, bytes, _RawHeaders]:
    raw = [_JSON, (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    return status, payload, raw


def _raw_error(
    status: int, error: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> tuple[int, bytes, _RawHeaders]:
    """:func:`_error`'s shape for the raw fast path."""
    body = {"ok": False, "error": error, "errors": extra.pop("errors", []), "status": status}
    return _raw_answer(status, record_line(body | extra), headers)


#: the answer to nearly every collector request (one event, accepted, no CORS), built once
_ACCEPTED_ONE = _raw_answer(
    202, record_line({"ok": True, "accepted": 1, "filtered": 0, "rejected": []})
)


async def _collect(st: AppState, request: Request, body: bytes) -> Response:
    """The collector for a routed request (``POST /api/v1/events``, the FastAPI route)."""
    status, payload, raw = await _collect_raw(
        st,
        body,
        request.headers.get("user-agent"),
        request.headers.get("content-type"),
        request.headers.get("origin"),
        _client_ip(request, st.settings),
        request.query_params.get("workspace"),
    )
    headers = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in raw
        if k not in (b"content-type", b"content-length")
    }
    return Response(payload, status, headers, "application/json")


async def _collect_raw(
    st: AppState,
    body: bytes,
    ua: str | None,
    content_type: str | None,
    origin: str | None,
    ip: str,
    hint: str | None,
) -> tuple[int, bytes, _RawHeaders]:
    """One collector request: status, JSON body and raw headers; 2xx only once every event
    of it is fsynced.

    Validation runs on the event loop (pure CPU, bounded input); the spool's sync thread does
    the write and the fsync, so no worker thread is taken per request.
    """
    now = _now()
    workspaces, allowed = st.config()
    ctx = EventContext(
        workspace_ids=workspaces,
        visitor_id=lambda ws: st.salt.visitor_id(ws, ip, ua or "", now),
        user_agent=ua,
        received_at=now,
        default_workspace=hint,
    )
    retry = {"Retry-After": str(st.settings.retry_after_s)}
    if st.writer.error is not None:
        return _raw_error(503, "the database is not accepting writes; retry later", headers=retry)
    try:
        parsed = parse_events(body, content_type, ctx)
    except RequestRejected as rej:
        ws = hint if hint in workspaces else ""
        text = body[:2000].decode("utf-8", "replace")
        try:
            await st.spool.append_async(
                [record_line(failed_record(ws, "events", rej.reason, text, now))]
            )
        except (SpoolFull, SpoolUnavailable):
            log.warning("rejected request (%s) could not be kept in failed_events", rej.reason)
        return _raw_error(rej.status, rej.reason)
    headers: dict[str, str] = {}
    if origin is not None:
        targets = {r["ws"] for r in parsed.records if r["ws"]}
        if not targets or any(origin not in allowed.get(ws, frozenset()) for ws in targets):
            return _raw_error(
                403,
                f"origin {origin[:200]!r} may not send events to this workspace",
                errors=[{"hint": "add it with `socialroi track origin-add`"}],
            )
        headers = _cors(origin)
    try:
        await st.spool.append_async([record_line(r) for r in parsed.records])
    except SpoolFull:
        return _raw_error(429, "the collector is busy; retry later", headers=retry | headers)
    except SpoolUnavailable as exc:
        log.error("spool unavailable: %s", exc)
        return _raw_error(503, "storage is unavailable; retry later", headers=retry | headers)
    # no poke: the writer wakes every batch_interval_s and loads what accumulated
    if parsed.accepted + parsed.filtered == 0:
        return _raw_error(400, "no valid event", errors=parsed.rejected, headers=headers)
    if parsed.accepted == 1 and not parsed.filtered and not parsed.rejected and not headers:
        return _ACCEPTED_ONE
    result = {
        "ok": True,
        "accepted": parsed.accepted,
        "filtered": parsed.filtered,
        "rejected": parsed.rejected,
    }
    return _raw_answer(202, record_line(result), headers)
