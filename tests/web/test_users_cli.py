"""``socialroi users``: create, list, set-password, grant, revoke, delete, tokens."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.engine import DuckDBEngine
from socialroi.errors import SocialRoiError
from socialroi.web import accounts as acc

PW = "a long enough passphrase"


def _run(db: Path, *args: str, input: str | None = None) -> tuple[int, str]:  # noqa: A002
    """Exit code and output; a SocialRoiError's message and hint as the CLI prints them
    (CliRunner bypasses the app's printer, so they are read from the exception)."""
    result = CliRunner(env={"COLUMNS": "240"}).invoke(
        app, ["users", *args, "--db", str(db)], input=input
    )
    exc = result.exception
    if isinstance(exc, SocialRoiError):
        return 1, f"{result.output}error: {exc.message}\nnext: {exc.hint}\n"
    assert exc is None or isinstance(exc, SystemExit), exc
    return result.exit_code, result.output


def test_users_lifecycle(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with DuckDBEngine(db) as eng:
        eng.ensure_workspace("shop")
        eng.ensure_workspace("blog")
    code, out = _run(db, "list")
    assert code == 0 and "no users yet" in out
    code, out = _run(
        db, "create", "Boss@Example.com", "-w", "shop", "--role", "owner", input=f"{PW}\n{PW}\n"
    )
    assert code == 0, out
    assert "created boss@example.com as owner of shop" in out
    # a weak password is refused with the rule and what to do
    code, out = _run(db, "create", "x@example.com", input="short\nshort\n")
    assert code == 1 and "at least 10" in out and "next:" in out
    # an unknown workspace says which exist
    code, out = _run(db, "create", "y@example.com", "-w", "nope", input=f"{PW}\n{PW}\n")
    assert code == 1 and "blog, shop" in out
    _run(db, "create", "ana@example.com", input=f"{PW}\n{PW}\n")
    assert _run(db, "grant", "ana@example.com", "-w", "blog", "--role", "analyst")[0] == 0
    code, out = _run(db, "list")
    assert "boss@example.com" in out and "shop (owner)" in out and "blog (analyst)" in out
    # the last owner cannot leave
    code, out = _run(db, "revoke", "boss@example.com", "-w", "shop")
    assert code == 1 and "last owner" in out and "make another member owner first" in out
    assert _run(db, "revoke", "ana@example.com", "-w", "blog")[0] == 0
    code, out = _run(db, "revoke", "ana@example.com", "-w", "blog")
    assert code == 1 and "not a member" in out
    code, out = _run(
        db, "set-password", "ana@example.com", input="new passphrase!\nnew passphrase!\n"
    )
    assert code == 0, out
    with DuckDBEngine(db) as eng:
        assert acc.authenticate(eng, "ana@example.com", "new passphrase!") is not None
        boss = acc.find_user(eng, "boss@example.com")
        assert boss is not None
        token_id, _ = acc.create_token(eng, "shop", "zapier", "read", boss.user_id)
    code, out = _run(db, "tokens", "-w", "shop")
    assert code == 0 and token_id in out and "zapier" in out and "never" in out
    assert _run(db, "revoke-token", token_id)[0] == 0
    code, out = _run(db, "revoke-token", token_id)
    assert code == 1 and "socialroi users tokens" in out
    assert _run(db, "delete", "ana@example.com", "--yes")[0] == 0
    code, out = _run(db, "delete", "boss@example.com", "--yes")
    assert code == 1 and "last owner" in out
    code, out = _run(db, "delete", "nobody@example.com", "--yes")
    assert code == 1 and "socialroi users list" in out
