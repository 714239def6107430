from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from socialroi.cli import app
from socialroi.tracking import UnsafeURL

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def test_links_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    run("init", "--db", db)
    out = run(
        "links",
        "create",
        "https://shop.example/spring",
        "--network",
        "linkedin",
        "--campaign",
        "launch",
        "--post",
        "P1",
        "--db",
        db,
        "--base-url",
        "https://go.example",
    )
    assert out.startswith("created: https://go.example/l/")
    assert run(
        "links",
        "create",
        "https://shop.example/spring",
        "--network",
        "linkedin",
        "--post",
        "P1",
        "--db",
        db,
    ).startswith("exists:")
    (link,) = json.loads(run("links", "list", "--json", "--db", db))
    assert (link["utm_campaign"], link["utm_content"], link["network"]) == (
        "launch",
        "P1",
        "linkedin",
    )
    svg = tmp_path / "q.svg"
    run("links", "qr", link["code"], "--out", str(svg), "--db", db)
    assert b"<svg" in svg.read_bytes()
    posts = tmp_path / "posts.csv"
    posts.write_text("post_id,network,target_url\nP2,x,https://shop.example/2\n", encoding="utf-8")
    assert "1 created, 0 existed" in run("links", "bulk", str(posts), "--db", db)
    run("track", "origin-add", "https://www.shop.example/", "--db", db)
    run("track", "goal-add", "thanks", "--url-pattern", "/thanks*", "--value", "5", "--db", db)
    assert "received" in run("track", "counters", "--db", db)


def test_unsafe_target_is_an_error_with_a_next_step(tmp_path: Path) -> None:
    db = str(tmp_path / "c.duckdb")
    run("init", "--db", db)
    result = runner.invoke(app, ["links", "create", "javascript:alert(1)", "--db", db])
    assert result.exit_code == 1
    assert isinstance(result.exception, UnsafeURL)
    assert "refused" in str(result.exception) and result.exception.hint
