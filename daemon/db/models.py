"""The database tables, as SQLAlchemy 2.0 typed mappings. Schema changes go through
alembic migrations in schema/versions; tests check the migrations build exactly this.
Every hot-path lookup (token, Message-ID, customer email, mailbox UID) is indexed."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String,
    Text, UniqueConstraint, false,
)
from daemon.db.types import UtcDateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 2)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="es")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    undeliverable_until: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Ticket(Base):
    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(60), index=True)
    queue: Mapped[str] = mapped_column(String(60))
    priority: Mapped[str] = mapped_column(String(20))
    assignee: Mapped[str | None] = mapped_column(String(320), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    linked_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_date: Mapped[date | None] = mapped_column(Date)
    serial_number: Mapped[str | None] = mapped_column(String(120), index=True)
    diagnosis: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(20))
    invoice_number: Mapped[str | None] = mapped_column(String(80))
    # the work-order total last sent to finance (None: never billed); reports add these up
    billed_total: Mapped[Decimal | None] = mapped_column(Money)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # the resolution clock stands still while the customer owes an answer ([sla] pause_in):
    # since when (None: running), and the business seconds of the pauses already over
    sla_paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    last_inbound_message_id: Mapped[str | None] = mapped_column(String(998))
    watchers: Mapped[list] = mapped_column(JSON, default=list)

    customer: Mapped[Customer] = relationship()
    messages: Mapped[list["Message"]] = relationship(back_populates="ticket", order_by="Message.id")
    events: Mapped[list["Event"]] = relationship(back_populates="ticket", order_by="Event.id")
    timers: Mapped[list["Timer"]] = relationship(back_populates="ticket", order_by="Timer.id")


class Message(Base):
    """Every message a ticket has seen or sent; its Message-IDs thread later replies."""
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))          # "in" | "out"
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    content_key: Mapped[str] = mapped_column(String(64))
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    from_addr: Mapped[str] = mapped_column(String(320))
    to_addrs: Mapped[list] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")    # visible text, quotes stripped
    full_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")    # sanitised
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message", order_by="Attachment.id")


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)   # None: over the size limit
    # a signature logo, an image of the quoted history, a digital signature: kept, but
    # never counted as a document the customer sent (daemon/ingest/incidental.py)
    incidental: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    message: Mapped[Message] = relationship(back_populates="attachments")


class Event(Base):
    """Audit trail: who changed what, from which value to which."""
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(60), index=True)
    old: Mapped[str | None] = mapped_column(Text)
    new: Mapped[str | None] = mapped_column(Text)
    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Timer(Base):
    """A deadline the sweep evaluates from database state (warranty, SLA, follow-up)."""
    __tablename__ = "timers"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    owner: Mapped[str | None] = mapped_column(String(320))
    note: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ticket: Mapped[Ticket] = relationship(back_populates="timers")
    __table_args__ = (Index("ix_timers_open", "done_at", "due_at"),)


class WorkLine(Base):
    __tablename__ = "work_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    line_kind: Mapped[str] = mapped_column(String(10))          # "hours" | "material"
    code: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    out_of_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(320))


class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(320))


class Outbox(Base):
    """One email to send, written in the same transaction as the change that caused it."""
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    event: Mapped[str] = mapped_column(String(60))
    audience: Mapped[str] = mapped_column(String(20))
    recipients: Mapped[list] = mapped_column(JSON)
    first_recipient: Mapped[str] = mapped_column(String(320))   # for the per-recipient cap
    subject: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sending|sent|failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    give_up_at: Mapped[datetime] = mapped_column(UtcDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_recipient", "first_recipient", "created_at"))


class InboundLog(Base):
    """The mailbox checkpoint: every (folder, UIDVALIDITY, UID) handled, and how."""
    __tablename__ = "inbound_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)   # IMAP values are unsigned 32-bit
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    content_key: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    __table_args__ = (UniqueConstraint("folder", "uidvalidity", "uid", name="uq_inbound_uid"),)


class Quarantine(Base):
    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)   # IMAP values are unsigned 32-bit
    uid: Mapped[int] = mapped_column(BigInteger)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(12), default="held")     # held|released
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class KeyValue(Base):
    """Small durable facts: outage state, last agenda date, schema bootstrap marks."""
    __tablename__ = "key_values"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
