"""The Playwright harness: Debian's Chromium driving a real server on loopback.

- ``browser``: headless ``/usr/bin/chromium`` through Python Playwright (once per module;
  ``make test`` installs Chromium under CI=true).
- ``demo_dir``: a small demo company's canonical files (the files users upload).
- ``e2e_server``: the app served by uvicorn on loopback with a database holding workspace
  ``acme``. Until the accounts work is merged the scope dependencies are overridden to an admin
  of ``acme`` (``_scope_override``); set :data:`SIGN_IN_THROUGH_FORMS` once it is, and
  ``signed_in_page`` (the one place that signs in) signs up through ``/signup``.
- ``page``: a fresh browser page that fails the test on any ``alert``/``confirm``/``prompt``
  (reliability.md scenario 19: 0 dialogs) and leaves a full-page screenshot in
  ``test-artifacts/<test name>.png`` (kept by CI as an artefact; gitignored).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _chromium import CHROMIUM, launch
from _e2e_session import SignedIn, sign_up
from _inproc_server import ThreadServer, serve_db
from _scope_override import Who
from playwright.sync_api import Browser, Dialog, Page, sync_playwright

from socialroi.engine import DuckDBEngine

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
WORKSPACE = "acme"
#: True once accounts are in the app: the server runs with its real sign-in and
#: ``signed_in_page`` signs up through the forms; False overrides the scope dependencies.
SIGN_IN_THROUGH_FORMS = True


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # module scope: Playwright's sync API keeps an event loop running in the main thread,
    # which would break later tests that call asyncio.run()
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.fail("the browser tests need Debian's chromium: run `make test` (installs it)")
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from socialroi.demo import generate

    out = tmp_path_factory.mktemp("e2e-demo")
    generate(out, visits=2000)
    return out


@pytest.fixture
def e2e_db(tmp_path: Path) -> Path:
    path = tmp_path / "e2e.duckdb"
    with DuckDBEngine(path) as eng:
        eng.ensure_workspace(WORKSPACE, name="Acme Analytics", currency="EUR", timezone="UTC")
    return path


@pytest.fixture
def e2e_server(e2e_db: Path) -> Iterator[ThreadServer]:
    who = None if SIGN_IN_THROUGH_FORMS else Who("admin", {WORKSPACE}, WORKSPACE)
    # plain http on loopback: the session cookie without its Secure flag
    srv = serve_db(e2e_db, who, insecure_loopback_cookies=True)
    yield srv
    srv.stop()


@dataclass
class Dialogs:
    """Every dialog a page opened (each is dismissed at once)."""

    seen: list[str] = field(default_factory=list)

    def __call__(self, dialog: Dialog) -> None:
        self.seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page(
    browser: Browser, e2e_server: ThreadServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    context = browser.new_context(base_url=e2e_server.url)
    pg = context.new_page()
    dialogs = Dialogs()
    pg.on("dialog", dialogs)
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)[:120]
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    finally:
        context.close()
    assert dialogs.seen == [], f"the page opened dialogs (scenario 19): {dialogs.seen}"


@pytest.fixture
def signed_in_page(page: Page, e2e_server: ThreadServer) -> SignedIn:
    """The page, signed in. With the scope dependencies overridden (before accounts are
    merged) there is nothing to do; with real accounts, sign up through the forms."""
    if not SIGN_IN_THROUGH_FORMS:
        return SignedIn(page, WORKSPACE)
    return SignedIn(page, sign_up(page, "owner@acme.example", "a long pass phrase 42", "Acme"))
