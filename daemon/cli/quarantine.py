"""Placeholder until this command group lands."""


def register(sub) -> None:
    return None
