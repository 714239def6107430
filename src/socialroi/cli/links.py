"""``socialroi links …`` (tracked links), ``socialroi track …`` (collector settings) and
``socialroi serve``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from socialroi.cli._app import DEFAULT_WORKSPACE, DbOption, WorkspaceOption, app, open_writer
from socialroi.engine import default_db
from socialroi.errors import ConfigError
from socialroi.tracking import (
    add_goal,
    add_origin,
    bulk_create,
    counters,
    create_link,
    link_by_code,
    list_links,
    qr_code,
    set_utm_template,
)
from socialroi.tracking.links import UTM_FIELDS, Link

console = Console(highlight=False, soft_wrap=True)

links_app = typer.Typer(
    help="Tracked short links: create, bulk-create, list, QR codes.", no_args_is_help=True
)
track_app = typer.Typer(
    help="Collector settings: allowed origins, goals, UTM templates, counters.",
    no_args_is_help=True,
)
app.add_typer(links_app, name="links")
app.add_typer(track_app, name="track")

BaseUrlOption = Annotated[
    str,
    typer.Option(
        "--base-url",
        envvar="SOCIALROI_BASE_URL",
        help="public URL of `socialroi serve`, for printing short URLs",
    ),
]


def _short(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/l/{code}"


def _print_links(links: list[Link], base_url: str) -> None:
    table = Table("code", "short URL", "network", "post", "campaign", "target")
    for link in links:
        table.add_row(
            link.code,
            _short(base_url, link.code),
            link.network or "",
            link.post_id or "",
            link.utm.get("utm_campaign") or "",
            link.target_url,
        )
    console.print(table)


@links_app.command("create")
def links_create(
    url: Annotated[str, typer.Argument(help="target URL (http:// or https:// only)")],
    network: Annotated[str | None, typer.Option(help="network the link is posted on")] = None,
    campaign: Annotated[str | None, typer.Option(help="campaign name (utm_campaign)")] = None,
    post: Annotated[str | None, typer.Option("--post", help="post id (utm_content)")] = None,
    code: Annotated[str | None, typer.Option(help="short code [default: random]")] = None,
    utm: Annotated[list[str] | None, typer.Option(help="override a tag: utm_term=shoes")] = None,
    no_forward: Annotated[
        bool,
        typer.Option("--no-forward", help="do not forward the short URL's own query parameters"),
    ] = False,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    base_url: BaseUrlOption = "http://localhost:8000",
) -> None:
    """Create a tracked link (one per post and network: an existing one is shown)."""
    overrides: dict[str, str | None] = {}
    for item in utm or []:
        key, sep, value = item.partition("=")
        if not sep or key not in UTM_FIELDS:
            raise typer.BadParameter(f"{item!r} is not utm_xxx=value", param_hint="--utm")
        overrides[key] = value or None
    with open_writer(db) as eng:
        link = create_link(
            eng,
            workspace,
            url,
            network=network,
            campaign=campaign,
            post_id=post,
            code=code,
            utm=overrides,
            forward_params=not no_forward,
        )
    state = "created" if link.created else "exists"
    console.print(f"{state}: {_short(base_url, link.code)} -> {link.target_url}")


@links_app.command("bulk")
def links_bulk(
    csv_file: Annotated[
        Path, typer.Argument(help="CSV with post_id, network, target_url [, campaign, utm_*]")
    ],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    base_url: BaseUrlOption = "http://localhost:8000",
) -> None:
    """Create one link per post in a CSV (all rows are checked first)."""
    with open_writer(db) as eng:
        links = bulk_create(eng, workspace, csv_file)
    _print_links(links, base_url)
    console.print(
        f"{sum(lk.created for lk in links)} created, {sum(not lk.created for lk in links)} existed"
    )


@links_app.command("list")
def links_list(
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
    base_url: BaseUrlOption = "http://localhost:8000",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List the workspace's links, newest first."""
    with open_writer(db) as eng:
        links = list_links(eng, workspace)
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "code": lk.code,
                        "short_url": _short(base_url, lk.code),
                        "target_url": lk.target_url,
                        "network": lk.network,
                        "post_id": lk.post_id,
                        **lk.utm,
                    }
                    for lk in links
                ],
                indent=2,
            )
        )
    else:
        _print_links(links, base_url)


@links_app.command("qr")
def links_qr(
    code: Annotated[str, typer.Argument(help="the link's code")],
    out: Annotated[Path, typer.Option("--out", help="file to write, .svg or .png")],
    db: DbOption = None,
    base_url: BaseUrlOption = "http://localhost:8000",
) -> None:
    """Write the QR code of a link's short URL as SVG or PNG."""
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("svg", "png"):
        raise typer.BadParameter("the file must end in .svg or .png", param_hint="--out")
    with open_writer(db) as eng:
        link = link_by_code(eng, code)
    if link is None:
        raise ConfigError(f"no link {code!r}", hint="see `socialroi links list`")
    out.write_bytes(qr_code(_short(base_url, link.code), "svg" if kind == "svg" else "png"))
    console.print(f"wrote {out}")


@track_app.command("origin-add")
def origin_add(
    origin: Annotated[str, typer.Argument(help="e.g. https://www.example.com")],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Allow pages on ORIGIN to send events (browsers send an Origin header)."""
    with open_writer(db) as eng:
        value = add_origin(eng, workspace, origin)
    console.print(f"allowed {value} for workspace {workspace}")


@track_app.command("goal-add")
def goal_add(
    name: Annotated[str, typer.Argument(help="goal name")],
    event: Annotated[str | None, typer.Option(help="an event name that reaches the goal")] = None,
    url_pattern: Annotated[str | None, typer.Option(help="a page path glob, e.g. /thanks*")] = None,
    value: Annotated[float | None, typer.Option(help="value of one conversion")] = None,
    lead: Annotated[bool, typer.Option("--lead", help="the goal counts as a lead")] = False,
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Declare a website goal (an event name or a URL pattern)."""
    with open_writer(db) as eng:
        goal = add_goal(
            eng, workspace, name, event=event, url_pattern=url_pattern, value=value, is_lead=lead
        )
    console.print(f"goal {goal.name}: {goal.event or goal.url_pattern}")


@track_app.command("utm-template")
def utm_template(
    network: Annotated[str, typer.Argument(help="a network, or * for every network")],
    utm: Annotated[
        list[str], typer.Option(help="utm_xxx=value; may use {network}, {campaign}, {post}")
    ],
    db: DbOption = None,
    workspace: WorkspaceOption = DEFAULT_WORKSPACE,
) -> None:
    """Save the UTM naming rule of a network."""
    values: dict[str, str | None] = {}
    for item in utm:
        key, sep, val = item.partition("=")
        if not sep or key not in UTM_FIELDS:
            raise typer.BadParameter(f"{item!r} is not utm_xxx=value", param_hint="--utm")
        values[key] = val or None
    with open_writer(db) as eng:
        set_utm_template(eng, workspace, network, values)
    console.print(f"template saved for {network}")


@track_app.command("counters")
def track_counters(
    db: DbOption = None,
    workspace: Annotated[str | None, typer.Option("--workspace", "-w")] = None,
) -> None:
    """Collector counters: received = stored + failed + filtered (bots, duplicates)."""
    with open_writer(db) as eng:
        rows = counters(eng, workspace)
    table = Table("workspace", "stream", "received", "stored", "failed", "bots", "duplicates")
    for r in rows:
        table.add_row(
            r["workspace_id"] or "(unknown)",
            r["stream"],
            *(
                str(r[k])
                for k in ("received", "stored", "failed", "filtered_bot", "filtered_duplicate")
            ),
        )
    console.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    db: DbOption = None,
    spool: Annotated[
        Path | None, typer.Option(help="spool directory [default: <db>.spool]")
    ] = None,
    trust_forwarded: Annotated[
        bool, typer.Option("--trust-forwarded", help="read the client address from X-Forwarded-For")
    ] = False,
    country_header: Annotated[
        str | None, typer.Option(help="header with the visitor's country, e.g. CF-IPCountry")
    ] = None,
    admin_token: Annotated[
        str | None,
        typer.Option(envvar="SOCIALROI_ADMIN_TOKEN", help="bearer token for /api/counters"),
    ] = None,
    max_spool_mb: Annotated[int, typer.Option(help="backlog cap before answering 429")] = 256,
    insecure_loopback_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-loopback-cookies",
            help="session cookie without Secure, only for plain http to 127.0.0.1/localhost "
            "(local trials and tests)",
        ),
    ] = False,
    no_warmup: Annotated[
        bool,
        typer.Option("--no-warmup", help="do not compute the dashboard's default-period pages "
                     "after start-up and after each data change (docs/web.md)"),
    ] = False,
    max_stale: Annotated[
        float,
        typer.Option(help="seconds a cached page may lag behind live tracked events before "
                     "it is recomputed in the background"),
    ] = 60.0,
    compute_wait: Annotated[
        float,
        typer.Option(help="seconds a request waits for a page being computed before a 503 "
                     "with Retry-After"),
    ] = 20.0,
) -> None:
    """Run the redirector, collector and API in one process (DuckDB has one writer)."""
    from socialroi.web import Settings, create_app
    from socialroi.web.app import serve as run_server

    settings = Settings(
        db=Path(db or default_db()),
        spool_dir=spool,
        trust_forwarded=trust_forwarded,
        country_header=country_header,
        admin_token=admin_token,
        max_spool_bytes=max_spool_mb * 2**20,
        insecure_loopback_cookies=insecure_loopback_cookies,
        warmup=not no_warmup,
        cache_max_stale_s=max_stale,
        compute_wait_s=compute_wait,
    )
    # the web process's own lines (the warm-up, the writer's errors) on stderr
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    web_log = logging.getLogger("socialroi")
    web_log.addHandler(handler)
    web_log.setLevel(logging.INFO)
    console.print(
        f"socialroi on http://{host}:{port} (database {settings.db}, spool {settings.spool_path})"
    )
    # uvicorn tuned for the collector, without an access log (socialroi.web.app.serve)
    run_server(create_app(settings), host=host, port=port, timeout_graceful_shutdown=30)
