"""Loading [[rules]], [warranty], [calendar] and [sla]: every problem, with its path,
reported in one run; good files become frozen objects."""
from __future__ import annotations

import tomllib
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from daemon.problems import Problems
from daemon.rules.actions import Notify
from daemon.rules.calendar import BusinessCalendar, default_calendar, load_calendar
from daemon.rules.loader import load_rules
from daemon.rules.sla import DEFAULT_SLA, BusinessDuration, load_sla, load_sla_pause
from daemon.rules.warranty import WarrantyConfig, load_warranty
from daemon.vocabulary import Vocabulary

DATA = Path(__file__).resolve().parent.parent / "data" / "rules"
STAFF = frozenset({"luis@empresa.test", "jefe@empresa.test"})
VOCAB = Vocabulary()


def load_file(name: str) -> tuple[tuple, list[str]]:
    raw = tomllib.loads((DATA / name).read_text(encoding="utf-8"))
    problems = Problems()
    rules = load_rules(raw.get("rules"), VOCAB, STAFF, problems)
    return rules, [str(p) for p in problems]


BROKEN = {
    "broken_regex.toml": (["ok", "también válida"], [
        "rules[2].when.subject: invalid regular expression: missing ), unterminated subpattern at position 3",
        "rules[2].when.from: invalid regular expression: bad character range z-a at position 1",
        "rules[2].when.header.X-Priority: invalid regular expression: nothing to repeat at position 0",
    ]),
    "broken_unknown_keys.toml": ([], [
        "rules[0].when.colour: unknown condition (known: subject, body, from, to, has_attachment, "
        "customer_has_contract, header, kind, category)",
        "rules[1].then.colour: unknown action (known: category, kind, priority, queue, status, "
        "assign, watchers, notify, stop)",
        "rules[2].priority: unknown key (known: name, on, match, when, then)",
        "rules[3].then.notify.cc: unknown key (known: to, template)",
    ]),
    "broken_enums.toml": ([], [
        "rules[0].then.priority: 'altisima' is not one of baja, normal, alta, urgente",
        "rules[1].on: 'always' is not one of create, message",
        "rules[1].match: 'some' is not one of all, any",
        "rules[1].when.kind: 'gratis' is not one of normal, garantia, cortesia, mejora",
        "rules[1].when.category: 'averias' is not one of consulta, averia, instalacion, "
        "reinstalacion, finanzas, informes_sobre_proceso",
        "rules[1].then.status: 'perdido' is not one of nuevo, abierto, sin_documentacion, "
        "pendiente_cliente, resuelto, cerrado",
        "rules[1].then.queue: 'ventas' is not one of soporte, instalaciones, finanzas",
        "rules[1].then.kind: 'regalo' is not one of normal, garantia, cortesia, mejora",
        "rules[1].then.category: 'misc' is not one of consulta, averia, instalacion, "
        "reinstalacion, finanzas, informes_sobre_proceso",
        "rules[1].then.assign: 'nadie@empresa.test' is not a configured staff email",
        "rules[1].then.notify.to: 'presidente' is neither an email address nor one of agente, "
        "supervisor, tecnico, finanzas, admin, assignee, customer",
        "rules[1].then.notify.template: 'Aviso Regla' is not a template name "
        "(lower-case letters, digits, _ and -)",
    ]),
    "broken_missing.toml": (["duplicada"], [
        "rules[0].name: required (a human phrase shown in the ticket history)",
        "rules[1].name: must not be empty",
        "rules[2].then: required (a rule without actions does nothing)",
        "rules[3].then: must contain at least one action (known: category, kind, priority, "
        "queue, status, assign, watchers, notify, stop)",
        "rules[5].name: duplicate rule name 'duplicada' (also rules[4])",
        "rules[6].then.notify.to: required",
    ]),
    "broken_types.toml": ([], [
        "rules[0].name: expected a string, got integer",
        "rules[1].when.subject: expected a string, got integer",
        "rules[1].when.has_attachment: expected true or false, got string",
        "rules[1].when.customer_has_contract: expected true or false, got integer",
        "rules[1].when.header: expected a table of header name -> regex, got string",
        "rules[1].then.stop: expected true or false, got string",
        "rules[1].then.watchers: expected an array of email addresses, got string",
        "rules[1].then.notify: expected a table { to = ..., template = ... }, got string",
        "rules[1].then.priority: expected a string, got integer",
        "rules[2].when: expected a table, got string",
        "rules[2].then.watchers[1]: expected a string, got integer",
        "rules[2].then.watchers[2]: 'no-es-email' is not an email address",
        "rules[3].when.subject: must not be empty (an empty pattern matches everything)",
        "rules[3].when.header: must name at least one header",
        "rules[3].then.watchers: must list at least one email address",
        "rules[4].when.header: a header name must not be empty",
    ]),
    "broken_not_array.toml": ([], ["rules: expected an array of tables ([[rules]]), got table"]),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_file_reports_every_problem_at_once(name: str) -> None:
    kept, expected = BROKEN[name]
    rules, problems = load_file(name)
    assert problems == expected
    assert [rule.name for rule in rules] == kept


def test_every_broken_fixture_has_a_case() -> None:
    on_disk = {p.name for p in DATA.glob("broken_*.toml")}
    assert on_disk == set(BROKEN)


def test_good_file_loads_every_condition_and_action() -> None:
    rules, problems = load_file("good_all_features.toml")
    assert problems == []
    first = rules[0]
    assert (first.name, first.on, first.match) == ("Garantía de calentadores", "create", "all")
    assert [c.label for c in first.conditions] == [
        "subject ~ /(?i)garant[ií]a/", "body ~ /(?i)calentador/", "from ~ /(?i)@acme\\.test$/",
        "to ~ /(?i)^soporte@/", "has_attachment = false", "customer_has_contract = true",
        "header X-Priority ~ /^1/", "header X-Mailer ~ /(?i)outlook/",
        "kind = normal", "category = consulta",
    ]
    assert [a.label for a in first.actions] == [
        "category = informes_sobre_proceso", "kind = garantia", "priority = alta",
        "queue = soporte", "assign luis@empresa.test", "status = sin_documentacion",
        "watch jefe@empresa.test, otro@empresa.test",
        "notify jefe@empresa.test with aviso_regla", "stop",
    ]
    notify = next(a.value for a in first.actions if a.key == "notify")
    assert notify == Notify("jefe@empresa.test", "aviso_regla")
    assert [(r.name, r.on, r.match) for r in rules[1:]] == [
        ("Finanzas a su cola", "create", "any"),
        ("Respuestas urgentes", "message", "all"),
        ("Por defecto", "create", "all"),
    ]
    assert rules[3].conditions == ()


@pytest.mark.parametrize("raw", [None, []])
def test_absent_rules_are_no_rules(raw: object) -> None:
    problems = Problems()
    assert load_rules(raw, VOCAB, STAFF, problems) == ()
    assert not problems


def test_custom_path_prefixes_problems() -> None:
    problems = Problems()
    load_rules([{"name": "x"}], VOCAB, STAFF, problems, path="extra.rules")
    assert [str(p) for p in problems] == [
        "extra.rules[0].then: required (a rule without actions does nothing)"]


# --- [warranty] -------------------------------------------------------------------------

WARRANTY_CASES = [
    ("absent: defaults", None, WarrantyConfig(), []),
    ("custom", {"deadline_hours": 48, "reminder_hours": [12, 24, 36], "min_bytes": 0,
                "accepted_types": ["application/pdf", "image/*"]},
     WarrantyConfig(deadline_hours=48, reminder_hours=(12, 24, 36), min_bytes=0,
                    accepted_types=frozenset({"application/pdf", "image/*"})), []),
    ("shorter deadline drops later default reminders", {"deadline_hours": 10},
     WarrantyConfig(deadline_hours=10, reminder_hours=(6,)), []),
    ("disabled with foreign vocabulary words", {"enabled": False},
     WarrantyConfig(enabled=False), []),
    ("everything wrong",
     {"enabled": 1, "category": "x", "deadline_hours": -1, "reminder_hours": [6, 4, 30],
      "accepted_types": ["pdf"], "min_bytes": -5, "status": "nuevo_estado", "extra": True},
     None, [
         "warranty.extra: unknown key (known: enabled, category, status, deadline_hours, "
         "reminder_hours, accepted_types, min_bytes, received_status, expired_status)",
         "warranty.enabled: expected true or false, got integer",
         "warranty.min_bytes: must not be negative",
         "warranty.deadline_hours: must be greater than zero, got -1",
         "warranty.accepted_types[0]: 'pdf' is not a MIME type like \"application/pdf\"",
         "warranty.category: 'x' is not one of consulta, averia, instalacion, reinstalacion, "
         "finanzas, informes_sobre_proceso",
         "warranty.status: 'nuevo_estado' is not one of nuevo, abierto, sin_documentacion, "
         "pendiente_cliente, resuelto, cerrado",
         "warranty.reminder_hours[1]: must be later than the reminder before it",
         "warranty.reminder_hours[2]: 30 h is not before the deadline (24 h)",
     ]),
    ("not a table", "sí", WarrantyConfig(), ["warranty: expected a table, got string"]),
]


@pytest.mark.parametrize("raw, expected, errors", [c[1:] for c in WARRANTY_CASES],
                         ids=[c[0] for c in WARRANTY_CASES])
def test_load_warranty(raw: object, expected: WarrantyConfig | None, errors: list[str]) -> None:
    problems = Problems()
    cfg = load_warranty(raw, VOCAB, problems)
    assert [str(p) for p in problems] == errors
    if expected is not None:
        assert cfg == expected


def test_warranty_defaults_follow_a_renamed_vocabulary() -> None:
    vocab = Vocabulary(statuses=("nuevo", "en_curso", "sin_documentacion", "archivado"),
                       open_status="en_curso", closed_status="archivado")
    problems = Problems()
    cfg = load_warranty(None, vocab, problems)
    assert (cfg.received_status, cfg.expired_status) == ("en_curso", "archivado")
    assert not problems


def test_warranty_default_category_missing_from_vocabulary_is_reported() -> None:
    problems = Problems()
    load_warranty(None, Vocabulary(categories=("consulta",)), problems)
    assert [str(p) for p in problems] == [
        "warranty.category: 'informes_sobre_proceso' is not one of consulta"]


# --- [calendar] -------------------------------------------------------------------------

CALENDAR_CASES = [
    ("absent: defaults", None, [], ("Europe/Madrid", {0, 1, 2, 3, 4}, ((time(9), time(18)),), set())),
    ("full", {"timezone": "America/Mexico_City", "days": ["mon", "sat"],
              "hours": ["09:00-14:00", "15:00-18:30"],
              "holidays": [date(2026, 12, 8), "2026-12-25"]}, [],
     ("America/Mexico_City", {0, 5}, ((time(9), time(14)), (time(15), time(18, 30))),
      {date(2026, 12, 8), date(2026, 12, 25)})),
    ("round the clock", {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                         "hours": "00:00-24:00"}, [],
     ("Europe/Madrid", set(range(7)), ((time(0), time(0)),), set())),
    ("everything wrong", {"timezone": "Mars/Olympus", "days": ["lun", "mon", "mon"],
                          "hours": ["09:00-14:00", "13:00-18:00"],
                          "holidays": ["2026-13-01", 20261225], "week": 5}, [
        "calendar.week: unknown key (known: timezone, days, hours, holidays)",
        "calendar.timezone: unknown time zone 'Mars/Olympus' (e.g. Europe/Madrid)",
        "calendar.days[0]: 'lun' is not one of mon, tue, wed, thu, fri, sat, sun",
        "calendar.hours[1]: overlaps or precedes the range before it",
        "calendar.holidays[0]: expected a date like 2026-12-25, got '2026-13-01'",
        "calendar.holidays[1]: expected a date like 2026-12-25, got 20261225",
    ], None),
    ("bad ranges", {"hours": "18:00-09:00", "days": []}, [
        "calendar.days: must list at least one working day (mon, tue, wed, thu, fri, sat, sun)",
        "calendar.hours: '18:00-09:00' must end after it starts",
    ], None),
    ("malformed range and duplicate day", {"hours": ["9-18"], "days": ["mon", "mon"]}, [
        "calendar.days: lists a day twice",
        "calendar.hours[0]: '9-18' is not a range like \"09:00-18:00\"",
    ], None),
]


@pytest.mark.parametrize("raw, errors, expected", [c[1:] for c in CALENDAR_CASES],
                         ids=[c[0] for c in CALENDAR_CASES])
def test_load_calendar(raw: object, errors: list[str], expected: tuple | None) -> None:
    problems = Problems()
    cal = load_calendar(raw, problems)
    assert [str(p) for p in problems] == errors
    if expected is not None:
        assert (cal.tz.key, set(cal.days), cal.ranges, set(cal.holidays)) == expected


def test_calendar_accepts_a_zone_name() -> None:
    assert BusinessCalendar("Europe/Madrid", frozenset({0}), ((time(9), time(18)),)).tz.key == "Europe/Madrid"


def test_calendar_with_problems_is_still_usable() -> None:
    cal = load_calendar({"timezone": 5, "hours": 9}, Problems())
    assert cal == default_calendar()


# --- [sla] ------------------------------------------------------------------------------

def test_sla_absent_gives_defaults_for_every_priority() -> None:
    problems = Problems()
    assert load_sla(None, VOCAB, problems) == DEFAULT_SLA
    assert not problems


def test_sla_partial_table_keeps_other_defaults() -> None:
    targets = load_sla({"alta": {"first_response": "1h30m"}}, VOCAB, Problems())
    assert targets["alta"].first_response == BusinessDuration(0, timedelta(hours=1, minutes=30))
    assert targets["alta"].resolution == BusinessDuration(2)
    assert targets["baja"] == DEFAULT_SLA["baja"]


def test_sla_custom_priority_without_default_uses_normal() -> None:
    targets = load_sla(None, Vocabulary(priorities=("p1", "p2")), Problems())
    assert targets == {"p1": DEFAULT_SLA["normal"], "p2": DEFAULT_SLA["normal"]}


def test_sla_problems() -> None:
    problems = Problems()
    load_sla({"altisima": {"first_response": "1h"}, "alta": {"resolution": "dos dias", "x": 1},
              "baja": {"first_response": "0m"}, "urgente": "1h"}, VOCAB, problems)
    assert [str(p) for p in problems] == [
        "sla.altisima: unknown priority (known: baja, normal, alta, urgente)",
        "sla.baja.first_response: must be longer than zero",
        "sla.alta.x: unknown key (known: first_response, resolution)",
        "sla.alta.resolution: 'dos dias' is not a duration like \"30m\", \"4h\", \"2d\" or \"1d4h\"",
        "sla.urgente: expected a table, got string",
    ]


def test_sla_clock_stands_still_while_waiting_on_the_customer_unless_told_otherwise() -> None:
    problems = Problems()
    assert load_sla_pause(None, VOCAB, problems) == {"pendiente_cliente"}
    assert load_sla_pause({"alta": {}}, Vocabulary(waiting_status="espera"), problems) == {"espera"}
    assert load_sla_pause({"pause_in": []}, VOCAB, problems) == frozenset()
    raw = {"pause_in": ["pendiente_cliente", "sin_documentacion"], "alta": {"resolution": "1d"}}
    assert load_sla_pause(raw, VOCAB, problems) == {"pendiente_cliente", "sin_documentacion"}
    assert load_sla(raw, VOCAB, problems)["alta"].resolution == BusinessDuration(1)
    assert not problems


def test_sla_pause_problems() -> None:
    problems = Problems()
    assert load_sla_pause({"pause_in": ["esperando", "resuelto", 3, "pendiente_cliente"]}, VOCAB,
                          problems) == {"pendiente_cliente"}
    load_sla_pause({"pause_in": "pendiente_cliente"}, VOCAB, problems)
    assert [str(p) for p in problems] == [
        "sla.pause_in[0]: 'esperando' is not one of " + ", ".join(VOCAB.statuses),
        "sla.pause_in[1]: 'resuelto' ends the resolution clock; it cannot pause it",
        "sla.pause_in[2]: expected a string, got integer",
        "sla.pause_in: expected a list of statuses, got string",
    ]


def test_the_spec_example_loads_every_section_cleanly() -> None:
    raw = tomllib.loads((DATA / "good_spec_example.toml").read_text(encoding="utf-8"))
    problems = Problems()
    rules = load_rules(raw["rules"], VOCAB, STAFF, problems)
    warranty = load_warranty(raw["warranty"], VOCAB, problems)
    calendar = load_calendar(raw["calendar"], problems)
    sla = load_sla(raw["sla"], VOCAB, problems)
    assert [str(p) for p in problems] == []
    assert [r.name for r in rules] == ["Garantía de calentadores"]
    assert len(rules[0].conditions) == 9 and len(rules[0].actions) == 9
    assert warranty == WarrantyConfig()
    assert calendar.holidays == frozenset({date(2026, 12, 8), date(2026, 12, 25)})
    assert sla == DEFAULT_SLA
