"""The words tickets are described with (SPEC §2). Defaults here; soporte.toml may
replace any list. Code identifiers are English, values are Spanish data."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_STATUSES = ("nuevo", "abierto", "sin_documentacion", "pendiente_cliente", "resuelto", "cerrado")
DEFAULT_KINDS = ("normal", "garantia", "cortesia", "mejora")
DEFAULT_CATEGORIES = (
    "consulta", "averia", "instalacion", "reinstalacion", "finanzas", "informes_sobre_proceso",
)
DEFAULT_PRIORITIES = ("baja", "normal", "alta", "urgente")
DEFAULT_QUEUES = ("soporte", "instalaciones", "finanzas")
DEFAULT_ROLES = ("agente", "supervisor", "tecnico", "finanzas", "admin")
NON_BILLABLE_KINDS = ("garantia", "cortesia")


@dataclass(frozen=True)
class Vocabulary:
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    kinds: tuple[str, ...] = DEFAULT_KINDS
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    priorities: tuple[str, ...] = DEFAULT_PRIORITIES
    queues: tuple[str, ...] = DEFAULT_QUEUES
    roles: tuple[str, ...] = DEFAULT_ROLES
    # status meanings the code relies on; admins may rename the values
    new_status: str = "nuevo"
    open_status: str = "abierto"
    waiting_status: str = "pendiente_cliente"
    resolved_status: str = "resuelto"
    closed_status: str = "cerrado"
    default_kind: str = "normal"
    default_category: str = "consulta"
    default_priority: str = "normal"
    default_queue: str = "soporte"

    def field_values(self, field_name: str) -> tuple[str, ...]:
        """The allowed values of a ticket field by its name (status, kind, ...)."""
        return {
            "status": self.statuses, "kind": self.kinds, "category": self.categories,
            "priority": self.priorities, "queue": self.queues,
        }[field_name]
