"""Renders `templates/email/<audience>_<event>.{subject,txt,html}.j2` with Jinja2:
StrictUndefined (a missing variable fails in a test, not in a customer's inbox), HTML
autoescaped (customer text is never markup), admin overrides searched first, then the
language set (`en/`), then the built-in Spanish set."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "templates" / "email"
PARTS = ("subject", "txt", "html")
REPLY_MARKER = "_reply_above.txt.j2"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class TemplateMissing(LookupError):
    pass


class Renderer:
    def __init__(self, override_dir: Path | None = None, builtin_dir: Path = BUILTIN_DIR) -> None:
        self.builtin_dir = builtin_dir
        self._envs: dict[str, Environment] = {}
        self.override_dir = override_dir

    def _env(self, language: str) -> Environment:
        if language not in self._envs:
            roots = [d for d in (self.override_dir, self.builtin_dir) if d is not None]
            search = [str(r / language) for r in roots if language != "es"] + [str(r) for r in roots]
            self._envs[language] = Environment(
                loader=FileSystemLoader(search),
                undefined=StrictUndefined,
                autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
                trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
            )
        return self._envs[language]

    def render(self, name: str, context: dict[str, Any], language: str = "es") -> Rendered:
        env = self._env(language)
        try:
            parts = {part: env.get_template(f"{name}.{part}.j2").render(**context) for part in PARTS}
        except TemplateNotFound as exc:
            raise TemplateMissing(f"template {exc.name} not found") from None
        subject = " ".join(parts["subject"].split())   # one line, whatever the template did
        text = parts["txt"].strip()
        marker = self._reply_marker(env, context)
        return Rendered(subject, f"{marker}\n\n{text}\n" if marker else text + "\n", parts["html"])

    @staticmethod
    def _reply_marker(env: Environment, context: dict[str, Any]) -> str:
        """The "type your reply above this line" line that opens every mail about a
        ticket: in the answer, all from it down is the quoted mail, whatever the
        client did to the quote (daemon/ingest/quotes.py cuts there)."""
        try:
            return env.get_template(REPLY_MARKER).render(**context).strip()
        except TemplateNotFound:
            return ""

    def render_string(self, name: str, context: dict[str, Any], language: str = "es") -> str:
        """A single template file (canned responses, partials) rendered as plain text."""
        try:
            return self._env(language).get_template(name).render(**context)
        except TemplateNotFound as exc:
            raise TemplateMissing(f"template {exc.name} not found") from None

    def names(self) -> list[str]:
        """Every `<audience>_<event>` that has a subject template, built-in or overridden."""
        found = set()
        for root in (self.override_dir, self.builtin_dir):
            if root and root.is_dir():
                found |= {p.name.removesuffix(".subject.j2") for p in root.glob("*.subject.j2")}
        return sorted(found)

    def has(self, name: str) -> bool:
        return name in self.names()

    def has_file(self, relative: str) -> bool:
        """Whether a single template file (e.g. `canned/visita.txt.j2`) exists anywhere."""
        return any(root is not None and (root / relative).is_file()
                   for root in (self.override_dir, self.builtin_dir))
