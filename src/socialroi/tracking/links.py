"""Tracked short links: one per post and network, tagged by the workspace's UTM templates.

A link's UTM tags come from, in order of precedence: values given when creating it, the
workspace's template for the network, its ``*`` template, then the default naming rule
(``utm_source={network}``, ``utm_medium=social``, ``utm_campaign={campaign}``,
``utm_content={post}``: the post id, so each post's traffic stays apart). Template values may
use ``{network}``, ``{campaign}`` and ``{post}``.

The redirector (:func:`resolve`, :func:`redirect_location`) looks a code up across workspaces
(codes are globally unique: the short URL carries no workspace), re-checks the target with
:func:`~socialroi.tracking.urls.check_target` and builds the ``Location``.
"""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import string
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import segno

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, ImportProblem, ImportRejected
from socialroi.schema import NETWORK_ALIASES, NETWORKS
from socialroi.tracking.urls import UnsafeURL, check_target, merge_query

__all__ = [
    "CLICK_PARAM",
    "LINK_SORTS",
    "UTM_FIELDS",
    "Link",
    "bulk_create",
    "count_links",
    "create_link",
    "link_by_code",
    "link_counts",
    "list_links",
    "qr_code",
    "redirect_location",
    "set_utm_template",
    "utm_templates",
]

UTM_FIELDS: tuple[str, ...] = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
)
#: The query parameter carrying the click id to the landing page (read by ``/t.js``).
CLICK_PARAM = "sr_cid"
_DEFAULT_TEMPLATE = {
    "utm_source": "{network}",
    "utm_medium": "social",
    "utm_campaign": "{campaign}",
    "utm_content": "{post}",
    "utm_term": None,
}
_CODE_ALPHABET = string.ascii_letters + string.digits
_CODE_CHARS = frozenset(_CODE_ALPHABET + "-_")


@dataclass(frozen=True, slots=True)
class Link:
    """A tracked link (grain: one per code); ``created`` is False when it already existed."""

    workspace_id: str
    code: str
    target_url: str
    network: str | None
    post_id: str | None
    utm: dict[str, str | None]
    forward_params: bool
    created_at: dt.datetime
    created: bool = True


def _network(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip().lower()
    v = NETWORK_ALIASES.get(v, v)
    if v not in NETWORKS:
        raise ConfigError(f"unknown network {value!r}", hint="use one of: " + ", ".join(NETWORKS))
    return v


def _template(eng: DuckDBEngine, ws: str, network: str | None) -> dict[str, str | None]:
    rows = eng.run(
        "SELECT network, utm_source, utm_medium, utm_campaign, utm_content, utm_term "
        "FROM utm_templates WHERE workspace_id = ? AND network IN (?, '*') "
        "ORDER BY network = '*'",
        [ws, network or "*"],
    )
    if not rows:
        return dict(_DEFAULT_TEMPLATE)
    return dict(zip(UTM_FIELDS, rows[0][1:], strict=True))


def set_utm_template(
    eng: DuckDBEngine, workspace_id: str, network: str, values: dict[str, str | None]
) -> None:
    """Save the UTM template of ``network`` (``*``: every network without its own)."""
    net = "*" if network == "*" else _network(network)
    unknown = set(values) - set(UTM_FIELDS)
    if unknown:
        raise ConfigError(
            f"unknown UTM fields {sorted(unknown)}", hint="use " + ", ".join(UTM_FIELDS)
        )
    eng.workspace(workspace_id)
    with eng.transaction():
        eng.run(
            "DELETE FROM utm_templates WHERE workspace_id = ? AND network = ?", [workspace_id, net]
        )
        eng.run(
            "INSERT INTO utm_templates VALUES (?, ?, ?, ?, ?, ?, ?)",
            [workspace_id, net, *(values.get(f) for f in UTM_FIELDS)],
        )


def utm_templates(eng: DuckDBEngine, workspace_id: str) -> dict[str, dict[str, str | None]]:
    """The workspace's saved templates by network (``*`` first), plus the default naming rule
    under ``""`` for what applies when none is saved."""
    rows = eng.run(
        "SELECT network, utm_source, utm_medium, utm_campaign, utm_content, utm_term "
        "FROM utm_templates WHERE workspace_id = ? ORDER BY network <> '*', network",
        [workspace_id],
    )
    out = {"": dict(_DEFAULT_TEMPLATE)}
    for r in rows:
        out[str(r[0])] = dict(zip(UTM_FIELDS, r[1:], strict=True))
    return out


def _fill(
    value: str | None, network: str | None, campaign: str | None, post: str | None
) -> str | None:
    if value is None:
        return None
    out = value
    for name, v in (("{network}", network), ("{campaign}", campaign), ("{post}", post)):
        out = out.replace(name, v or "")
    return out or None


def _new_code(eng: DuckDBEngine, length: int = 7) -> str:
    while True:
        code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(length))
        if not eng.run("SELECT 1 FROM links WHERE code = ?", [code]):
            return code


def create_link(
    eng: DuckDBEngine,
    workspace_id: str,
    target_url: str,
    *,
    network: str | None = None,
    campaign: str | None = None,
    post_id: str | None = None,
    code: str | None = None,
    utm: Mapping[str, str | None] | None = None,
    forward_params: bool = True,
    now: dt.datetime | None = None,
    template: str | None = None,
) -> Link:
    """Create a tracked link (or return the post's existing link on that network).

    ``template`` names the saved UTM template to use (a network or ``*``) instead of the
    link's network's own.

    Raises :class:`~socialroi.tracking.urls.UnsafeURL` for a target that is not an absolute
    http(s) URL, and ``ConfigError`` for a taken code or an unknown network.
    """
    check_target(target_url)
    eng.workspace(workspace_id)
    net = _network(network)
    if post_id is not None:
        existing = eng.run(
            "SELECT l.code FROM links l JOIN link_options o ON l.workspace_id = o.workspace_id "
            "AND l.code = o.code WHERE l.workspace_id = ? AND l.post_id = ? "
            "AND o.network IS NOT DISTINCT FROM ?",
            [workspace_id, post_id, net],
        )
        if existing:
            found = link_by_code(eng, existing[0][0])
            if found is not None:
                return _replace_created(found)
    if code is None:
        code = _new_code(eng)
    elif not (1 <= len(code) <= 64 and set(code) <= _CODE_CHARS):
        raise ConfigError(f"code {code!r} is not 1-64 letters, digits, - or _", hint="pick another")
    elif eng.run("SELECT 1 FROM links WHERE code = ?", [code]):
        raise ConfigError(f"code {code!r} is taken", hint="pick another code or leave it out")
    if template is not None and template != "*":
        template = _network(template)
    chosen = _template(eng, workspace_id, template or net)
    values = {f: _fill(chosen.get(f), net, campaign, post_id) for f in UTM_FIELDS}
    for f, v in (utm or {}).items():
        if f not in UTM_FIELDS:
            raise ConfigError(f"unknown UTM field {f!r}", hint="use " + ", ".join(UTM_FIELDS))
        values[f] = v
    created_at = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(tzinfo=None)
    with eng.transaction():
        eng.run(
            "INSERT INTO links (workspace_id, code, target_url, utm_source, utm_medium, "
            "utm_campaign, utm_content, utm_term, post_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [workspace_id, code, target_url, *(values[f] for f in UTM_FIELDS), post_id, created_at],
        )
        eng.run(
            "INSERT INTO link_options VALUES (?, ?, ?, ?)",
            [workspace_id, code, net, forward_params],
        )
    return Link(workspace_id, code, target_url, net, post_id, values, forward_params, created_at)


def _replace_created(link: Link) -> Link:
    return Link(
        link.workspace_id,
        link.code,
        link.target_url,
        link.network,
        link.post_id,
        link.utm,
        link.forward_params,
        link.created_at,
        created=False,
    )


_LINK_SELECT = (
    "SELECT l.workspace_id, l.code, l.target_url, l.network_, l.post_id, l.utm_source, "
    "l.utm_medium, l.utm_campaign, l.utm_content, l.utm_term, l.forward_params, l.created_at "
    "FROM (SELECT l.*, o.network AS network_, coalesce(o.forward_params, true) AS forward_params "
    "FROM links l LEFT JOIN link_options o "
    "ON l.workspace_id = o.workspace_id AND l.code = o.code) l "
)


def _link(row: Sequence[object]) -> Link:
    ws, code, target, net, post, *utm, forward, created = row
    return Link(
        str(ws),
        str(code),
        str(target),
        net if isinstance(net, str) else None,
        post if isinstance(post, str) else None,
        {f: (v if isinstance(v, str) else None) for f, v in zip(UTM_FIELDS, utm, strict=True)},
        bool(forward),
        created if isinstance(created, dt.datetime) else dt.datetime.min,
    )


def link_by_code(eng: DuckDBEngine, code: str) -> Link | None:
    """The link with ``code`` in any workspace (the redirector's lookup), or None."""
    if not (1 <= len(code) <= 64 and set(code) <= _CODE_CHARS):
        return None
    rows = eng.run(_LINK_SELECT + "WHERE l.code = ? ORDER BY l.created_at LIMIT 1", [code])
    return _link(rows[0]) if rows else None


#: The orders :func:`list_links` offers (API ``sort``), each a fixed SQL clause.
LINK_SORTS: dict[str, str] = {
    "-created_at": "l.created_at DESC, l.code",
    "created_at": "l.created_at, l.code",
    "code": "l.code",
    "-code": "l.code DESC",
}


def list_links(
    eng: DuckDBEngine,
    workspace_id: str,
    *,
    limit: int | None = None,
    offset: int = 0,
    sort: str = "-created_at",
    network: str | None = None,
) -> list[Link]:
    """The workspace's links, newest first (``sort``: a key of :data:`LINK_SORTS`),
    optionally of one ``network``; ``limit``/``offset``: one page of them."""
    eng.workspace(workspace_id)
    order = LINK_SORTS.get(sort)
    if order is None:
        raise ConfigError(f"unknown sort {sort!r}", hint="use one of " + ", ".join(LINK_SORTS))
    params: list[object] = [workspace_id]
    where = "WHERE l.workspace_id = ?"
    if network is not None:
        where += " AND l.network_ = ?"
        params.append(_network(network))
    page = ""
    if limit is not None:
        page = " LIMIT ? OFFSET ?"
        params += [max(limit, 0), max(offset, 0)]
    rows = eng.run(_LINK_SELECT + where + " ORDER BY " + order + page, params)
    return [_link(r) for r in rows]


def count_links(eng: DuckDBEngine, workspace_id: str, *, network: str | None = None) -> int:
    """How many links the workspace has (of ``network``, if given)."""
    params: list[object] = [workspace_id]
    where = "WHERE l.workspace_id = ?"
    if network is not None:
        where += " AND l.network_ = ?"
        params.append(_network(network))
    rows = eng.run("SELECT count(*) FROM (" + _LINK_SELECT + where + ")", params)  # noqa: S608
    return int(rows[0][0]) if rows else 0


def link_counts(
    eng: DuckDBEngine, workspace_id: str, codes: Sequence[str]
) -> dict[str, tuple[int, int]]:
    """``code -> (clicks, bot hits)`` of the workspace's links ``codes`` (bots are never
    clicks: they are recorded in ``bot_hits`` instead)."""
    if not codes:
        return {}
    rows = eng.run(
        "SELECT c.code, "
        "(SELECT count(*) FROM clicks k WHERE k.workspace_id = $1 AND k.code = c.code), "
        "(SELECT count(*) FROM bot_hits b WHERE b.workspace_id = $1 AND b.stream = 'clicks' "
        "AND b.code = c.code) FROM unnest($2::VARCHAR[]) c(code)",
        [workspace_id, list(codes)],
    )
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def redirect_location(
    link: Link, short_query: Sequence[tuple[str, str]], click_id: str | None
) -> str:
    """Where ``/l/{code}`` sends the browser.

    The target (checked again: a target stored by any other path is never followed), with the
    short URL's own query parameters when the link forwards them (they cannot replace the
    link's UTM tags or the click id), then the link's UTM tags (replacing same-named ones of the
    target), then ``sr_cid`` = the click id. Existing parameters and the fragment are kept.
    """
    target = check_target(link.target_url)
    reserved = set(UTM_FIELDS) | {CLICK_PARAM}
    if link.forward_params:
        forwarded = [(k, v) for k, v in short_query if k not in reserved]
        target = merge_query(target, forwarded, override=True)
    tags = [(f, v) for f, v in link.utm.items() if v]
    if click_id is not None:
        tags.append((CLICK_PARAM, click_id))
    location = merge_query(target, tags, override=True)
    return check_target(location)


def qr_code(url: str, kind: Literal["svg", "png"] = "svg", *, scale: int = 8) -> bytes:
    """A QR code of ``url`` as SVG or PNG bytes (error correction M, 4-module quiet zone)."""
    import io

    qr = segno.make(url, error="m", micro=False)
    buf = io.BytesIO()
    qr.save(buf, kind=kind, scale=scale, border=4)
    return buf.getvalue()


_BULK_COLUMNS = ("post_id", "network", "target_url")


def bulk_create(
    eng: DuckDBEngine, workspace_id: str, path: Path, *, forward_params: bool = True
) -> list[Link]:
    """One link per row of a CSV of posts: ``post_id``, ``network``, ``target_url`` (required),
    ``campaign`` and ``utm_*`` (optional). Every row is checked first; one bad row rejects the
    file with its line and column and nothing is created."""
    problems: list[ImportProblem] = []
    rows = list(_csv_rows(path))
    header = rows[0][1] if rows else {}
    for col in _BULK_COLUMNS:
        if rows and col not in header:
            problems.append(
                ImportProblem(str(path), 1, col, None, "a column " + col, "missing-column")
            )
    if problems:
        raise ImportRejected(problems, hint="add the missing columns to the header row")
    for line, row in rows:

        def bad(column: str, expected: str, code: str, *, row: dict[str, str] = row,
                line: int = line) -> None:  # fmt: skip
            problems.append(ImportProblem(str(path), line, column, row.get(column), expected, code))

        try:
            check_target(row.get("target_url") or "")
        except UnsafeURL:
            bad("target_url", "an absolute http(s) URL", "bad-url")
        try:
            _network(row.get("network") or "")
        except ConfigError:
            bad("network", "one of " + ", ".join(NETWORKS), "bad-network")
        if not (row.get("post_id") or "").strip():
            bad("post_id", "a post id", "missing-value")
    if problems:
        raise ImportRejected(problems, hint="fix the rows named above and run the command again")
    out = []
    for _line, row in rows:
        utm = {f: row[f] for f in UTM_FIELDS if row.get(f)}
        out.append(
            create_link(
                eng,
                workspace_id,
                row["target_url"],
                network=row["network"],
                campaign=row.get("campaign") or None,
                post_id=row["post_id"].strip(),
                utm=utm,
                forward_params=forward_params,
            )
        )
    return out


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        f = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}", hint="check the path") from exc
    with f:
        reader = csv.DictReader(f)
        if reader.fieldnames is not None:
            reader.fieldnames = [n.strip().lower() for n in reader.fieldnames]
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}
