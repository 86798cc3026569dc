"""soporte.toml → one frozen Config. Every section is validated at load and ALL problems
are reported at once with their path; invalid TOML is reported with file and line.
Secrets never come from the file: only the names of the environment variables holding
them. Relative paths are relative to the config file's folder."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon import sections
from daemon.problems import ConfigError, Problems
from daemon.vocabulary import Vocabulary

if TYPE_CHECKING:
    from daemon.policy import Policy

DEFAULT_PATH = "soporte.toml"


@dataclass(frozen=True)
class Staff:
    email: str
    name: str
    role: str
    aliases: tuple[str, ...] = ()
    language: str = "es"


@dataclass(frozen=True)
class Faq:
    keywords: tuple[str, ...]
    title: str
    url: str


@dataclass(frozen=True)
class Config:
    source: Path
    support: sections.Support
    mailbox: sections.Mailbox
    smtp: sections.Smtp
    database_url: str
    storage_dir: Path
    tickets: sections.Tickets
    security: sections.Security
    limits: sections.Limits
    templates: sections.Templates
    agenda: sections.Agenda
    vocab: Vocabulary
    staff: tuple[Staff, ...]
    faq: tuple[Faq, ...]
    policy: "Policy" = None     # type: ignore[assignment]  # rules, warranty, SLA, billing…
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def base_dir(self) -> Path:
        return self.source.parent

    def staff_by_email(self, email: str) -> Staff | None:
        email = email.lower()
        return next((s for s in self.staff if s.email == email), None)

    def staff_with_role(self, *roles: str) -> tuple[Staff, ...]:
        return tuple(s for s in self.staff if s.role in roles)


def config_path(cli_value: str | None) -> Path:
    """--config, else $SOPORTE_CONFIG, else ./soporte.toml."""
    return Path(cli_value or os.environ.get("SOPORTE_CONFIG") or DEFAULT_PATH)


def load_config(path: Path | str) -> Config:
    path = Path(path)
    raw = read_toml(path)
    return build_config(raw, path.resolve())


def read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([], f"{path}: file not found (pass --config or set SOPORTE_CONFIG)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([], f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already names the line and column: "... (at line 3, column 7)"
        raise ConfigError([], f"{path}: invalid TOML: {exc}") from None


KNOWN_SECTIONS = (
    "support", "mailbox", "smtp", "oauth", "database", "storage", "tickets", "security", "limits",
    "templates", "agenda", "vocabulary", "staff", "faq",
) + sections.POLICY_SECTIONS


def build_config(raw: dict[str, Any], source: Path) -> Config:
    problems = Problems()
    for key in raw:
        if key not in KNOWN_SECTIONS:
            problems.add(key, f"unknown section (known: {', '.join(KNOWN_SECTIONS)})")
    base = source.parent
    vocab = sections.load_vocabulary(raw.get("vocabulary"), problems)
    support = sections.load_support(raw.get("support"), problems)
    staff = load_staff(raw.get("staff"), vocab, support.address, problems)
    storage_dir = sections.load_storage_dir(raw.get("storage"), base, problems)
    oauth = sections.load_oauth(raw.get("oauth"), storage_dir, problems)
    config = Config(
        source=source,
        support=support,
        mailbox=sections.load_mailbox(raw.get("mailbox"), oauth, problems),
        smtp=sections.load_smtp(raw.get("smtp"), oauth, problems),
        database_url=sections.load_database_url(raw.get("database"), base, problems),
        storage_dir=storage_dir,
        tickets=sections.load_tickets(raw.get("tickets"), problems),
        security=sections.load_security(raw.get("security"), problems),
        limits=sections.load_limits(raw.get("limits"), problems),
        templates=sections.load_templates(raw.get("templates"), base, problems),
        agenda=sections.load_agenda(raw.get("agenda"), vocab.roles, problems),
        vocab=vocab,
        staff=staff,
        faq=load_faq(raw.get("faq"), problems),
        raw=raw,
    )
    from daemon.policy import load_policy   # policy needs the staff list and vocabulary
    config = _with_policy(config, load_policy(raw, config, problems))
    problems.raise_if_any(str(source))
    return config


def _with_policy(config: Config, policy: Any) -> Config:
    return replace(config, policy=policy)


def load_staff(raw: Any, vocab: Vocabulary, support_address: str, problems: Problems) -> tuple[Staff, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("staff", "must be an array of tables ([[staff]])")
        return ()
    staff: list[Staff] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        values = sections.read_staff_entry(item, f"staff[{index}]", vocab, problems)
        email = values["email"].lower()
        if not email:
            continue
        if email in seen:
            problems.add(f"staff[{index}].email", f"{email} is listed twice")
        if email == support_address.lower():
            problems.add(f"staff[{index}].email", "the support address cannot be a staff member")
        seen.add(email)
        staff.append(Staff(email=email, name=values["name"] or email, role=values["role"],
                           aliases=tuple(a.lower() for a in values["aliases"]),
                           language=values["language"]))
    return tuple(staff)


def load_faq(raw: Any, problems: Problems) -> tuple[Faq, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("faq", "must be an array of tables ([[faq]])")
        return ()
    entries = []
    for index, item in enumerate(raw):
        values = sections.read_faq_entry(item, f"faq[{index}]", problems)
        entries.append(Faq(tuple(k.lower() for k in values["keywords"]), values["title"], values["url"]))
    return tuple(entries)
