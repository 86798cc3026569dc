"""Staff commands by mail: each command in Spanish and English, malformed values,
unknown commands, where the command block ends."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from daemon.commands.catalog import (
    CATALOG, Amount, FieldChange, HoursArgs, MaterialArgs, NoArgs, Text, When, find_command,
)
from daemon.commands.parse import CommandBlock, help_text, ordered_for_apply, parse_commands
from daemon.vocabulary import Vocabulary

MADRID = ZoneInfo("Europe/Madrid")
STAFF = {"ana": "ana@empresa.test", "ana@empresa.test": "ana@empresa.test",
         "luis garcía": "luis@empresa.test", "luis@empresa.test": "luis@empresa.test"}


def parse(body: str) -> CommandBlock:
    return parse_commands(body, vocab=Vocabulary(), concepts=frozenset({"SMANT", "SMANTND", "SMANTNDHOR"}),
                          materials=frozenset({"KIT-01"}), staff=STAFF, tz=MADRID)


VALID = [
    ("#estado cerrado", "estado", FieldChange("status", "cerrado")),
    ("#status abierto", "estado", FieldChange("status", "abierto")),
    ("#ESTADO: Pendiente cliente", "estado", FieldChange("status", "pendiente_cliente")),
    ("#estado sin documentación", "estado", FieldChange("status", "sin_documentacion")),
    ("#status closed", "estado", FieldChange("status", "cerrado")),
    ("#asignar Ana", "asignar", Text("ana@empresa.test")),
    ("#assign luis garcia", "asignar", Text("luis@empresa.test")),
    ("#asignar Luis@Empresa.test", "asignar", Text("luis@empresa.test")),
    ("#tipo garantía", "tipo", FieldChange("kind", "garantia")),
    ("#kind courtesy", "tipo", FieldChange("kind", "cortesia")),
    ("#categoria averia", "categoria", FieldChange("category", "averia")),
    ("#categoría informes sobre proceso", "categoria", FieldChange("category", "informes_sobre_proceso")),
    ("#category instalacion", "categoria", FieldChange("category", "instalacion")),
    ("#prioridad urgente", "prioridad", FieldChange("priority", "urgente")),
    ("#priority high", "prioridad", FieldChange("priority", "alta")),
    ("#cola instalaciones", "cola", FieldChange("queue", "instalaciones")),
    ("#queue finanzas", "cola", FieldChange("queue", "finanzas")),
    ("#horas 2 SMANT", "horas", HoursArgs(Decimal("2"), "SMANT", False)),
    ("#hours 1,5 smantnd", "horas", HoursArgs(Decimal("1.5"), "SMANTND", False)),
    ("#horas 0.25 SMANT fuera-de-horario", "horas", HoursArgs(Decimal("0.25"), "SMANT", True)),
    ("#hours 24 SMANTNDHOR out-of-hours", "horas", HoursArgs(Decimal("24"), "SMANTNDHOR", True)),
    ("#material KIT-01 2", "material", MaterialArgs("KIT-01", Decimal("2"), None)),
    ("#part kit-01 1,5 30", "material", MaterialArgs("KIT-01", Decimal("1.5"), Decimal("30"))),
    ("#material TORNILLO 10 0,35", "material", MaterialArgs("TORNILLO", Decimal("10"), Decimal("0.35"))),
    ("#material CABLE 1 0", "material", MaterialArgs("CABLE", Decimal("1"), Decimal("0"))),
    ("#diagnostico  Placa   quemada ", "diagnostico", Text("Placa quemada")),
    ("#diagnóstico resistencia", "diagnostico", Text("resistencia")),
    ("#diagnosis burnt board", "diagnostico", Text("burnt board")),
    ("#solucion cambio de placa", "solucion", Text("cambio de placa")),
    ("#solución cambio de junta", "solucion", Text("cambio de junta")),
    ("#solution replaced", "solucion", Text("replaced")),
    ("#serie SN-12345", "serie", Text("SN-12345")),
    ("#serial AB 99", "serie", Text("AB 99")),
    ("#cierre-estimado 2026-11-30", "cierre-estimado", When(date(2026, 11, 30))),
    ("#cierre_estimado 30/11/2026", "cierre-estimado", When(date(2026, 11, 30))),
    ("#due 1/2/2027", "cierre-estimado", When(date(2027, 2, 1))),
    ("#interno", "interno", NoArgs()),
    ("#internal", "interno", NoArgs()),
    ("#plantilla reinicio_router", "plantilla", Text("reinicio_router")),
    ("#template Reset-Password", "plantilla", Text("reset-password")),
    ("#seguimiento 2026-11-23 10:00", "seguimiento", When(datetime(2026, 11, 23, 10, 0, tzinfo=MADRID))),
    ("#followup 2026-11-23T10:00", "seguimiento", When(datetime(2026, 11, 23, 10, 0, tzinfo=MADRID))),
    ("#seguimiento 23/11/2026 9:30", "seguimiento", When(datetime(2026, 11, 23, 9, 30, tzinfo=MADRID))),
    ("#seguimiento 2026-11-23T10:00+01:00", "seguimiento",
     When(datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1))))),
    ("#cliente Pepe@Cliente.test", "cliente", Text("pepe@cliente.test")),
    ("#customer Pepe Pérez <pepe@cliente.test>", "cliente", Text("pepe@cliente.test")),
    ("#decision aprobada", "decision", Text("aprobada")),
    ("#decisión rechazada", "decision", Text("rechazada")),
    ("#decision approved", "decision", Text("aprobada")),
    ("#decision rejected", "decision", Text("rechazada")),
    ("#facturado F-2026/0012", "facturado", Text("F-2026/0012")),
    ("#invoiced 2026-77", "facturado", Text("2026-77")),
    ("#pagado 1234.56", "pagado", Amount(Decimal("1234.56"))),
    ("#paid 1234,56", "pagado", Amount(Decimal("1234.56"))),
    ("#pagado 100 €", "pagado", Amount(Decimal("100"))),
    ("#pagado 0,5", "pagado", Amount(Decimal("0.5"))),
]


@pytest.mark.parametrize(("line", "name", "args"), VALID)
def test_valid_command(line: str, name: str, args: object) -> None:
    block = parse(line + "\n\nGracias.")
    assert block.errors == ()
    assert [(c.name, c.args, c.line, c.line_no) for c in block.commands] == [(name, args, line.strip(), 1)]
    assert block.rest == "Gracias."


@pytest.mark.parametrize("line", ["#asignar yo", "#asignar a mí", "#assign me", "#ASIGNAR Yo"])
def test_assign_to_oneself_names_the_writer(line) -> None:
    block = parse_commands(line, vocab=Vocabulary(), concepts=frozenset(), materials=frozenset(),
                           staff=STAFF, tz=MADRID, actor="Ana@Empresa.test")
    assert block.ok and block.commands[0].args == Text("ana@empresa.test")


def test_assign_to_oneself_needs_to_know_the_writer() -> None:
    assert not parse("#asignar yo").ok


def test_every_catalogued_command_is_exercised_in_both_languages() -> None:
    used = {line.split()[0][1:].lower() for line, _, _ in VALID}
    for spec in CATALOG:
        assert spec.name in used and spec.aliases[0] in used, spec.name


INVALID = [
    ("#estatus abierto", "orden desconocida '#estatus'; ¿quisiste decir #estado?"),
    ("#asignr ana", "orden desconocida '#asignr'; ¿quisiste decir #asignar?"),
    ("#xyzzy", "orden desconocida '#xyzzy'"),
    ("# foo", "orden desconocida '#foo'"),
    ("#estado cerradísimo", "valor 'cerradísimo' no válido para #estado (válidos: nuevo, abierto, "
                            "sin_documentacion, pendiente_cliente, resuelto, cerrado); ¿quisiste decir cerrado?"),
    ("#estado", "falta el valor de #estado (válidos: nuevo, abierto, sin_documentacion, "
                "pendiente_cliente, resuelto, cerrado)"),
    ("#prioridad altísima", "valor 'altísima' no válido para #prioridad (válidos: baja, normal, alta, "
                            "urgente); ¿quisiste decir alta?"),
    ("#cola taller", "valor 'taller' no válido para #cola (válidos: soporte, instalaciones, finanzas)"),
    ("#asignar pepe", "'pepe' no es nadie del equipo para #asignar"),
    ("#asignar", "falta a quién asignar: #asignar EMAIL, NOMBRE o yo"),
    ("#horas 2", "uso: #horas N CONCEPTO [fuera-de-horario]"),
    ("#horas dos SMANT", "#horas: 'dos' no es una cantidad (ejemplos: 2, 1.5, 1,5)"),
    ("#horas 0 SMANT", "#horas 0: deben ser más de 0 y como mucho 24"),
    ("#horas 25 SMANT", "#horas 25: deben ser más de 0 y como mucho 24"),
    ("#horas -1 SMANT", "#horas: '-1' no es una cantidad (ejemplos: 2, 1.5, 1,5)"),
    ("#horas 1 VIAJE", "concepto 'VIAJE' desconocido en #horas (válidos: SMANT, SMANTND, SMANTNDHOR)"),
    ("#horas 1 SMANT nocturno", "'nocturno' no se entiende en #horas (¿fuera-de-horario?)"),
    ("#material TORNILLO 3", "el material 'TORNILLO' no está en el catálogo: indica el precio "
                             "(#material TORNILLO 3 PRECIO)"),
    ("#material KIT-01 0", "#material KIT-01: la cantidad debe ser mayor que 0"),
    ("#material KIT-01 1 -3", "#material: '-3' no es un importe (ejemplos: 60, 60.50, 60,50)"),
    ("#material KIT-01", "uso: #material CÓDIGO CANTIDAD [PRECIO]"),
    ("#diagnostico", "falta el texto de #diagnostico"),
    ("#serie " + "X" * 65, "#serie admite como mucho 64 caracteres"),
    ("#cierre-estimado mañana", "#cierre-estimado: 'mañana' no es una fecha (AAAA-MM-DD o DD/MM/AAAA)"),
    ("#cierre-estimado 31/02/2026", "#cierre-estimado: la fecha '31/02/2026' no existe"),
    ("#interno nota para Luis", "#interno no lleva nada detrás: escribe la nota debajo de las órdenes"),
    ("#plantilla reinicio router", "nombre de plantilla 'reinicio router' no válido (solo a-z, 0-9, _ y -)"),
    ("#seguimiento 2026-11-23", "#seguimiento: '2026-11-23' no es fecha y hora (AAAA-MM-DD HH:MM)"),
    ("#seguimiento 2026-11-23 25:00", "#seguimiento: la hora de '2026-11-23 25:00' no existe"),
    ("#cliente pepe", "'pepe' no es una dirección de correo válida para #cliente"),
    ("#decision quizá", "valor 'quizá' no válido para #decision (válidos: aprobada, rechazada)"),
    ("#facturado", "falta el texto de #facturado"),
    ("#pagado 0", "#pagado: el importe debe ser mayor que 0"),
    ("#pagado 1.234,56", "#pagado: importe '1.234,56' ambiguo; escríbelo sin separador de miles y con "
                         "2 decimales como mucho (1234.56 o 1234,56)"),
    ("#pagado 1,234.56", "#pagado: importe '1,234.56' ambiguo; escríbelo sin separador de miles y con "
                         "2 decimales como mucho (1234.56 o 1234,56)"),
    ("#pagado 1.234", "#pagado: importe '1.234' ambiguo; escríbelo sin separador de miles y con "
                      "2 decimales como mucho (1234.56 o 1234,56)"),
    ("#pagado mucho", "#pagado: 'mucho' no es un importe (ejemplos: 60, 60.50, 60,50)"),
]


@pytest.mark.parametrize(("line", "message"), INVALID)
def test_invalid_command(line: str, message: str) -> None:
    block = parse(line)
    assert block.commands == ()
    assert [(e.line, e.line_no, e.message) for e in block.errors] == [(line.strip(), 1, message)]
    assert not block.ok


BLOCKS = [
    # (body, command names, error line numbers, rest)
    ("\n\n#estado cerrado\n#horas 1 SMANT\n\nResuelto.\n\n-- \nAna", ["estado", "horas"], [],
     "Resuelto.\n\n-- \nAna"),
    ("#interno\n\n\n#asignar ana\nMira esto.\n#estado cerrado", ["interno", "asignar"], [],
     "Mira esto.\n#estado cerrado"),
    ("Hola,\n#estado cerrado", [], [], "Hola,\n#estado cerrado"),
    ("#1 es la prioridad\n#estado cerrado", [], [], "#1 es la prioridad\n#estado cerrado"),
    ("#estado cerrado\n#1 de la lista", ["estado"], [], "#1 de la lista"),
    ("Ver #estado en la web", [], [], "Ver #estado en la web"),
    ("#estado cerrado\r\n#tipo garantia\r\n\r\nListo\r\n", ["estado", "tipo"], [], "Listo"),
    ("#estado cerrado\n#horas 1 SMANT", ["estado", "horas"], [], ""),
    ("  #estado cerrado\n#nada\n#horas 1 SMANT\nTexto", ["estado", "horas"], [2], "Texto"),
    ("#estado cerrado\n#status abierto", ["estado", "estado"], [2], ""),
    ("#horas 1 SMANT\n#horas 2 SMANTND\n#pagado 5\n#pagado 6", ["horas", "horas", "pagado", "pagado"], [], ""),
    ("", [], [], ""),
]


@pytest.mark.parametrize(("body", "names", "error_lines", "rest"), BLOCKS)
def test_command_block(body: str, names: list[str], error_lines: list[int], rest: str) -> None:
    block = parse(body)
    assert [c.name for c in block.commands] == names
    assert [e.line_no for e in block.errors] == error_lines
    assert block.rest == rest


def test_repeated_single_command_names_both_lines() -> None:
    block = parse("#estado cerrado\n#status abierto")
    assert block.errors[0].message == "#estado aparece más de una vez (líneas 1 y 2); deja solo una"


def test_naive_followup_takes_the_summer_offset_of_the_zone() -> None:
    block = parse("#seguimiento 2026-07-01 10:00")
    at = block.commands[0].args.value  # type: ignore[attr-defined]
    assert at.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(("body", "order"), [
    ("#estado cerrado\n#horas 1 SMANT\n#facturado F1", ["horas", "facturado", "estado"]),
    ("#tipo garantia\n#status resuelto\n#asignar ana", ["tipo", "asignar", "estado"]),
    ("#horas 1 SMANT", ["horas"]),
])
def test_status_change_applies_last(body: str, order: list[str]) -> None:
    assert [c.name for c in ordered_for_apply(parse(body).commands)] == order


@pytest.mark.parametrize(("word", "name"), [
    ("Categoría", "categoria"), ("CATEGORY", "categoria"), ("cierre_estimado", "cierre-estimado"),
    ("paid", "pagado"), ("decisión", "decision"), ("nada", None),
])
def test_find_command(word: str, name: str | None) -> None:
    spec = find_command(word)
    assert (spec.name if spec else None) == name


@pytest.mark.parametrize(("lang", "first", "decision"), [
    ("es", "#estado ESTADO — cambia el estado (también #status)",
     "#decision aprobada|rechazada — decide una petición de mejora"),
    ("en", "#status STATUS — change the status (also #estado)",
     "#decision approved|rejected — decide a feature request"),
])
def test_help_lists_every_command(lang: str, first: str, decision: str) -> None:
    lines = help_text(lang).splitlines()
    assert len(lines) == len(CATALOG)
    assert lines[0] == first
    assert decision in lines
