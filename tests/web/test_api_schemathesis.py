"""Schemathesis against the ``/api/v1`` OpenAPI schema, in-process (ASGI): 0 server errors.

Every operation gets generated requests, valid and invalid; every answer must be below 500 and
every error a problem document. The numbers are the real functions on the demo database, each
computed once per distinct input (a cache wraps them for this test only): generated requests
mostly differ in parameters that never reach them (bad dates, limits, offsets), and recomputing
the same period for each would take minutes without testing anything more.
"""

from __future__ import annotations

import dataclasses
import functools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from _dash import WS, dash_db, dash_engine, scope_of  # noqa: F401
from hypothesis import HealthCheck, Phase, settings

from socialroi.web import Settings, api, create_app, dashboard_data
from socialroi.web.auth import api_scope

# the schema is loaded at collection, so the app exists before the fixtures; its scope reads
# the session's demo database once the fixture below has run
# a directory of this run's own: DuckDB locks the file, and another run may be going
APP = create_app(Settings(db=Path(tempfile.mkdtemp(prefix="socialroi-api-")) / "unused.duckdb",
                          warmup=False))
_ENGINE: dict[str, Any] = {}
APP.dependency_overrides[api_scope] = lambda: scope_of(_ENGINE["engine"], WS)
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)
_CACHED: dict[str, Any] = {}


def _once(fn: Any) -> Any:
    """``fn`` computed once per distinct arguments (kept for the whole session)."""
    return _CACHED.setdefault(getattr(fn, "__qualname__", repr(fn)), functools.cache(fn))


@pytest.fixture(autouse=True)
def _demo_engine(dash_engine: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:  # noqa: F811
    _ENGINE["engine"] = dash_engine
    for name in ("summary", "compute_metric"):
        monkeypatch.setattr(api, name, _once(getattr(api, name)))
    for name in ("posts", "latest_day"):
        monkeypatch.setattr(dashboard_data, name, _once(getattr(dashboard_data, name)))
    for key, page in list(dashboard_data.PAGES.items()):
        monkeypatch.setitem(dashboard_data.PAGES, key,
                            dataclasses.replace(page, build=_once(page.build)))  # fmt: skip
    yield


@schema.parametrize()
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))  # fmt: skip
def test_no_server_error(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, (case.path, case.query, response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"][0].startswith("application/problem+json")
