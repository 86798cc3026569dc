"""Applies validated staff commands to a ticket, one small handler per command in a
table. Every change is an audit event (actor, old, new). Handlers run inside the
message's transaction; a handler that finds the command cannot apply (an overpayment,
an unknown canned response) raises Refused and the caller rolls back all of them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy.orm import Session

from daemon.billing.ledger import paid_total, work_order
from daemon.billing.pricing import Overpayment, apply_payment, hours_line, material_line
from daemon.commands.catalog import FieldChange, HoursArgs, MaterialArgs, When
from daemon.commands.parse import Command
from daemon.db.models import Payment, Ticket, Timer, WorkLine
from daemon.audit import add_event
from daemon.sla_timers import schedule_sla
from daemon.steps.persist import customer_for
from daemon.ticket_status import change_status


class Refused(Exception):
    """A command that parsed but cannot apply now; the message is for the staff member."""

    def __init__(self, command: Command, message: str) -> None:
        self.command = command
        super().__init__(message)


@dataclass
class Applied:
    """What the commands did, for the caller to decide which mail goes out."""
    status_change: tuple[str, str] | None = None
    internal: bool = False
    canned: str | None = None
    assigned_to: str | None = None
    decision: str | None = None
    kind_changed: bool = False
    category_changed: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class ApplyContext:
    session: Session
    config: Any
    ticket: Ticket
    actor: str
    now: datetime
    applied: Applied


Handler = Callable[[ApplyContext, Command], None]


def apply_all(ctx: ApplyContext, commands: tuple[Command, ...]) -> Applied:
    for command in commands:
        HANDLERS[command.name](ctx, command)
    return ctx.applied


def _set_field(ctx: ApplyContext, command: Command) -> None:
    args: FieldChange = command.args
    ticket = ctx.ticket
    if args.field == "status":
        old = ticket.status
        if change_status(ctx.session, ctx.config, ticket, args.value, ctx.actor, ctx.now):
            ctx.applied.status_change = (old, args.value)
        return
    old = getattr(ticket, args.field)
    if old == args.value:
        return
    setattr(ticket, args.field, args.value)
    add_event(ctx.session, ticket, ctx.now, ctx.actor, args.field, old, args.value)
    if args.field == "priority":
        schedule_sla(ctx.session, ctx.config, ticket)     # the new priority's targets
    ctx.applied.kind_changed |= args.field == "kind"
    ctx.applied.category_changed |= args.field == "category"


def _set_text(column: str) -> Handler:
    def handler(ctx: ApplyContext, command: Command) -> None:
        value = command.args.value
        old = getattr(ctx.ticket, column) or ""
        new = f"{old}\n{value}".strip() if column in ("diagnosis", "solution") else value
        setattr(ctx.ticket, column, new)
        add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, column, old or None, value)
    return handler


def _assign(ctx: ApplyContext, command: Command) -> None:
    email = command.args.value
    old = ctx.ticket.assignee
    if old == email:
        return
    ctx.ticket.assignee = email
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "assigned", old, email)
    ctx.applied.assigned_to = email


def _due(ctx: ApplyContext, command: Command) -> None:
    args: When = command.args
    old = ctx.ticket.due_date
    ctx.ticket.due_date = args.value
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "due_date", old.isoformat() if old else None,
              args.value.isoformat())


def _internal(ctx: ApplyContext, command: Command) -> None:
    ctx.applied.internal = True


def _canned(ctx: ApplyContext, command: Command) -> None:
    ctx.applied.canned = command.args.value


def _followup(ctx: ApplyContext, command: Command) -> None:
    when: datetime = command.args.value
    ctx.session.add(Timer(ticket=ctx.ticket, kind="followup", due_at=when, owner=ctx.actor, note="", progress=0))
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "followup", None, when.isoformat())


def _customer(ctx: ApplyContext, command: Command) -> None:
    """On an existing ticket, #cliente moves it to that customer (new tickets are opened
    for the customer before persisting: see steps/staff.py)."""
    email = command.args.value
    if email == ctx.config.support.address or ctx.config.staff_by_email(email):
        raise Refused(command, f"{email} no puede ser cliente: es una dirección del equipo")
    old = ctx.ticket.customer.email
    if old == email:
        return
    ctx.ticket.customer = customer_for(ctx.session, email, "", ctx.now, ctx.config.support.language)
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "customer", old, email)


def _decision(ctx: ApplyContext, command: Command) -> None:
    if ctx.ticket.kind != "mejora":
        raise Refused(command, f"#decision solo se aplica a peticiones de mejora (este ticket es de tipo "
                               f"'{ctx.ticket.kind}'; cámbielo antes con #tipo mejora)")
    old = ctx.ticket.decision
    ctx.ticket.decision = command.args.value
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "decision", old, command.args.value)
    ctx.applied.decision = command.args.value


def _hours(ctx: ApplyContext, command: Command) -> None:
    args: HoursArgs = command.args
    line = hours_line(args.concept, args.quantity, args.out_of_hours, ctx.config.policy.billing)
    _add_line(ctx, line, command)


def _material(ctx: ApplyContext, command: Command) -> None:
    args: MaterialArgs = command.args
    try:
        line = material_line(args.code, args.quantity, args.unit_price, ctx.config.policy.billing)
    except KeyError:
        raise Refused(command, f"el material {args.code} no está en el catálogo: indique el precio "
                               f"(#material {args.code} CANTIDAD PRECIO)") from None
    _add_line(ctx, line, command)


def _add_line(ctx: ApplyContext, line, command: Command) -> None:
    ctx.session.add(WorkLine(ticket_id=ctx.ticket.id, line_kind=line.kind, code=line.code,
                             description=line.description, quantity=line.quantity, unit_price=line.unit_price,
                             out_of_hours=line.out_of_hours, created_at=ctx.now, actor=ctx.actor))
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "work_line", None, command.line.lstrip("#"))


def _invoiced(ctx: ApplyContext, command: Command) -> None:
    old = ctx.ticket.invoice_number
    ctx.ticket.invoice_number = command.args.value
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "invoiced", old, command.args.value)


def _paid(ctx: ApplyContext, command: Command) -> None:
    amount: Decimal = command.args.value
    ctx.session.flush()                 # earlier #horas/#material lines of this reply count
    total = work_order(ctx.session, ctx.config, ctx.ticket).total
    paid = paid_total(ctx.session, ctx.ticket)
    try:
        apply_payment(total, paid, amount)
    except Overpayment as exc:
        raise Refused(command, str(exc)) from None
    ctx.session.add(Payment(ticket_id=ctx.ticket.id, amount=amount, at=ctx.now, actor=ctx.actor))
    add_event(ctx.session, ctx.ticket, ctx.now, ctx.actor, "paid", f"{paid:.2f}", f"{paid + amount:.2f}")


HANDLERS: dict[str, Handler] = {
    "estado": _set_field, "tipo": _set_field, "categoria": _set_field, "prioridad": _set_field,
    "cola": _set_field,
    "asignar": _assign,
    "diagnostico": _set_text("diagnosis"), "solucion": _set_text("solution"), "serie": _set_text("serial_number"),
    "cierre-estimado": _due,
    "interno": _internal,
    "plantilla": _canned,
    "seguimiento": _followup,
    "cliente": _customer,
    "decision": _decision,
    "horas": _hours, "material": _material,
    "facturado": _invoiced, "pagado": _paid,
}
