"""The staff commands by mail (SPEC §5) in one table, CATALOG: canonical Spanish name,
aliases, how the arguments are read, help text. In: the argument text of one
`#command` line plus a ParseContext; out: a frozen value object, or an ArgError whose
message (Spanish) goes back to the staff member. Never touches database, network or clock.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from email.utils import parseaddr
from typing import Callable, Iterable, Mapping
from zoneinfo import ZoneInfo

from daemon.vocabulary import Vocabulary
from daemon.words import fold

MAX_HOURS = Decimal("24")
OUT_OF_HOURS_FLAGS = frozenset({"fuera-de-horario", "out-of-hours"})
DECISIONS = {"aprobada": "aprobada", "aprobado": "aprobada", "approved": "aprobada",
             "rechazada": "rechazada", "rechazado": "rechazada", "rejected": "rechazada"}
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_TEMPLATE = re.compile(r"[a-z0-9_-]+")


@dataclass(frozen=True)
class ParseContext:
    vocab: Vocabulary
    concepts: frozenset[str]        # configured hour concepts (SMANT, ...)
    materials: frozenset[str]       # catalogue material codes
    staff: Mapping[str, str]        # lower-case name, alias or email -> staff email
    tz: ZoneInfo                    # naive follow-up times are local to this zone
    actor: str = ""                 # the staff member writing: "#asignar yo" means them


# --- argument values: frozen objects, one shape per kind of argument ------------------

@dataclass(frozen=True)
class FieldChange:              # estado, tipo, categoria, prioridad, cola
    field: str                  # ticket field: status, kind, category, priority, queue
    value: str                  # a value of the Vocabulary


@dataclass(frozen=True)
class Text:                     # asignar and cliente (an email), decision, facturado, ...
    value: str


@dataclass(frozen=True)
class HoursArgs:
    quantity: Decimal
    concept: str                # spelled as configured
    out_of_hours: bool


@dataclass(frozen=True)
class MaterialArgs:
    code: str                   # spelled as in the catalogue when it is there
    quantity: Decimal
    unit_price: Decimal | None  # None: take the catalogue price


@dataclass(frozen=True)
class When:                     # cierre-estimado (a date), seguimiento (an aware datetime)
    value: date | datetime


@dataclass(frozen=True)
class Amount:                   # pagado
    value: Decimal


@dataclass(frozen=True)
class NoArgs:                   # interno
    pass


# --- reading numbers, dates and words ---------------------------------------------------

class ArgError(ValueError):
    """The arguments of one command line cannot be read; the message is for the sender."""


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_MONEY = re.compile(r"\d+(?:[.,]\d{1,2})?")


def parse_quantity(text: str, command: str) -> Decimal:
    """`2`, `1.5` or `1,5`; never a float on the way."""
    if not _NUMBER.fullmatch(text):
        raise ArgError(f"{command}: '{text}' no es una cantidad (ejemplos: 2, 1.5, 1,5)")
    return Decimal(text.replace(",", "."))


def parse_amount(text: str, command: str) -> Decimal:
    """Money with at most two decimals after `.` or `,`. `1.234,56` and `1.234` could be
    read two ways, so thousands separators are refused rather than guessed."""
    cleaned = text.strip().removesuffix("€").strip()
    if _MONEY.fullmatch(cleaned):
        return Decimal(cleaned.replace(",", "."))
    if re.fullmatch(r"[\d.,]+", cleaned) and re.search(r"\d", cleaned):
        raise ArgError(f"{command}: importe '{text.strip()}' ambiguo; escríbelo sin separador "
                       "de miles y con 2 decimales como mucho (1234.56 o 1234,56)")
    raise ArgError(f"{command}: '{text.strip()}' no es un importe (ejemplos: 60, 60.50, 60,50)")


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATETIME = re.compile(r"(?P<date>[\d/-]+)[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?"
                       r"\s*(?P<off>Z|[+-]\d{2}:?\d{2})?")


def parse_date(text: str, command: str) -> date:
    """YYYY-MM-DD or DD/MM/YYYY; an impossible day (31/02) is an error, not a guess."""
    iso, dmy = _ISO_DATE.fullmatch(text.strip()), _DMY_DATE.fullmatch(text.strip())
    if iso:
        year, month, day = iso.groups()
    elif dmy:
        day, month, year = dmy.groups()
    else:
        raise ArgError(f"{command}: '{text.strip()}' no es una fecha (AAAA-MM-DD o DD/MM/AAAA)")
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise ArgError(f"{command}: la fecha '{text.strip()}' no existe") from None


def parse_datetime(text: str, command: str, tz: ZoneInfo) -> datetime:
    """A date and HH:MM; without an offset the time is local to `tz`."""
    found = _DATETIME.fullmatch(text.strip())
    if not found:
        raise ArgError(f"{command}: '{text.strip()}' no es fecha y hora (AAAA-MM-DD HH:MM)")
    day = parse_date(found["date"], command)
    hour, minute, second = int(found["h"]), int(found["m"]), int(found["s"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ArgError(f"{command}: la hora de '{text.strip()}' no existe")
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=_zone(found["off"], tz))


def _zone(offset: str | None, tz: ZoneInfo) -> tzinfo:
    if not offset:
        return tz
    if offset == "Z":
        return timezone.utc
    sign = -1 if offset[0] == "-" else 1
    digits = offset[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


# --- argument readers -----------------------------------------------------------------

def _field(field: str, command: str) -> Callable[[str, ParseContext], FieldChange]:
    def read(text: str, ctx: ParseContext) -> FieldChange:
        allowed = ctx.vocab.field_values(field)
        if not text.strip():
            raise ArgError(f"falta el valor de #{command} (válidos: {', '.join(allowed)})")
        by_key = {_value_key(v): v for v in allowed}
        value = by_key.get(_value_key(text)) or by_key.get(ENGLISH_VALUES.get(_value_key(text), ""))
        if value is None:
            hint = suggest(_value_key(text), list(by_key))
            tip = f"; ¿quisiste decir {by_key[hint]}?" if hint else ""
            raise ArgError(f"valor '{text.strip()}' no válido para #{command} (válidos: {', '.join(allowed)}){tip}")
        return FieldChange(field, value)
    return read


def _value_key(text: str) -> str:
    # "Sin documentación", "sin-documentacion" and "sin_documentacion" are one value
    return re.sub(r"[\s-]+", "_", fold(text.strip()))


# English words for the default values; used only when the Spanish value is configured
ENGLISH_VALUES = {
    "new": "nuevo", "open": "abierto", "pending": "pendiente_cliente", "waiting": "pendiente_cliente",
    "no_documentation": "sin_documentacion", "resolved": "resuelto", "closed": "cerrado",
    "warranty": "garantia", "courtesy": "cortesia", "feature": "mejora", "improvement": "mejora",
    "low": "baja", "high": "alta", "urgent": "urgente", "support": "soporte",
    "installations": "instalaciones", "finance": "finanzas", "question": "consulta",
    "breakdown": "averia", "fault": "averia", "installation": "instalacion",
    "reinstallation": "reinstalacion",
}


SELF = frozenset({"yo", "mi", "a mi", "me", "myself"})     # folded: "mí", "a mí"


def _assign(text: str, ctx: ParseContext) -> Text:
    who = text.strip()
    if not who:
        raise ArgError("falta a quién asignar: #asignar EMAIL, NOMBRE o yo")
    folded = {fold(k): v for k, v in ctx.staff.items()}
    folded.update({fold(v): v for v in ctx.staff.values()})
    email = folded.get(fold(who)) or folded.get(fold(parseaddr(who)[1]))
    if email is None and fold(who) in SELF and ctx.actor:
        email = ctx.staff.get(ctx.actor.lower(), ctx.actor)     # a staff member named "Yo" wins
    if email is None:
        hint = suggest(fold(who), list(folded))
        tip = f"; ¿quisiste decir {hint}?" if hint else ""
        raise ArgError(f"'{who}' no es nadie del equipo para #asignar{tip}")
    return Text(email.lower())


def _code(word: str, known: frozenset[str]) -> str | None:
    by_key = {k.casefold(): k for k in known}
    return by_key.get(word.casefold())


def _hours(text: str, ctx: ParseContext) -> HoursArgs:
    parts = text.split()
    if len(parts) not in (2, 3):
        raise ArgError("uso: #horas N CONCEPTO [fuera-de-horario]")
    quantity = parse_quantity(parts[0], "#horas")
    if not Decimal(0) < quantity <= MAX_HOURS:
        raise ArgError(f"#horas {parts[0]}: deben ser más de 0 y como mucho {MAX_HOURS}")
    concept = _code(parts[1], ctx.concepts)
    if concept is None:
        raise ArgError(f"concepto '{parts[1]}' desconocido en #horas (válidos: {', '.join(sorted(ctx.concepts))})")
    if len(parts) == 3 and fold(parts[2]).replace("_", "-") not in OUT_OF_HOURS_FLAGS:
        raise ArgError(f"'{parts[2]}' no se entiende en #horas (¿fuera-de-horario?)")
    return HoursArgs(quantity, concept, len(parts) == 3)


def _material(text: str, ctx: ParseContext) -> MaterialArgs:
    parts = text.split()
    if len(parts) not in (2, 3):
        raise ArgError("uso: #material CÓDIGO CANTIDAD [PRECIO]")
    quantity = parse_quantity(parts[1], "#material")
    if quantity <= 0:
        raise ArgError(f"#material {parts[0]}: la cantidad debe ser mayor que 0")
    price = parse_amount(parts[2], "#material") if len(parts) == 3 else None
    code = _code(parts[0], ctx.materials)
    if code is None and price is None:
        raise ArgError(f"el material '{parts[0]}' no está en el catálogo: indica el precio "
                       f"(#material {parts[0]} {parts[1]} PRECIO)")
    return MaterialArgs(code or parts[0], quantity, price)


def _text(label: str, limit: int = 0) -> Callable[[str, ParseContext], Text]:
    def read(text: str, ctx: ParseContext) -> Text:
        value = " ".join(text.split())
        if not value:
            raise ArgError(f"falta el texto de #{label}")
        if limit and len(value) > limit:
            raise ArgError(f"#{label} admite como mucho {limit} caracteres")
        return Text(value)
    return read


def _due(text: str, ctx: ParseContext) -> When:
    return When(parse_date(text, "#cierre-estimado"))


def _internal(text: str, ctx: ParseContext) -> NoArgs:
    if text.strip():
        raise ArgError("#interno no lleva nada detrás: escribe la nota debajo de las órdenes")
    return NoArgs()


def _template(text: str, ctx: ParseContext) -> Text:
    name = text.strip().lower()
    if not _TEMPLATE.fullmatch(name):
        raise ArgError(f"nombre de plantilla '{text.strip()}' no válido (solo a-z, 0-9, _ y -)")
    return Text(name)


def _followup(text: str, ctx: ParseContext) -> When:
    return When(parse_datetime(text, "#seguimiento", ctx.tz))


def _customer(text: str, ctx: ParseContext) -> Text:
    address = parseaddr(text.strip())[1].lower()
    if not _EMAIL.fullmatch(address):
        raise ArgError(f"'{text.strip()}' no es una dirección de correo válida para #cliente")
    return Text(address)


def _decision(text: str, ctx: ParseContext) -> Text:
    value = DECISIONS.get(fold(text.strip()))
    if value is None:
        raise ArgError(f"valor '{text.strip()}' no válido para #decision (válidos: aprobada, rechazada)")
    return Text(value)


def _paid(text: str, ctx: ParseContext) -> Amount:
    amount = parse_amount(text, "#pagado")
    if amount <= 0:
        raise ArgError("#pagado: el importe debe ser mayor que 0")
    return Amount(amount)


# --- the table ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CommandSpec:
    name: str                                   # canonical, Spanish, no accents
    aliases: tuple[str, ...]                    # English first, then accent variants
    read: Callable[[str, ParseContext], object]
    usage_es: str
    usage_en: str
    help_es: str
    help_en: str
    repeatable: bool = False                    # may appear on several lines of one reply
    apply_last: bool = False                    # SPEC §5: the status change applies last


S = CommandSpec
CATALOG: tuple[CommandSpec, ...] = (
    S("estado", ("status",), _field("status", "estado"), "ESTADO", "STATUS",
      "cambia el estado", "change the status", apply_last=True),
    S("asignar", ("assign",), _assign, "EMAIL|NOMBRE|yo", "EMAIL|NAME|me",
      "asigna el ticket a alguien del equipo", "assign the ticket to a staff member"),
    S("tipo", ("kind",), _field("kind", "tipo"), "TIPO", "KIND",
      "cambia el tipo de caso (garantia, cortesia, normal, mejora)", "change the kind of case"),
    S("categoria", ("category", "categoría"), _field("category", "categoria"), "CATEGORIA", "CATEGORY",
      "cambia la categoría (tipificación)", "change the category"),
    S("prioridad", ("priority",), _field("priority", "prioridad"), "PRIORIDAD", "PRIORITY",
      "cambia la prioridad", "change the priority"),
    S("cola", ("queue",), _field("queue", "cola"), "COLA", "QUEUE",
      "cambia la cola (área)", "change the queue"),
    S("horas", ("hours",), _hours, "N CONCEPTO [fuera-de-horario]", "N CONCEPT [out-of-hours]",
      "añade horas al albarán", "add hours to the work order", repeatable=True),
    S("material", ("part",), _material, "CÓDIGO CANTIDAD [PRECIO]", "CODE QTY [PRICE]",
      "añade material al albarán", "add a part to the work order", repeatable=True),
    S("diagnostico", ("diagnosis", "diagnóstico"), _text("diagnostico"), "TEXTO", "TEXT",
      "anota el diagnóstico", "record the diagnosis", repeatable=True),
    S("solucion", ("solution", "solución"), _text("solucion"), "TEXTO", "TEXT",
      "anota la solución", "record the solution", repeatable=True),
    S("serie", ("serial",), _text("serie", 64), "NÚMERO-DE-SERIE", "SERIAL",
      "anota el número de serie del equipo", "record the unit's serial number"),
    S("cierre-estimado", ("due",), _due, "AAAA-MM-DD|DD/MM/AAAA", "YYYY-MM-DD|DD/MM/YYYY",
      "fija la fecha estimada de cierre", "set the expected closing date"),
    S("interno", ("internal",), _internal, "", "",
      "el texto que sigue es una nota interna", "the text below is an internal note"),
    S("plantilla", ("template",), _template, "NOMBRE", "NAME",
      "responde con una respuesta predefinida", "reply with a canned response"),
    S("seguimiento", ("followup",), _followup, "AAAA-MM-DD HH:MM", "YYYY-MM-DD HH:MM",
      "programa un recordatorio", "schedule a follow-up reminder", repeatable=True),
    S("cliente", ("customer",), _customer, "EMAIL", "EMAIL",
      "pone el ticket a nombre de ese cliente", "open the ticket on behalf of that customer"),
    S("decision", ("decisión",), _decision, "aprobada|rechazada", "approved|rejected",
      "decide una petición de mejora", "decide a feature request"),
    S("facturado", ("invoiced",), _text("facturado", 64), "NÚMERO", "NUMBER",
      "anota el número de factura", "record the invoice number"),
    S("pagado", ("paid",), _paid, "IMPORTE", "AMOUNT",
      "anota un pago (parcial o total)", "record a (partial or full) payment", repeatable=True),
)
del S


def command_key(word: str) -> str:
    """How a command word is compared: case, accents and `_` versus `-` do not matter."""
    return fold(word).replace("_", "-")


_BY_KEY: dict[str, CommandSpec] = {
    command_key(word): spec for spec in CATALOG for word in (spec.name, *spec.aliases)
}


def find_command(word: str) -> CommandSpec | None:
    """The spec for a command word as typed (`#` already removed), or None."""
    return _BY_KEY.get(command_key(word))


def command_words() -> tuple[str, ...]:
    """Every accepted spelling, for suggestions."""
    return tuple(_BY_KEY)


def english_name(spec: CommandSpec) -> str:
    """The English spelling (`decision` is spelled the same in both languages)."""
    return next((a for a in spec.aliases if a.isascii()), spec.name)
