"""Settings of the web process (one process: DuckDB allows a single writer)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

__all__ = ["Settings"]


class Settings(BaseModel):
    """Everything ``create_app`` needs; ``socialroi serve`` fills it from its options.

    ``spool_dir`` defaults to ``<db>.spool`` next to the database. ``admin_token``, when set,
    is required (``Authorization: Bearer …``) by the counters endpoint; without it only
    loopback clients may read the counters.
    """

    db: Path
    spool_dir: Path | None = None
    max_spool_bytes: int = Field(default=256 * 2**20, gt=0)
    segment_bytes: int = Field(default=16 * 2**20, gt=0)
    batch_rows: int = Field(default=10_000, gt=0)
    #: the writer's pace when idle; each batch is a DuckDB commit (an fsync of its WAL on the
    #: disk the spool's fsyncs use), so fewer, larger batches under load
    batch_interval_s: float = Field(default=1.0, gt=0)
    #: take the client address from X-Forwarded-For (only behind your own reverse proxy)
    trust_forwarded: bool = False
    #: a header set by your proxy/CDN with the visitor's country code, e.g. CF-IPCountry
    country_header: str | None = None
    admin_token: str | None = None
    retry_after_s: int = Field(default=5, gt=0)
    #: drop the cookies' Secure flag, but only for plain-http requests to a loopback host
    #: (local development and tests; browsers refuse Secure cookies over http elsewhere)
    insecure_loopback_cookies: bool = False
    #: a session ends after this long without a request, and this long after sign-in at most
    session_idle_s: int = Field(default=12 * 3600, gt=0)
    session_max_s: int = Field(default=14 * 86400, gt=0)
    #: failed sign-ins allowed per email and per client address in login_window_s
    login_failures_per_email: int = Field(default=5, gt=0)
    login_failures_per_ip: int = Field(default=20, gt=0)
    login_window_s: int = Field(default=900, gt=0)
    #: the largest file the imports page and ``POST /api/v1/imports`` accept (413 beyond)
    max_upload_bytes: int = Field(default=512 * 2**20, gt=0)
    #: DuckDB threads for the writer and the dashboard's queries; default: all cores but one,
    #: which stays free for the event loop that answers the collector
    db_threads: int | None = Field(default=None, gt=0)
    #: the result cache (docs/web.md): a page whose data changed only by live tracked events
    #: is served from the cache, with its "data as of" time, and recomputed in the background
    #: once its data is older than this (0: at the first request after any new event)
    cache_max_stale_s: float = Field(default=60.0, ge=0)
    #: how long a request waits for a result being computed before a 503 with Retry-After
    compute_wait_s: float = Field(default=20.0, gt=0)
    #: light computations at once (pages, metrics); heavy ones (attribution, the whole
    #: summary) run one at a time besides them; the rest queue
    compute_slots: int = Field(default=1, gt=0)
    #: results kept (least recently used dropped first)
    cache_entries: int = Field(default=512, gt=0)
    #: compute every workspace's default-period pages after start-up and after data changes
    warmup: bool = True

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or Path(f"{self.db}.spool")
