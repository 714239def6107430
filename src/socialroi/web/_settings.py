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
    batch_interval_s: float = Field(default=0.25, gt=0)
    #: take the client address from X-Forwarded-For (only behind your own reverse proxy)
    trust_forwarded: bool = False
    #: a header set by your proxy/CDN with the visitor's country code, e.g. CF-IPCountry
    country_header: str | None = None
    admin_token: str | None = None
    retry_after_s: int = Field(default=5, gt=0)
    #: DuckDB threads for the writer and the dashboard's queries; default: all cores but one,
    #: which stays free for the event loop that answers the collector
    db_threads: int | None = Field(default=None, gt=0)

    @property
    def spool_path(self) -> Path:
        return self.spool_dir or Path(f"{self.db}.spool")
