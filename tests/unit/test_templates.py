"""The email templates against their catalog: every template renders in both languages
with its sample context under StrictUndefined; each declared extra variable is really
needed; no template file is missing from the catalog or the other way round; customer
text is escaped in HTML; subjects never carry the token; customers never see staff
addresses; canned responses render with the ticket alone."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from daemon.outbound.catalog import (
    LANGUAGES, SAMPLE_STAFF, TEMPLATES, base_context, canned_file, render_problems,
    required_templates, sample_context, sample_ticket,
)
from daemon.outbound.context import customer_context, label, ticket_context
from daemon.outbound.templates import BUILTIN_DIR, Renderer

PARTS = ("subject", "txt", "html")
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
CANNED = ("solicitar_datos", "reinicio_equipo", "garantia_documentos", "visita_tecnica")
EXTRAS = [(name, extra) for name, spec in TEMPLATES.items() for extra in spec.extras]
CUSTOMER = [name for name, spec in TEMPLATES.items() if spec.audience == "customer"]
WITH_TICKET = [name for name, spec in TEMPLATES.items() if spec.ticket]
# Spanish only for now: the English renderer falls back to these.
NOT_YET_IN_ENGLISH = ("admin_outage", "admin_quarantine", "customer_message_too_large")


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def template_names(root: Path) -> dict[str, set[str]]:
    """`<name>` -> the parts found on disk; partials (`_...`) and subfolders are not templates."""
    found: dict[str, set[str]] = {}
    for path in root.glob("*.j2"):
        if path.name.startswith("_"):
            continue
        name, _, part = path.name.removesuffix(".j2").rpartition(".")
        found.setdefault(name, set()).add(part)
    return found


def source_of(filename: str, language: str) -> str:
    """The file the renderer would pick: the language's own, else the Spanish one."""
    own = BUILTIN_DIR / language / filename
    return (own if language != "es" and own.is_file() else BUILTIN_DIR / filename).read_text(encoding="utf-8")


def tainted(value: Any) -> Any:
    """Every string in the value with markup appended: what a hostile customer could send."""
    if isinstance(value, str):
        return value + SCRIPT
    if isinstance(value, dict):
        return {k: tainted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [tainted(v) for v in value]
    return value


# --- the catalog is complete and truthful ---------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", required_templates())
def test_every_template_renders_with_its_sample(renderer: Renderer, name: str, language: str) -> None:
    out = renderer.render(name, sample_context(name, language), language)
    assert out.subject.strip() and "\n" not in out.subject
    assert out.text.strip()
    assert out.html.lstrip().lower().startswith("<!doctype html>")    # every HTML part extends the layout
    assert f'<html lang="{language}">' in out.html


MARKERS = {"es": "##- Escriba su respuesta encima de esta línea -##",
           "en": "##- Please type your reply above this line -##"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", required_templates())
def test_mail_about_a_ticket_opens_with_where_to_reply(renderer: Renderer, name: str, language: str) -> None:
    """The line the answer is cut at (daemon/ingest/quotes.py), in the mail's language,
    first in both versions; none in mail about no ticket (the admin's alerts)."""
    out = renderer.render(name, sample_context(name, language), language)
    marker = MARKERS[language]
    if TEMPLATES[name].ticket:
        assert out.text.startswith(marker + "\n\n")
        assert out.html.index(marker) < out.html.index("<strong>")
    else:
        assert "##-" not in out.text and "##-" not in out.html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "extra"), EXTRAS)
def test_every_declared_extra_is_needed(renderer: Renderer, name: str, extra: str, language: str) -> None:
    context = sample_context(name, language)
    del context[extra]
    with pytest.raises(UndefinedError, match=extra):
        renderer.render(name, context, language)


@pytest.mark.parametrize("name", WITH_TICKET)
def test_templates_with_a_ticket_need_it(renderer: Renderer, name: str) -> None:
    context = sample_context(name)
    del context["ticket"]
    with pytest.raises(UndefinedError):
        renderer.render(name, context)


def test_audience_is_the_name_prefix() -> None:
    assert [n for n, spec in TEMPLATES.items() if not n.startswith(spec.audience + "_")] == []


@pytest.mark.parametrize("folder", ["", "en"])
def test_no_template_file_outside_the_catalog(folder: str) -> None:
    on_disk = template_names(BUILTIN_DIR / folder if folder else BUILTIN_DIR)
    assert sorted(set(on_disk) - set(TEMPLATES)) == []
    assert {name: parts for name, parts in on_disk.items() if parts - set(PARTS)} == {}


@pytest.mark.parametrize("folder", ["", "en"])
def test_every_catalogued_template_has_all_its_parts(folder: str) -> None:
    on_disk = template_names(BUILTIN_DIR / folder if folder else BUILTIN_DIR)
    expected = [n for n in TEMPLATES if not (folder == "en" and n in NOT_YET_IN_ENGLISH)]
    missing = {name: sorted(set(PARTS) - on_disk.get(name, set())) for name in expected}
    assert {name: parts for name, parts in missing.items() if parts} == {}


def test_the_untranslated_list_is_current() -> None:
    # a template translated since must leave NOT_YET_IN_ENGLISH, so the check above covers it
    assert sorted(set(NOT_YET_IN_ENGLISH) & set(template_names(BUILTIN_DIR / "en"))) == []


def test_render_problems_is_empty_for_the_builtin_set(renderer: Renderer) -> None:
    assert render_problems(renderer) == []


def test_render_problems_names_a_broken_override(tmp_path: Path) -> None:
    for part in PARTS:
        (tmp_path / f"customer_reply.{part}.j2").write_text("{{ ticket.token }} {{ undeclared }}")
    problems = render_problems(Renderer(override_dir=tmp_path), ("es",))
    assert problems == ["customer_reply (es): UndefinedError: 'undeclared' is undefined"]


# --- what the reader sees ---------------------------------------------------------------

@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", WITH_TICKET)
def test_no_subject_carries_the_token(renderer: Renderer, name: str, language: str) -> None:
    context = sample_context(name, language)
    out = renderer.render(name, context, language)
    assert context["ticket"]["token"] not in out.subject      # the composer adds it, once
    assert "token" not in source_of(f"{name}.subject.j2", language)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", required_templates())
def test_customer_provided_text_is_escaped_in_html_and_plain_in_text(
        renderer: Renderer, name: str, language: str) -> None:
    context = {key: value if key == "support" else tainted(value)
               for key, value in sample_context(name, language).items()}
    out = renderer.render(name, context, language)
    assert "<script>" not in out.html
    assert ESCAPED in out.html
    assert SCRIPT in out.text and "&lt;" not in out.text


@pytest.mark.parametrize(("name", "field"), [
    ("staff_customer_message", ("message", "body_text")),
    ("staff_assigned", ("message", "body_text")),
    ("customer_reply", ("reply_text",)),
    ("customer_created", ("customer", "name")),
])
def test_named_customer_fields_are_escaped(renderer: Renderer, name: str, field: tuple[str, ...]) -> None:
    context = sample_context(name)
    target = context
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = SCRIPT
    html = renderer.render(name, context).html
    assert ESCAPED in html and SCRIPT not in html


def test_the_sample_ticket_is_assigned_to_a_staff_address() -> None:
    # the check below means something only if a staff address is there to leak
    assert sample_context("customer_reply")["ticket"]["assignee"] in SAMPLE_STAFF


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", CUSTOMER)
def test_customers_never_see_a_staff_address(renderer: Renderer, name: str, language: str) -> None:
    out = renderer.render(name, sample_context(name, language), language)
    for address in SAMPLE_STAFF:
        assert address not in out.subject + out.text + out.html
    for part in PARTS:
        source = source_of(f"{name}.{part}.j2", language)
        assert not re.search(r"\bassignee\b(?!_name)", source), f"{name}.{part}.j2 shows the assignee's address"


@pytest.mark.parametrize(("language", "phrase"), [
    ("es", "responda a este mensaje con un único número del 1 al 5"),
    ("en", "reply to this message with a single number from 1 to 5"),
])
def test_closing_mail_asks_for_a_rating(renderer: Renderer, language: str, phrase: str) -> None:
    out = renderer.render("customer_closed", sample_context("customer_closed", language), language)
    assert phrase in " ".join(out.text.split())
    assert phrase in " ".join(out.html.split())


@pytest.mark.parametrize(("decision", "expected"), [("aprobada", "aprobado"), ("rechazada", "no incorporarla")])
def test_decision_mail_follows_the_decision(renderer: Renderer, decision: str, expected: str) -> None:
    context = sample_context("customer_decision") | {"decision": decision}
    assert expected in " ".join(renderer.render("customer_decision", context).text.split())


def test_optional_texts_leave_no_empty_heading(renderer: Renderer) -> None:
    context = sample_context("customer_resolved") | {"solution": ""}
    assert "Solución" not in renderer.render("customer_resolved", context).text


def test_agenda_with_nothing_due_says_so(renderer: Renderer) -> None:
    context = sample_context("staff_agenda") | {"tickets": [], "followups": []}
    text = renderer.render("staff_agenda", context).text
    assert "Ninguno." in text and "Ninguna." in text


# --- canned responses -------------------------------------------------------------------

def canned_on_disk(folder: Path) -> list[str]:
    return sorted(p.name.removesuffix(".txt.j2") for p in (folder / "canned").glob("*.j2"))


def test_the_canned_responses_exist_in_both_languages() -> None:
    assert set(CANNED) <= set(canned_on_disk(BUILTIN_DIR))
    assert canned_on_disk(BUILTIN_DIR / "en") == canned_on_disk(BUILTIN_DIR)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", canned_on_disk(BUILTIN_DIR))
def test_canned_responses_render_with_the_ticket_alone(renderer: Renderer, name: str, language: str) -> None:
    text = renderer.render_string(canned_file(name), base_context(True, language), language)
    assert "SOP-000123" in text
    assert not any(address in text for address in SAMPLE_STAFF)
    with pytest.raises(UndefinedError):
        renderer.render_string(canned_file(name), {"support": base_context(False)["support"]}, language)


# --- labels and the context -------------------------------------------------------------

@pytest.mark.parametrize(("value", "language", "expected"), [
    ("sin_documentacion", "es", "Sin documentación completa"),
    ("sin_documentacion", "en", "Awaiting documents"),
    ("informes_sobre_proceso", "es", "Informes sobre proceso"),
    ("garantia", "es", "Garantía"),
    ("mejora", "en", "Feature request"),
    ("urgente", "en", "Urgent"),
    ("instalaciones", "es", "Instalaciones"),
    ("pendiente_cliente", "fr", "Pendiente del cliente"),      # unknown language: Spanish
    ("revision_externa", "es", "Revision externa"),            # an admin's own value, tidied
    (None, "es", ""),
])
def test_labels(value: str | None, language: str, expected: str) -> None:
    assert label(value, language) == expected


def test_ticket_context_in_english_and_spanish() -> None:
    ticket = sample_ticket()
    es, en = ticket_context(ticket, SAMPLE_STAFF), ticket_context(ticket, SAMPLE_STAFF, "en")
    assert (es["status_label"], es["priority_label"], es["category_label"]) == ("Abierto", "Alta", "Avería")
    assert (en["status_label"], en["priority_label"], en["category_label"]) == ("Open", "High", "Fault")
    assert es["assignee_name"] == "Luis Martín" and es["due_date"] == "27/11/2026"
    assert customer_context(ticket) == {"email": "maria.lopez@cliente.test", "name": "María López"}


def test_an_unknown_assignee_is_named_without_the_address() -> None:
    context = ticket_context(sample_ticket(), {})
    assert context["assignee_name"] == "luis.martin"
