"""Imports in the browser (``/w/{ws}/imports``) and over the API (``/api/v1/imports``).

The page works in two steps: the upload is streamed to the workspace's staging directory and
opened (:func:`socialroi.ingest._readers.open_source`, the same detection ``socialroi import``
announces) so the user sees the detected preset and header before confirming; the confirmation
runs :func:`socialroi.ingest.import_file`, the CLI's function: atomic, ``skip_bad_rows``
optional, a re-import adds nothing. The API does both in one request. Uploads are capped
(413), their file names are labels only (reliability.md scenario 14) and any encoding either
imports or fails with a problem list (scenario 13), never a 5xx.
"""

from __future__ import annotations

import csv
import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from socialroi.errors import ConfigError, ImportRejected
from socialroi.ingest import ImportResult, import_file
from socialroi.ingest._readers import open_source
from socialroi.ingest.presets import PRESETS
from socialroi.schema import ENTITIES
from socialroi.web.auth import api_scope, page_scope
from socialroi.web.manage._common import (
    IMPORT_LOCK,
    MAX_LIMIT,
    MAX_OFFSET,
    PAGE_SIZE,
    Upload,
    check_params,
    duck,
    next_link,
    problem,
    problem_responses,
    problem_rows,
    receive_upload,
    upload_dir,
    writing,
)
from socialroi.web.scope import Scope
from socialroi.web.templating import render

__all__ = ["import_history", "router"]

router = APIRouter()

_TOKEN = re.compile(r"^[0-9a-f]{32}$")
#: Rejected rows shown on the page / returned by the API after a ``skip_bad_rows`` import.
SHOWN_REJECTS = 100
#: Staged uploads nobody confirmed are removed after this many seconds.
STAGED_TTL_S = 24 * 3600


def import_history(
    request: Request, scope: Scope, *, limit: int, offset: int, entity: str | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One page of the workspace's ``import_ledger`` (newest first) and the total count."""
    eng = duck(request, scope)
    where = "WHERE workspace_id = ?" + (" AND entity = ?" if entity else "")
    params: list[object] = [scope.workspace_id, *([entity] if entity else [])]
    total = int(eng.run("SELECT count(*) FROM import_ledger " + where, params)[0][0])  # noqa: S608
    rows = eng.run(
        "SELECT entity, file_name, file_sha256, rows_read, rows_inserted, rows_updated, "  # noqa: S608
        "rows_skipped, rows_rejected, imported_at FROM import_ledger "
        + where
        + " ORDER BY imported_at DESC LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    keys = ("entity", "file", "sha256", "rows_read", "inserted", "updated", "skipped", "rejected")
    out = []
    for r in rows:
        item = dict(zip(keys, r[:8], strict=True))
        item["file"] = Path(str(item["file"])).name  # the staged name, never a server path
        item["imported_at"] = r[8].isoformat() if r[8] is not None else None
        out.append(item)
    return out, total


def _entity(name: str) -> str:
    name = name.strip().lower()
    if name not in ENTITIES:
        raise HTTPException(400, f"unknown entity {name[:40]!r}; one of: {', '.join(ENTITIES)}")
    return name


def _preset(name: str, entity: str) -> str | None:
    name = name.strip().lower()
    if not name:
        return None
    p = PRESETS.get(name)
    if p is None or p.entity != entity:
        fitting = sorted(q.name for q in PRESETS.values() if q.entity == entity)
        raise HTTPException(
            400, f"no preset {name[:40]!r} for {entity}; presets: {', '.join(fitting) or 'none'}"
        )
    return name


def _named(upload: Upload, entity: str) -> Path:
    """The staged file renamed ``<entity><suffix>``: the name the import ledger records."""
    suffix = upload.path.name.removeprefix("upload")
    return upload.path.rename(upload.path.with_name(entity + suffix))


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


def _result_json(r: ImportResult, name: str, rejects: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "entity": r.entity,
        "file": name,
        "rows_read": r.rows_read,
        "inserted": r.inserted,
        "updated": r.updated,
        "skipped": r.skipped,
        "rejected": r.rejected,
        "preset": r.preset,
        "detected": r.detected,
        "seconds": round(r.seconds, 3),
        "seen_before": r.seen_before.isoformat() if r.seen_before else None,
        "rejects": rejects,
    }


def _read_rejects(path: Path | None) -> list[dict[str, str]]:
    if path is None or not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh)
        return [
            {k: (row.get(k) or "") for k in ("line", "column", "value", "expected", "code")}
            for _, row in zip(range(SHOWN_REJECTS), rows, strict=False)
        ]


def _run_import(
    request: Request, scope: Scope, path: Path, name: str, entity: str, preset: str | None,
    skip: bool,
) -> dict[str, Any]:  # fmt: skip
    """Import the staged file; the result as JSON, or ``{"problems": [...]}`` when rejected."""
    report = path.with_name("rejects.csv")
    try:
        with writing(request, scope, lock=IMPORT_LOCK) as eng:
            result = import_file(
                eng,
                scope.workspace_id,
                entity,
                path,
                skip_bad_rows=skip,
                reject_report=report,
                preset=preset,
            )
    except ImportRejected as exc:
        return {
            "rejected_file": True,
            "detail": str(exc).split("\n", 1)[0],
            "hint": exc.hint,
            "total": exc.total,
            "problems": problem_rows(exc.problems, name),
        }
    except ConfigError as exc:
        return {"rejected_file": True, "detail": str(exc), "hint": exc.hint, "problems": []}
    return _result_json(result, name, _read_rejects(result.reject_report))


def _sweep(base: Path) -> None:
    """Forget staged uploads older than :data:`STAGED_TTL_S`."""
    if not base.is_dir():
        return
    cutoff = time.time() - STAGED_TTL_S
    for d in base.iterdir():
        if d.is_dir() and d.stat().st_mtime < cutoff:
            shutil.rmtree(d, ignore_errors=True)


# -- pages ---------------------------------------------------------------------------------


def _page(
    request: Request,
    scope: Scope,
    *,
    offset: int = 0,
    status: int = 200,
    errors: list[str] | None = None,
    staged: dict[str, Any] | None = None,
) -> Response:
    history, total = import_history(request, scope, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "manage_imports.html",
        {
            "scope": scope,
            "entities": list(ENTITIES),
            "presets": sorted(PRESETS.values(), key=lambda p: (p.entity, p.name)),
            "history": history,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "errors": errors or [],
            "staged": staged,
        },
        status=status,
    )


@router.get("/w/{workspace}/imports", include_in_schema=False)
def imports_page(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    return _page(request, scope, offset=offset)


@router.post("/w/{workspace}/imports", include_in_schema=False)
async def imports_upload_form(
    request: Request, scope: Annotated[Scope, Depends(page_scope)]
) -> Response:
    """Step 1: stage the upload and say how it will be read."""
    scope.require("analyst")
    base = upload_dir(request, scope)
    await run_in_threadpool(_sweep, base)
    token = secrets.token_hex(16)
    dest = base / token
    try:
        upload = await receive_upload(request, dest, "upload")
        entity = _entity(upload.fields.get("entity", ""))
        preset = _preset(upload.fields.get("preset", ""), entity)
    except HTTPException as exc:
        await run_in_threadpool(shutil.rmtree, dest, True)
        return await run_in_threadpool(
            _page, request, scope, status=exc.status_code, errors=[str(exc.detail)]
        )
    path = _named(upload, entity)
    meta: dict[str, Any] = {
        "name": upload.name,
        "file": "",
        "size": upload.size,
        "entity": entity,
        "preset": preset,
        "skip_bad_rows": _truthy(upload.fields.get("skip_bad_rows")),
    }
    meta["file"] = path.name
    try:
        src = await run_in_threadpool(open_source, path, entity=entity, preset=preset)
        meta["detected"] = src.preset.name if src.preset is not None else None
        meta["label"] = src.preset.label if src.preset is not None else None
        meta["format"] = src.format
        meta["encoding"] = src.encoding
        meta["columns"] = src.raw_columns[:60]
    except ImportRejected as exc:
        meta["result"] = {
            "rejected_file": True,
            "detail": str(exc).split("\n", 1)[0],
            "hint": exc.hint,
            "problems": problem_rows(exc.problems, upload.name),
        }
        path.unlink(missing_ok=True)
    except ConfigError as exc:
        meta["result"] = {"rejected_file": True, "detail": str(exc), "hint": exc.hint}
        path.unlink(missing_ok=True)
    (dest / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return RedirectResponse(
        request.url_for("imports_staged", workspace=scope.workspace_id, token=token),
        status_code=303,
    )


def _staged(request: Request, scope: Scope, token: str) -> tuple[Path, dict[str, Any]]:
    d = upload_dir(request, scope) / token
    if not _TOKEN.match(token) or not (d / "meta.json").is_file():
        raise HTTPException(404, "no such upload in this workspace")
    meta: dict[str, Any] = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    return d, meta


@router.get("/w/{workspace}/imports/{token}", include_in_schema=False)
def imports_staged(
    request: Request, scope: Annotated[Scope, Depends(page_scope)], token: str
) -> Response:
    """The staged upload: the detected preset and a confirmation form, or the import's result."""
    _, meta = _staged(request, scope, token)
    return _page(request, scope, staged={**meta, "token": token})


@router.post("/w/{workspace}/imports/{token}", include_in_schema=False)
def imports_confirm_form(
    request: Request, scope: Annotated[Scope, Depends(page_scope)], token: str
) -> Response:
    """Step 2: run the import of the staged file (once)."""
    scope.require("analyst")
    d, meta = _staged(request, scope, token)
    path = d / str(meta.get("file", ""))
    if "result" not in meta and path.is_file():
        meta["result"] = _run_import(
            request,
            scope,
            path,
            str(meta["name"]),
            str(meta["entity"]),
            meta.get("preset"),
            bool(meta.get("skip_bad_rows")),
        )
        path.unlink(missing_ok=True)
        (d / "rejects.csv").unlink(missing_ok=True)
        (d / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return RedirectResponse(
        request.url_for("imports_staged", workspace=scope.workspace_id, token=token),
        status_code=303,
    )


# -- API -------------------------------------------------------------------------------------


@router.post(
    "/api/v1/imports",
    tags=["imports"],
    status_code=201,
    responses=problem_responses(400, 401, 403, 404, 413, 415),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "entity"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "entity": {"type": "string", "enum": list(ENTITIES)},
                            "preset": {"type": "string"},
                            "skip_bad_rows": {"type": "boolean"},
                        },
                    }
                }
            },
        }
    },
)
async def api_import(request: Request, scope: Annotated[Scope, Depends(api_scope)]) -> Response:
    """Import one file into an entity (multipart: ``file``, ``entity``, ``preset``,
    ``skip_bad_rows``). 201 with the counts; 400 with the problems by line and column when
    the file is rejected (nothing is written)."""
    scope.require("analyst")
    dest = upload_dir(request, scope) / ("api-" + secrets.token_hex(16))
    try:
        upload = await receive_upload(request, dest, "upload")
        entity = _entity(upload.fields.get("entity", ""))
        preset = _preset(upload.fields.get("preset", ""), entity)
        out = await run_in_threadpool(
            _run_import,
            request,
            scope,
            _named(upload, entity),
            upload.name,
            entity,
            preset,
            _truthy(upload.fields.get("skip_bad_rows")),
        )
    finally:
        await run_in_threadpool(shutil.rmtree, dest, True)
    if out.get("rejected_file"):
        detail = str(out["detail"]) + (f"; {out['hint']}" if out.get("hint") else "")
        return problem(request, 400, "Import rejected", detail, list(out.get("problems", [])))
    return JSONResponse(out, status_code=201)


@router.get("/api/v1/imports", tags=["imports"], responses=problem_responses(400, 401, 404))
def api_imports(
    request: Request,
    scope: Annotated[Scope, Depends(api_scope)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    entity: str | None = None,
) -> dict[str, Any]:
    """The workspace's import history (newest first), one page."""
    check_params(request, {"limit", "offset", "entity", "workspace"})
    if entity is not None and entity not in ENTITIES:
        raise HTTPException(400, f"entity must be one of {', '.join(ENTITIES)}")
    items, total = import_history(request, scope, limit=limit, offset=offset, entity=entity)
    return {
        "items": items,
        "total": total,
        "limit": limit,
        "offset": offset,
        "next": next_link(request, offset, limit, total),
    }
