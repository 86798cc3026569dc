"""Pipeline stages for mail from staff (SPEC §5). `read_commands` runs before the ticket
is written (so `#cliente` can open a ticket on a customer's behalf); `apply_commands`
runs after, applying every command or none (a savepoint), then relays the rest of the
reply to the customer from the support address. Customers' `#` lines never get here."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from daemon.commands.apply import ApplyContext, Applied, Refused, apply_all
from daemon.commands.catalog import Text
from daemon.commands.parse import CommandError, help_text, ordered_for_apply, parse_commands
from daemon.db import prepared
from daemon.db.models import Message
from daemon.ingest.authentication import staff_authenticated
from daemon.ingest.correlate import Open
from daemon.steps import staff_mail
from daemon.audit import add_event

if TYPE_CHECKING:
    from daemon.pipeline import Work

log = logging.getLogger("soporte.commands")


def read_commands(work: "Work") -> str | None:
    if work.sender_role is None:
        return None
    parsed, config = work.parsed, work.rt.config
    security = config.security
    if security.require_authenticated_staff and not staff_authenticated(parsed, security.authserv_id):
        work.staff_warning = (f"el mensaje no trae una cabecera Authentication-Results de {security.authserv_id} "
                              "con dkim=pass o spf=pass para su dominio")
        log.warning("%s: staff mail from %s not authenticated; commands ignored", parsed.message_id,
                    parsed.from_addr)
        return None
    billing = config.policy.billing
    block = parse_commands(work.reply.visible if work.reply else parsed.text, vocab=config.vocab,
                           concepts=frozenset(billing.concepts), materials=frozenset(billing.materials),
                           staff=staff_directory(config), tz=config.policy.calendar.tz,
                           actor=parsed.from_addr)
    errors = list(block.errors) + list(config.policy.permissions.check(block.commands, work.sender_role))
    errors += [CommandError(c.line, c.line_no, f"no existe la respuesta predefinida '{c.args.value}'")
               for c in block.commands
               if c.name == "plantilla" and not work.rt.renderer.has_file(f"canned/{c.args.value}.txt.j2")]
    work.command_block, work.command_errors = block, sorted(errors, key=lambda e: e.line_no)
    if not work.command_errors and isinstance(work.thread, Open):
        work.on_behalf = next((c.args.value for c in block.commands if c.name == "cliente"), None)
    return None


def staff_directory(config) -> dict[str, str]:
    """Every way staff may be named in #asignar: email, name, aliases."""
    names: dict[str, str] = {}
    for member in config.staff:
        for key in (member.email, member.name, *member.aliases):
            names[key.lower()] = member.email
    return names


def apply_commands(work: "Work") -> str | None:
    if work.sender_role is None:
        return None
    ticket = work.ticket
    if work.staff_warning:
        staff_mail.unauthenticated(work, work.staff_warning)
        return None
    block = work.command_block
    if work.command_errors:
        _refuse(work, work.command_errors)
        return None
    commands = tuple(c for c in ordered_for_apply(block.commands) if not _opened_on_behalf(work, c))
    ctx = ApplyContext(work.session, work.rt.config, ticket, work.parsed.from_addr, work.now, Applied())
    try:
        with work.session.begin_nested():
            applied = apply_all(ctx, commands)
    except Refused as exc:
        _refuse(work, [CommandError(exc.command.line, exc.command.line_no, str(exc))])
        return None
    work.applied = applied
    # a ticket opened for a customer: the forwarded text is its first message, not a reply
    prepared.update_row(work.session, Message, work.message_row, body_text=block.rest,
                        internal=not work.created)
    if work.created:
        staff_mail.after_commands(work, applied, "")
    else:
        staff_mail.after_commands(work, applied, block.rest)
    return None


def _opened_on_behalf(work: "Work", command) -> bool:
    return command.name == "cliente" and work.created and isinstance(command.args, Text)


def _refuse(work: "Work", errors: list[CommandError]) -> None:
    """Nothing applies; only the sender hears about it (never the customer)."""
    lines = "; ".join(f"línea {e.line_no} ({e.line}): {e.message}" for e in errors)
    add_event(work.session, work.ticket, work.now, work.parsed.from_addr, "command_error", None, lines[:2000])
    log.info("%s: commands refused: %s", work.ticket.token, lines)
    staff_mail.command_error(work, errors, help_text("es"))
