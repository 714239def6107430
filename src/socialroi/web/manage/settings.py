"""The workspace's settings page (``/w/{ws}/settings``, admins only).

Currency and time zone (ISO 4217, IANA; changing either recomputes every ``<amount>_base``),
office hours for the business-hours response time (:func:`save_business_hours`), rows of the
canonical ``costs``, ``staff_hours`` (hourly rates) and ``goals`` entities (entered as a one-row
file through :func:`socialroi.ingest.import_file`, so they are validated, converted and
deduplicated exactly like an import), website goals and the collector's origin allowlist.
"""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import shutil
import zoneinfo
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from socialroi.engine import DuckDBEngine
from socialroi.errors import ConfigError, ImportRejected
from socialroi.ingest import import_file, recompute_money
from socialroi.metrics.response import BusinessHours, load_business_hours, save_business_hours
from socialroi.schema import ENTITIES
from socialroi.tracking import add_goal, add_origin, goals, origins, remove_origin
from socialroi.web.auth import page_scope
from socialroi.web.manage._common import (
    IMPORT_LOCK,
    duck,
    messages,
    problem_rows,
    upload_dir,
    writing,
)
from socialroi.web.scope import Scope
from socialroi.web.templating import render

__all__ = ["CURRENCIES", "ROW_ENTITIES", "router", "update_workspace"]

router = APIRouter()

#: Active ISO 4217 currency codes (funds, metals and test codes left out).
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD
    FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES
    KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
    MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
    RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY
    TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()
)
#: The canonical entities whose rows are entered on this page.
ROW_ENTITIES = ("costs", "staff_hours", "goals")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_RECENT = 20


def update_workspace(eng: DuckDBEngine, workspace_id: str, currency: str, timezone: str) -> bool:
    """Set the base currency and time zone; True when either changed (then every money column
    is converted again: the base currency and the day of a timestamp both decide the rate)."""
    code = currency.strip().upper()
    if code not in CURRENCIES:
        raise ConfigError(f"{currency[:10]!r} is not an ISO 4217 currency", hint="e.g. EUR, USD")
    zone = timezone.strip()
    if zone not in zoneinfo.available_timezones():
        raise ConfigError(
            f"{timezone[:60]!r} is not an IANA time zone", hint="e.g. Europe/Berlin, UTC"
        )
    ws = eng.workspace(workspace_id)
    if (ws.currency, ws.timezone) == (code, zone):
        return False
    with eng.transaction():
        eng.run(
            "UPDATE workspaces SET currency = ?, timezone = ? WHERE workspace_id = ?",
            [code, zone, workspace_id],
        )
        recompute_money(eng, eng.workspace(workspace_id))
    return True


def _recent(eng: DuckDBEngine, ws: str) -> dict[str, list[dict[str, Any]]]:
    """The latest rows of each entity entered here (newest first)."""
    order = {"costs": "date DESC", "staff_hours": "date DESC", "goals": "period_start DESC"}
    out: dict[str, list[dict[str, Any]]] = {}
    for name in ROW_ENTITIES:
        cols = [c.name for c in ENTITIES[name].columns]
        rows = eng.run(
            f"SELECT {', '.join(cols)} FROM {name} WHERE workspace_id = ? "  # noqa: S608
            f"ORDER BY {order[name]} LIMIT {_RECENT}",
            [ws],
        )
        out[name] = [dict(zip(cols, r, strict=True)) for r in rows]
    return out


def _page(
    request: Request,
    scope: Scope,
    *,
    status: int = 200,
    errors: list[str] | None = None,
    problems: list[dict[str, Any]] | None = None,
) -> Response:
    eng = duck(request, scope)
    ws = scope.workspace_id
    hours = load_business_hours(eng, ws)
    return render(
        request,
        "manage_settings.html",
        {
            "scope": scope,
            "ws": eng.workspace(ws),
            "currencies": sorted(CURRENCIES),
            "hours": hours,
            "days": list(enumerate(_DAYS)),
            "entities": {name: ENTITIES[name] for name in ROW_ENTITIES},
            "recent": _recent(eng, ws),
            "goals": goals(eng, ws),
            "origins": sorted(origins(eng).get(ws, frozenset())),
            **messages(request, errors, problems),
        },
        status=status,
    )


def _done(request: Request, scope: Scope, notice: str) -> Response:
    return RedirectResponse(
        request.url_for("settings_page", workspace=scope.workspace_id).include_query_params(
            notice=notice
        ),
        status_code=303,
    )


def _error(request: Request, scope: Scope, exc: ConfigError) -> Response:
    return _page(
        request, scope, status=400, errors=[str(exc) + (f" ({exc.hint})" if exc.hint else "")]
    )


@router.get("/w/{workspace}/settings", include_in_schema=False)
def settings_page(request: Request, scope: Annotated[Scope, Depends(page_scope)]) -> Response:
    scope.require("admin")
    return _page(request, scope)


@router.post("/w/{workspace}/settings/workspace", include_in_schema=False)
def settings_workspace(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    currency: Annotated[str, Form(max_length=10)],
    timezone: Annotated[str, Form(max_length=64)],
) -> Response:
    scope.require("admin")
    try:
        with writing(request, scope, lock=IMPORT_LOCK) as eng:
            changed = update_workspace(eng, scope.workspace_id, currency, timezone)
    except ConfigError as exc:
        return _error(request, scope, exc)
    return _done(request, scope, "currency and time zone saved" if changed else "nothing changed")


def _hhmm(value: str, what: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(
            f"{what} {value[:10]!r} is not a time", hint="use HH:MM, e.g. 09:00"
        ) from None


@router.post("/w/{workspace}/settings/business-hours", include_in_schema=False)
async def settings_business_hours(
    request: Request, scope: Annotated[Scope, Depends(page_scope)]
) -> Response:
    scope.require("admin")
    form = await request.form(max_files=0, max_fields=20)
    days = tuple(sorted({int(str(d)) for d in form.getlist("days") if str(d).isdigit()}))
    fields = {k: str(form.get(k, "")).strip()[:64] for k in ("start", "end", "timezone")}
    return await run_in_threadpool(_save_hours, request, scope, fields, days)


def _save_hours(
    request: Request, scope: Scope, fields: dict[str, str], days: tuple[int, ...]
) -> Response:
    try:
        zone = fields["timezone"] or None
        if zone is not None and zone not in zoneinfo.available_timezones():
            raise ConfigError(f"{zone[:60]!r} is not an IANA time zone", hint="e.g. Europe/Berlin")
        hours = BusinessHours(
            _hhmm(fields["start"], "start"), _hhmm(fields["end"], "end"), days, zone
        )
        if not days:
            raise ConfigError("no business day chosen", hint="tick at least one day")
        with writing(request, scope) as eng:
            save_business_hours(eng, scope.workspace_id, hours)
    except ConfigError as exc:
        return _error(request, scope, exc)
    return _done(request, scope, "business hours saved")


@router.post("/w/{workspace}/settings/rows/{entity}", include_in_schema=False)
async def settings_add_row(
    request: Request, scope: Annotated[Scope, Depends(page_scope)], entity: str
) -> Response:
    """One row of ``costs``, ``staff_hours`` or ``goals``, imported like a file of one row."""
    scope.require("admin")
    if entity not in ROW_ENTITIES:
        raise HTTPException(404, f"rows of {entity[:40]!r} are not entered here")
    form = await request.form(max_files=0, max_fields=40)
    values = {c.name: str(form.get(c.name, "")).strip()[:2000] for c in ENTITIES[entity].columns}
    return await run_in_threadpool(_add_row, request, scope, entity, values)


def _add_row(request: Request, scope: Scope, entity: str, values: dict[str, str]) -> Response:
    dest = upload_dir(request, scope) / ("form-" + secrets.token_hex(8))
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{entity}.csv"
    try:
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(list(values))
            w.writerow(list(values.values()))
        with writing(request, scope, lock=IMPORT_LOCK) as eng:
            result = import_file(eng, scope.workspace_id, entity, path)
    except ImportRejected as exc:
        return _page(request, scope, status=400, errors=[f"the {entity} row was not saved"],
                     problems=problem_rows(exc.problems, "form"))  # fmt: skip
    except ConfigError as exc:
        return _error(request, scope, exc)
    finally:
        shutil.rmtree(dest, ignore_errors=True)
    what = "added" if result.inserted else ("updated" if result.updated else "unchanged")
    return _done(request, scope, f"{entity} row {what}")


@router.post("/w/{workspace}/settings/tracking-goals", include_in_schema=False)
def settings_tracking_goal(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    name: Annotated[str, Form(min_length=1, max_length=200)],
    event: Annotated[str, Form(max_length=200)] = "",
    url_pattern: Annotated[str, Form(max_length=500)] = "",
    value: Annotated[str, Form(max_length=40)] = "",
    is_lead: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    scope.require("admin")
    try:
        amount = float(value) if value.strip() else None
    except ValueError:
        return _error(
            request, scope, ConfigError(f"value {value!r} is not a number", hint="e.g. 25")
        )
    try:
        with writing(request, scope) as eng:
            add_goal(
                eng,
                scope.workspace_id,
                name.strip(),
                event=event.strip() or None,
                url_pattern=url_pattern.strip() or None,
                value=amount,
                is_lead=is_lead in ("1", "on", "true"),
            )
    except ConfigError as exc:
        return _error(request, scope, exc)
    return _done(request, scope, f"goal {name.strip()} saved")


@router.post("/w/{workspace}/settings/origins", include_in_schema=False)
def settings_origin(
    request: Request,
    scope: Annotated[Scope, Depends(page_scope)],
    origin: Annotated[str, Form(max_length=300)],
    remove: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    scope.require("admin")
    try:
        with writing(request, scope) as eng:
            if remove:
                remove_origin(eng, scope.workspace_id, origin)
                return _done(request, scope, f"origin {origin.strip()} removed")
            value = add_origin(eng, scope.workspace_id, origin)
    except ConfigError as exc:
        return _error(request, scope, exc)
    return _done(request, scope, f"origin {value} allowed")
