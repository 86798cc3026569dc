"""The option tables of soporte.toml's plumbing sections (support, mailbox, smtp,
database, storage, tickets, security, limits, templates, vocabulary, staff, faq) and
the frozen objects they load into. Policy sections (rules, warranty, calendar, SLA,
billing, contracts, permissions) have their own loaders under daemon/rules and
daemon/billing."""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any

from daemon.options import Option, email_address, env_name, port_number, positive, read_section
from daemon.problems import Problems
from daemon.vocabulary import Vocabulary

POLICY_SECTIONS = ("rules", "warranty", "calendar", "sla", "contracts", "billing", "permissions")
SECURITY_MODES = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class Support:
    address: str
    name: str
    language: str
    message_id_domain: str


@dataclass(frozen=True)
class OAuth:
    token_url: str
    client_id: str
    client_secret_env: str
    refresh_token_env: str
    scope: str
    device_url: str = ""            # where `soporte oauth login` starts the device flow
    authorize_url: str = ""         # where it sends the admin's browser
    store: Path | None = None       # the storage folder: the newest refresh token is kept there


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    security: str
    username: str
    password_env: str
    auth: str
    folder: str
    processed_folder: str
    quarantine_folder: str
    poll_seconds: int
    idle: bool
    timeout_seconds: int
    max_message_bytes: int
    fetch_batch: int
    oauth: OAuth | None = None      # with auth = "xoauth2" and [oauth] set: tokens renewed there

    @property
    def configured(self) -> bool:
        return bool(self.host and self.username)


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str
    username: str
    password_env: str
    timeout_seconds: int
    retry_for_hours: int
    connections: int
    auth: str
    oauth: OAuth | None = None


@dataclass(frozen=True)
class Tickets:
    token_prefix: str
    token_digits: int
    reopen_days: int


@dataclass(frozen=True)
class Security:
    require_authenticated_staff: bool
    authserv_id: str
    secret_env: str


@dataclass(frozen=True)
class Limits:
    auto_replies_per_hour: int
    new_tickets_per_hour: int
    hold_spam: bool
    max_attachment_bytes: int


@dataclass(frozen=True)
class Agenda:
    enabled: bool
    send_at: time
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Templates:
    override_dir: Path | None
    language: str


SUPPORT = (
    Option("address", str, "", "the one support address: From of all mail we send", email_address),
    Option("name", str, "Soporte Técnico", "display name on outgoing mail"),
    Option("language", str, "es", "default language of customer mail", choices=("es", "en")),
    Option("message_id_domain", str, "", "domain of our Message-IDs (default: the support address's)"),
)
MAILBOX = (
    Option("host", str, "", "IMAP server; empty disables ingest"),
    Option("port", int, 993, "IMAP port", port_number),
    Option("security", str, "ssl", "ssl | starttls | none (none only on loopback)", choices=SECURITY_MODES),
    Option("username", str, "", "IMAP login"),
    Option("password_env", str, "SOPORTE_IMAP_PASSWORD", "environment variable holding the password or OAuth token", env_name),
    Option("auth", str, "password", "password | xoauth2", choices=("password", "xoauth2")),
    Option("folder", str, "INBOX", "folder to read"),
    Option("processed_folder", str, "Processed", "move handled mail here; empty: flag \\Seen only"),
    Option("quarantine_folder", str, "Quarantine", "move mail that cannot be processed here; empty: leave it"),
    Option("poll_seconds", int, 60, "polling interval when IDLE is unavailable", positive),
    Option("idle", bool, True, "use IMAP IDLE when the server offers it"),
    Option("timeout_seconds", int, 60, "timeout of every IMAP network call", positive),
    Option("max_message_bytes", int, 35 * 1024 * 1024, "larger messages are not downloaded", positive),
    Option("fetch_batch", int, 50, "messages downloaded per IMAP FETCH", positive),
)
SMTP = (
    Option("host", str, "127.0.0.1", "SMTP relay"),
    Option("port", int, 587, "SMTP port", port_number),
    Option("security", str, "starttls", "ssl | starttls | none", choices=SECURITY_MODES),
    Option("username", str, "", "SMTP AUTH login; empty: no AUTH"),
    Option("password_env", str, "SOPORTE_SMTP_PASSWORD", "environment variable holding the SMTP password or OAuth token", env_name),
    Option("auth", str, "password", "password | xoauth2", choices=("password", "xoauth2")),
    Option("timeout_seconds", int, 30, "timeout of every SMTP network call", positive),
    Option("retry_for_hours", int, 72, "give up on a message after retrying this long", positive),
    Option("connections", int, 1, "mails under way at once, each on its own connection; a crash "
           "may send each of them twice", lambda v: None if 1 <= v <= 16 else "must be between 1 and 16"),
)


def _web_address_or_none(url: str) -> str | None:
    """The problem with an optional endpoint address, if any."""
    return None if not url or _web_address(url) else "must be an https:// address (http:// only on loopback)"


def _web_address(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.hostname) and (parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname)))


OAUTH = (
    Option("token_url", str, "", "the provider's token endpoint; empty: an xoauth2 login uses the "
           "token in password_env as it is", _web_address_or_none),
    Option("client_id", str, "", "the application (client) id registered with the provider"),
    Option("client_secret_env", str, "SOPORTE_OAUTH_CLIENT_SECRET", "environment variable holding the client secret", env_name),
    Option("refresh_token_env", str, "SOPORTE_OAUTH_REFRESH_TOKEN",
           "environment variable holding a refresh token; unset: the client-credentials grant", env_name),
    Option("scope", str, "", "scopes asked for, separated by spaces"),
    Option("device_url", str, "", "the provider's device authorization endpoint, for `soporte oauth login`",
           _web_address_or_none),
    Option("authorize_url", str, "", "the provider's authorization endpoint, for `soporte oauth login --browser`",
           _web_address_or_none),
)
TICKETS = (
    Option("token_prefix", str, "SOP", "ticket token prefix", lambda v: None if v.isalnum() else "letters and digits only"),
    Option("token_digits", int, 6, "digits in the token", lambda v: None if 3 <= v <= 12 else "must be between 3 and 12"),
    Option("reopen_days", int, 7, "a customer reply this many days after 'resuelto' opens a new ticket", positive),
)
SECURITY = (
    Option("require_authenticated_staff", bool, False, "staff commands need DKIM or SPF pass"),
    Option("authserv_id", str, "", "whose Authentication-Results header to trust"),
    Option("secret_env", str, "SOPORTE_SECRET", "environment variable with the Message-ID signing secret", env_name),
)
LIMITS = (
    Option("auto_replies_per_hour", int, 10, "automatic replies per recipient per hour", positive),
    Option("new_tickets_per_hour", int, 20, "new tickets per sender per hour", positive),
    Option("hold_spam", bool, True, "hold mail a spam filter upstream marked as spam (no ticket, no answer)"),
    Option("max_attachment_bytes", int, 25 * 1024 * 1024, "larger attachments are not stored", positive),
)
TEMPLATES = (
    Option("dir", str, "", "folder whose templates override the built-in ones"),
    Option("language", str, "es", "template set", choices=("es", "en")),
)
AGENDA = (
    Option("enabled", bool, True, "send each agent a daily agenda of open tickets and follow-ups"),
    Option("send_at", str, "08:00", "local time (calendar time zone), working days only", lambda v: _clock_error(v)),
    Option("roles", list, ["agente", "tecnico", "supervisor"], "staff roles that get an agenda"),
)
DATABASE = (Option("url", str, "sqlite:///soporte.db", "SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://..."),)
STORAGE = (Option("dir", str, "var/", "raw messages, attachments and quarantine"),)
STAFF = (
    Option("email", str, "", "staff address (commands are accepted from it)", email_address),
    Option("name", str, "", "display name"),
    Option("role", str, "agente", "agente | supervisor | tecnico | finanzas | admin"),
    Option("aliases", list, [], "other names for #asignar"),
    Option("language", str, "es", "language of mail to this person", choices=("es", "en")),
)
FAQ = (
    Option("keywords", list, [], "words that make this FAQ appear in the acknowledgement"),
    Option("title", str, "", "link text"),
    Option("url", str, "", "link"),
)
VOCABULARY = tuple(
    Option(name, list, list(getattr(Vocabulary(), name)), f"allowed {name}")
    for name in ("statuses", "kinds", "categories", "priorities", "queues", "roles")
)


def load_support(raw: Any, problems: Problems) -> Support:
    v = read_section(raw, "support", SUPPORT, problems)
    if not v["address"]:
        problems.add("support.address", "is required: the one support address customers write to")
    domain = v["message_id_domain"] or v["address"].rpartition("@")[2] or "soporte.invalid"
    return Support(v["address"].lower(), v["name"], v["language"], domain)


def load_mailbox(raw: Any, oauth: OAuth | None, problems: Problems) -> Mailbox:
    """`oauth`: renews the tokens of an xoauth2 login ([oauth]), when set."""
    v = read_section(raw, "mailbox", MAILBOX, problems)
    if v["security"] == "none" and v["host"] and not is_loopback(v["host"]):
        problems.add("mailbox.security", "'none' (plain text) is allowed only on loopback; use ssl or starttls")
    return Mailbox(**v, oauth=oauth if v["auth"] == "xoauth2" else None)


def load_smtp(raw: Any, oauth: OAuth | None, problems: Problems) -> Smtp:
    v = read_section(raw, "smtp", SMTP, problems)
    if v["security"] == "none" and v["username"] and not is_loopback(v["host"]):
        problems.add("smtp.security", "refusing to send a password in plain text to a remote server")
    return Smtp(**v, oauth=oauth if v["auth"] == "xoauth2" else None)


def load_oauth(raw: Any, storage_dir: Path, problems: Problems) -> OAuth | None:
    """None when no token endpoint is set: nothing renews tokens then."""
    v = read_section(raw, "oauth", OAUTH, problems)
    if not v["token_url"]:
        return None
    if not v["client_id"]:
        problems.add("oauth.client_id", "is required with token_url")
    return OAuth(**v, store=storage_dir)


def load_database_url(raw: Any, base: Path, problems: Problems) -> str:
    url = read_section(raw, "database", DATABASE, problems)["url"]
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != prefix + ":memory:":
        file = Path(url[len(prefix):])
        return prefix + str(file if file.is_absolute() else base / file)
    if not url.startswith(("sqlite", "postgresql")):
        problems.add("database.url", "must be sqlite:///... or postgresql+psycopg://...")
    return url


def load_storage_dir(raw: Any, base: Path, problems: Problems) -> Path:
    folder = Path(read_section(raw, "storage", STORAGE, problems)["dir"])
    return folder if folder.is_absolute() else base / folder


def load_tickets(raw: Any, problems: Problems) -> Tickets:
    return Tickets(**read_section(raw, "tickets", TICKETS, problems))


def load_security(raw: Any, problems: Problems) -> Security:
    v = read_section(raw, "security", SECURITY, problems)
    if v["require_authenticated_staff"] and not v["authserv_id"]:
        problems.add("security.authserv_id", "is required when require_authenticated_staff = true")
    return Security(**v)


def load_limits(raw: Any, problems: Problems) -> Limits:
    return Limits(**read_section(raw, "limits", LIMITS, problems))


def load_templates(raw: Any, base: Path, problems: Problems) -> Templates:
    v = read_section(raw, "templates", TEMPLATES, problems)
    folder = None
    if v["dir"]:
        folder = Path(v["dir"]) if Path(v["dir"]).is_absolute() else base / v["dir"]
        if not folder.is_dir():
            problems.add("templates.dir", f"{folder} is not a folder")
    return Templates(folder, v["language"])


def load_agenda(raw: Any, roles: tuple[str, ...], problems: Problems) -> Agenda:
    v = read_section(raw, "agenda", AGENDA, problems)
    for role in v["roles"]:
        if role not in roles:
            problems.add("agenda.roles", f"{role!r} is not one of {', '.join(roles)}")
    send_at = time(8, 0) if _clock_error(v["send_at"]) else time.fromisoformat(v["send_at"])
    return Agenda(v["enabled"], send_at, tuple(v["roles"]))


def _clock_error(value: str) -> str | None:
    try:
        time.fromisoformat(value)
    except ValueError:
        return f"{value!r} is not a time of day like 08:00"
    return None


def load_vocabulary(raw: Any, problems: Problems) -> Vocabulary:
    v = read_section(raw, "vocabulary", VOCABULARY, problems)
    for name, values in v.items():
        if not values or not all(isinstance(x, str) and x for x in values):
            problems.add(f"vocabulary.{name}", "must be a non-empty list of words")
            v[name] = list(getattr(Vocabulary(), name))
    return Vocabulary(**{name: tuple(values) for name, values in v.items()})


def read_staff_entry(raw: Any, path: str, vocab: Vocabulary, problems: Problems) -> dict[str, Any]:
    v = read_section(raw, path, STAFF, problems)
    if not v["email"]:
        problems.add(f"{path}.email", "is required")
    if v["role"] not in vocab.roles:
        problems.add(f"{path}.role", f"{v['role']!r} is not one of {', '.join(vocab.roles)}")
    return v


def read_faq_entry(raw: Any, path: str, problems: Problems) -> dict[str, Any]:
    v = read_section(raw, path, FAQ, problems)
    for key in ("title", "url"):
        if not v[key]:
            problems.add(f"{path}.{key}", "is required")
    if not v["keywords"]:
        problems.add(f"{path}.keywords", "needs at least one keyword")
    return v


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
