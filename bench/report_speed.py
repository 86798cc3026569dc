"""Report speed: `soporte report --json` over a database of synthetic tickets (1,000,000
by default) inserted with SQLAlchemy core bulk inserts into a database built by
daemon.db.engine (make_engine + upgrade). The database is kept between runs, keyed by
size, schema revision and a fingerprint of the models' columns (a revision edited in
place must not reuse a database without the new columns), since building it takes
longer than the report should.
Also times bare GROUP BY queries over the same rows: the floor for any report.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, column, func, insert, select, table
from sqlalchemy.sql.expression import TableClause

from daemon.db.engine import head_revision, make_engine, upgrade
from daemon.db.models import Base, Customer, Event, Payment, Ticket, WorkLine
from daemon.vocabulary import DEFAULT_CATEGORIES, DEFAULT_QUEUES, NON_BILLABLE_KINDS

from bench.servers import Rig

CHUNK = 20_000
CUSTOMERS = 20_000
START = datetime(2024, 1, 1, tzinfo=timezone.utc)
_NAIVE_START = START.replace(tzinfo=None)
SPAN_SECONDS = 2 * 365 * 86_400
ASSIGNEES = (None, "ana@empresa.test", "luis@empresa.test", "marta@empresa.test")
CODES = (("hours", "SMANT", 45.0), ("hours", "SMANTND", 35.0), ("material", "CABLE", 12.5),
         ("material", "FUENTE", 29.9))
# weighted pools: a uniform pick from these gives the weights
STATUSES = ("nuevo",) * 3 + ("abierto",) * 7 + ("pendiente_cliente",) * 5 + ("resuelto",) * 15 + ("cerrado",) * 70
KINDS = ("normal",) * 14 + ("garantia",) * 4 + ("cortesia", "mejora")
PRIORITIES = ("baja",) * 4 + ("normal",) * 11 + ("alta",) * 4 + ("urgente",)
TAX = 1.21


@dataclass
class ReportResult:
    tickets: int
    build_seconds: float | None          # None: an existing database was reused
    floor_seconds: float
    report_seconds: float | None = None  # None: `soporte report` not available
    tickets_total: int | None = None
    note: str = ""
    figures: dict[str, object] = field(default_factory=dict)


def database_for(workdir: Path, tickets: int) -> tuple[Path, float | None]:
    """A database with `tickets` synthetic tickets, built once per size and schema."""
    path = workdir / f"report-{tickets}-{head_revision()}-{schema_fingerprint()}.db"
    if path.exists():
        return path, None
    for stale in workdir.glob(f"report-{tickets}-*.db*"):
        stale.unlink()
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    engine = make_engine(f"sqlite:///{partial}")
    try:
        upgrade(engine)
        populate(engine, tickets, random.Random(tickets))
    finally:
        engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    return path, time.perf_counter() - started


def schema_fingerprint() -> str:
    columns = sorted(f"{name}.{column.name}:{column.type}" for name, model_table in Base.metadata.tables.items()
                     for column in model_table.columns)
    return hashlib.sha256("\n".join(columns).encode()).hexdigest()[:8]


def populate(engine: Engine, count: int, rng: random.Random) -> None:
    """Rows go in through untyped `table()` constructs with instants already written the
    way SQLAlchemy stores them on SQLite: per-row type processing would dominate."""
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA cache_size=-200000")
        conn.execute(insert(_table(Customer)), [
            {"email": f"cliente{n}@empresa{n % 997}.example", "name": f"Cliente {n}", "language": "es",
             "created_at": _stamp(0)} for n in range(1, CUSTOMERS + 1)])
        for first in range(1, count + 1, CHUNK):
            rows: dict[type, list[dict[str, object]]] = {Ticket: [], WorkLine: [], Payment: [], Event: []}
            for number in range(first, min(first + CHUNK, count + 1)):
                add_ticket(rows, number, rng)
            for model, batch in rows.items():
                if batch:
                    conn.execute(insert(_table(model)), batch)


def add_ticket(rows: dict[type, list[dict[str, object]]], number: int, rng: random.Random) -> None:
    rand = rng.random
    created = rng.randrange(SPAN_SECONDS)
    status = _pick(STATUSES, rand())
    answered = status != "nuevo" or rand() < 0.3
    first_response = created + int(rng.expovariate(1 / 5400)) if answered else None
    resolved = closed = None
    if status in ("resuelto", "cerrado"):
        resolved = (first_response or created) + int(rng.expovariate(1 / 108_000))
        closed = resolved + 86_400 * (1 + int(rand() * 7)) if status == "cerrado" else None
    last = closed or resolved or first_response or created
    kind = _pick(KINDS, rand())
    billed = add_billing(rows, number, _stamp(closed), kind, rng) if closed is not None and rand() < 0.25 else None
    rows[Ticket].append({
        "id": number, "token": f"SOP-{number:07d}", "subject": f"Incidencia {number}", "status": status,
        "kind": kind, "category": _pick(DEFAULT_CATEGORIES, rand()),
        "queue": _pick(DEFAULT_QUEUES, rand()), "priority": _pick(PRIORITIES, rand()),
        "assignee": _pick(ASSIGNEES, rand()), "customer_id": 1 + int(rand() * CUSTOMERS),
        "created_at": _stamp(created), "updated_at": _stamp(last), "first_response_at": _stamp(first_response),
        "resolved_at": _stamp(resolved), "closed_at": _stamp(closed),
        "satisfaction": 1 + int(rand() * 5) if closed and rand() < 0.3 else None,
        "paid": 0, "reopened_count": 1 if rand() < 0.04 else 0, "watchers": "[]", "diagnosis": "",
        "solution": "", "billed_total": billed,
        # some waited on the customer: the clock stood still then, or stands still now
        "sla_paused_seconds": int(rng.expovariate(1 / 14_400)) if rand() < 0.2 else 0,
        "sla_paused_since": _stamp(first_response or created) if status == "pendiente_cliente" else None})
    if rand() < 0.05:
        rows[Event].append({"ticket_id": number, "at": _stamp(created + 7200), "actor": "ana@empresa.test",
                            "action": "category", "old": "consulta", "new": "averia"})


def add_billing(rows: dict[type, list[dict[str, object]]], ticket_id: int, at: str, ticket_kind: str,
                rng: random.Random) -> float | None:
    """Work lines and maybe a payment; returns the total sent to finance (None for free
    kinds). The total is lines x tax without contracts or surcharges: close enough for
    a benchmark, which never checks figures."""
    subtotal = 0.0
    for _ in range(1 + int(rng.random() * 3)):
        kind, code, price = _pick(CODES, rng.random())
        quantity = (1 + int(rng.random() * 8)) / 2
        subtotal += quantity * price
        rows[WorkLine].append({"ticket_id": ticket_id, "line_kind": kind, "code": code, "description": "",
                               "quantity": quantity, "unit_price": price,
                               "out_of_hours": rng.random() < 0.1, "created_at": at,
                               "actor": "luis@empresa.test"})
    billed = None if ticket_kind in NON_BILLABLE_KINDS else round(subtotal * TAX, 2)
    if rng.random() < 0.6:
        rows[Payment].append({"ticket_id": ticket_id, "amount": 20 + int(rng.random() * 380), "at": at,
                              "actor": "finanzas@empresa.test"})
    return billed


def _pick(pool: tuple, fraction: float):
    return pool[int(fraction * len(pool))]


def _stamp(offset: int | None) -> str | None:
    """Seconds after START as SQLAlchemy's SQLite DATETIME text (UTC, microseconds)."""
    if offset is None:
        return None
    return (_NAIVE_START + timedelta(seconds=offset)).isoformat(" ") + ".000000"


def _table(model: type) -> TableClause:
    columns = [name for name in model.__table__.columns.keys()]
    return table(model.__tablename__, *(column(name) for name in columns))


def floor_queries(database: Path) -> float:
    """GROUP BY status, category, kind and priority plus the averages: the bare SQL cost."""
    engine = make_engine(f"sqlite:///{database}")
    started = time.perf_counter()
    with engine.connect() as conn:
        for grouped in (Ticket.status, Ticket.category, Ticket.kind, Ticket.priority, Ticket.assignee):
            conn.execute(select(grouped, func.count()).group_by(grouped)).all()
        conn.execute(select(func.count(), func.avg(Ticket.satisfaction), func.sum(Ticket.reopened_count))).one()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def report_available(site) -> bool:
    proc = site.run("report", "--help", check=False, timeout=60)
    return proc.returncode == 0 and "--json" in proc.stdout


def run(rig: Rig, workdir: Path, tickets: int = 1_000_000) -> ReportResult:
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    database, build_seconds = database_for(workdir, tickets)
    result = ReportResult(tickets=tickets, build_seconds=build_seconds, floor_seconds=floor_queries(database))
    site = rig.site("report", None)
    site.database_url = f"sqlite:///{database}"
    site.write_config()
    if not report_available(site):
        result.note = "`soporte report --json` is not available in this tree: report time not measured"
        return result
    now = ("--now", "2026-01-01T00:00:00+00:00") if "--now" in site.run("report", "--help").stdout else ()
    started = time.perf_counter()
    proc = site.run("report", "--json", *now, check=False, timeout=1800)
    result.report_seconds = time.perf_counter() - started
    if proc.returncode != 0:
        result.note = f"`soporte report --json` exited {proc.returncode}: {proc.stderr.strip()[-300:]}"
        return result
    report = json.loads(proc.stdout)
    result.tickets_total = report.get("tickets_total")
    result.figures = {key: report.get(key) for key in ("first_response_median_minutes", "resolution_median_hours",
                                                      "sla_met_pct", "satisfaction_avg", "billed_total")}
    if result.tickets_total != tickets:
        result.note = f"report counted {result.tickets_total} tickets, {tickets} were inserted"
    return result
