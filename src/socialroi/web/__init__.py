"""The web process: collector, redirector and (later) dashboard in one FastAPI app.

``create_app(Settings(db=...))`` builds it; ``socialroi serve`` runs it with uvicorn in one
process, because DuckDB allows one writer (reliability.md §3).
"""

from __future__ import annotations

from socialroi.web._settings import Settings
from socialroi.web.app import AppState, create_app, state

__all__ = ["AppState", "Settings", "create_app", "state"]
