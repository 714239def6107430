"""Identity (visitor → contact) and first touch (``socialroi.metrics.people``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from summary_data import insert, web_event

from socialroi.engine import DuckDBEngine, Engine
from socialroi.ingest import import_file
from socialroi.metrics import customers, first_touch, person_visits, visitor_contacts
from socialroi.metrics.people import identity_conflicts
from socialroi.visits import sessions


def _contact(duck: DuckDBEngine, contact_id: str, created_at: str, **extra: object) -> None:
    insert(duck, "contacts", {"contact_id": contact_id, "created_at": created_at, **extra})


def _links(duck: DuckDBEngine) -> list[tuple[str, str, str]]:
    rows = duck.execute(visitor_contacts(duck.tables("ws")).order_by("visitor_id")).to_pylist()
    return [(r["visitor_id"], r["contact_id"], r["linked_by"]) for r in rows]


def test_identity_precedence_and_conflicts(duck: DuckDBEngine) -> None:
    # va: the CRM says c2, an event says c1 → the CRM wins (precedence 1 over 2)
    _contact(duck, "c1", "2025-01-01 00:00:00", email="one@example.com")
    _contact(duck, "c2", "2025-02-01 00:00:00", visitor_id="va", email="two@example.com")
    insert(duck, "web_events", web_event("e1", "va", "2025-03-01 10:00:00", "identify",
                                         contact_id="c1"))  # fmt: skip
    # vb: events name c2 and c1 → same precedence: the earliest-created contact, c1
    insert(duck, "web_events", web_event("e2", "vb", "2025-03-01 10:00:00", "identify",
                                         contact_id="c2"))  # fmt: skip
    insert(duck, "web_events", web_event("e3", "vb", "2025-03-01 10:01:00", "identify",
                                         contact_id="c1"))  # fmt: skip
    # vc: an event names an unknown contact, the email matches c2 (normalised) → c2 by email
    insert(
        duck,
        "web_events",
        web_event(
            "e4",
            "vc",
            "2025-03-01 10:00:00",
            "identify",
            contact_id="ghost",
            email="  TWO@example.com",
        ),
    )
    # vd: an email shared by c3 (created later) and c4 (earlier) → c4
    _contact(duck, "c3", "2025-03-01 00:00:00", email="shared@example.com")
    _contact(duck, "c4", "2025-01-15 00:00:00", email="Shared@Example.com")
    insert(
        duck,
        "web_events",
        web_event("e5", "vd", "2025-03-01 10:00:00", "pageview", email="shared@example.com"),
    )
    # ve: nothing links it
    insert(duck, "web_events", web_event("e6", "ve", "2025-03-01 10:00:00", "pageview"))
    assert _links(duck) == [
        ("va", "c2", "contact_visitor_id"),
        ("vb", "c1", "event_contact_id"),
        ("vc", "c2", "email"),
        ("vd", "c4", "email"),
    ]  # fmt: skip


def test_first_touch(duck: DuckDBEngine) -> None:
    # c1 has two visitors: va's visit (03-02, linkedin) is later than vb's (03-01, google)
    _contact(duck, "c1", "2025-03-05 00:00:00", visitor_id="va", email="c1@example.com")
    insert(
        duck,
        "web_events",
        web_event("e1", "va", "2025-03-02 10:00:00", "pageview", ("linkedin", "social")),
    )
    insert(
        duck,
        "web_events",
        web_event(
            "e2",
            "vb",
            "2025-03-01 10:00:00",
            "pageview",
            None,
            "https://www.google.com/",
            email="c1@example.com",
        ),
    )
    # c2: no visit, HubSpot display name and a network alias → Paid Social, x
    _contact(
        duck,
        "c2",
        "2025-03-05 00:00:00",
        original_source="Paid Social",
        original_source_detail=" Twitter ",
    )
    # c3: no visit, a detail that names no network → Organic Social, no network
    _contact(
        duck,
        "c3",
        "2025-03-05 00:00:00",
        original_source="SOCIAL_MEDIA",
        original_source_detail="Some forum",
    )
    # c4: no visit, an unknown source → Unassigned (its detail is ignored)
    _contact(
        duck,
        "c4",
        "2025-03-05 00:00:00",
        original_source="carrier pigeon",
        original_source_detail="linkedin",
    )
    # vz: an anonymous visitor from the newsletter
    insert(duck, "web_events", web_event("e3", "vz", "2025-03-01 10:00:00", "pageview",
                                         ("newsletter", "email")))  # fmt: skip
    t = duck.tables("ws")
    pv = person_visits(sessions(t), visitor_contacts(t))
    rows = duck.execute(first_touch(t, pv).order_by("person_id")).to_pylist()
    assert [(r["person_id"], r["channel"], r["network"], r["touch"]) for r in rows] == [
        ("contact:c1", "Organic Search", None, "visit"),
        ("contact:c2", "Paid Social", "x", "original_source"),
        ("contact:c3", "Organic Social", None, "original_source"),
        ("contact:c4", "Unassigned", None, "original_source"),
        ("visitor:vz", "Email", None, "visit"),
    ]


@pytest.mark.spark
def test_padded_crm_values_read_the_same_on_spark(
    duck: DuckDBEngine, same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any]
) -> None:
    # ibis' strip() compiles for Spark as TRIM(' \t\n\r\v\f' FROM x), which Spark reads as the
    # letters v and f: ' facebook' lost its f there. Padded values must come out trimmed on both.
    _contact(duck, "c1", "2025-03-01 00:00:00", original_source=" SOCIAL_MEDIA ",
             original_source_detail=" facebook ", email=" Fe@Example.com ")  # fmt: skip
    insert(duck, "web_events", web_event("e1", "vf", "2025-03-02 10:00:00", "identify",
                                         email="fe@example.com"))  # fmt: skip
    insert(duck, "deals", {"deal_id": "d1", "contact_id": "c1", "created_at": "2025-03-03",
                           "stage": " won ", "closed_at": "2025-03-04", "amount": 10.0,
                           "amount_base": 10.0})  # fmt: skip

    def run(engine: Engine) -> dict[str, Any]:
        t = engine.tables("ws")
        links = visitor_contacts(t)
        touch = engine.execute(first_touch(t, person_visits(sessions(t), links))).to_pylist()
        won = engine.execute(customers(t, links).count()).to_pylist()
        return {"touch": touch, "links": engine.execute(links).to_pylist(), "won": won}

    got = same_on_both(duck, run)
    assert [(r["person_id"], r["network"]) for r in got["touch"] if r["person_id"] == "contact:c1"]
    assert got["links"][0]["contact_id"] == "c1"  # the padded, mixed-case email matched
    assert got["won"] == [{"value": 1}]


def _import_csv(duck: DuckDBEngine, tmp: Path, entity: str, text: str) -> None:
    path = tmp / f"{entity}.csv"
    path.write_text(text, encoding="utf-8")
    import_file(duck, "ws", entity, path)


def _identity_data(duck: DuckDBEngine, tmp: Path) -> None:
    """Contacts from a HubSpot export (click ids land in ``extra``), events from a site."""
    _import_csv(duck, tmp, "contacts",
        "Record ID,Email,Create Date,Facebook click id,Google ad click id\n"
        "c1,ana@example.com,2025-01-01 00:00,fb.AAA,\n"
        "c2,bo@example.com,2025-01-02 00:00,,gc.BBB\n"
        "c3,cy@example.com,2025-01-03 00:00,fb.CCC,\n")  # fmt: skip
    _import_csv(duck, tmp, "web_events",
        "event_id,visitor_id,occurred_at,event,click_id,email,contact_id\n"
        # phone of Ana: only her fbclid links it (precedence 4)
        "e1,phone-ana,2025-02-01T10:00:00Z,pageview,fb.AAA,,\n"
        # laptop of Ana: identified by email (3)
        "e2,laptop-ana,2025-02-02T10:00:00Z,identify,,ANA@example.com ,\n"
        # a visitor with Bo's gclid who then logs in as Cy (user_id → contact_id, 2): Cy wins,
        # and the conflict is reported
        "e3,shared,2025-02-03T10:00:00Z,pageview,gc.BBB,,\n"
        "e4,shared,2025-02-03T10:05:00Z,login,,,c3\n"
        # a click id no contact has
        "e5,stranger,2025-02-04T10:00:00Z,pageview,fb.ZZZ,,\n")  # fmt: skip


def test_click_ids_link_devices_and_conflicts_are_reported(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    _identity_data(duck, tmp_path)
    assert _links(duck) == [
        ("laptop-ana", "c1", "email"),
        ("phone-ana", "c1", "click_id"),
        ("shared", "c3", "event_contact_id"),
    ]
    # Ana's two devices are one person: both visits are hers
    t = duck.tables("ws")
    pv = duck.execute(person_visits(sessions(t), visitor_contacts(t))).to_pylist()
    assert sorted({r["person_id"] for r in pv}) == [
        "contact:c1",
        "contact:c3",
        "visitor:stranger",
    ]
    conflicts = duck.execute(identity_conflicts(t).order_by("contact_id")).to_pylist()
    assert [(r["visitor_id"], r["contact_id"], r["linked_by"], r["chosen"]) for r in conflicts] == [
        ("shared", "c2", "click_id", False),
        ("shared", "c3", "event_contact_id", True),
    ]


@pytest.mark.spark
def test_identity_with_click_ids_and_conflicts_is_the_same_on_spark(
    duck: DuckDBEngine,
    tmp_path: Path,
    same_on_both: Callable[[DuckDBEngine, Callable[[Engine], Any]], Any],
) -> None:
    _identity_data(duck, tmp_path)

    def run(engine: Engine) -> dict[str, Any]:
        t = engine.tables("ws")
        links = engine.execute(visitor_contacts(t)).to_pylist()
        conflicts = engine.execute(identity_conflicts(t)).to_pylist()
        key = lambda r: (r["visitor_id"], r["contact_id"])  # noqa: E731
        return {"links": sorted(links, key=key), "conflicts": sorted(conflicts, key=key)}

    got = same_on_both(duck, run)
    assert len(got["links"]) == 3
    assert len(got["conflicts"]) == 2
