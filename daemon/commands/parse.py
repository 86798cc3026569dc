"""Splits a staff reply into its command block and the text after it (SPEC §5). In: the
visible body (quotes already stripped) and what the values are checked against; out: a
CommandBlock of commands, Spanish errors naming each bad line, and the remaining text.
Applies nothing: with any error the caller applies none of the commands.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence
from zoneinfo import ZoneInfo

from daemon.commands.catalog import (
    CATALOG, ArgError, CommandSpec, ParseContext, command_key, command_words, english_name,
    find_command, suggest,
)
from daemon.vocabulary import Vocabulary

# `#` then a letter, possibly after spaces ("# estado" is a mistyped command, not prose);
# `#1` or `#!` is prose and ends the block
_COMMAND_LINE = re.compile(r"#\s*[^\W\d_]")
_PARTS = re.compile(r"#\s*(?P<word>[^\W\d_][\w-]*)\s*:?\s*(?P<args>.*)", re.DOTALL)


@dataclass(frozen=True)
class Command:
    name: str           # canonical Spanish name, e.g. "estado"
    args: object        # the value object the catalogue's reader built
    line: str           # the line as written, trimmed
    line_no: int        # 1-based, in the body given


@dataclass(frozen=True)
class CommandError:
    line: str
    line_no: int
    message: str        # Spanish, for the staff member


@dataclass(frozen=True)
class CommandBlock:
    commands: tuple[Command, ...]
    errors: tuple[CommandError, ...]
    rest: str           # the public reply (or internal note with #interno)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_commands(body: str, *, vocab: Vocabulary, concepts: frozenset[str],
                   materials: frozenset[str], staff: Mapping[str, str], tz: ZoneInfo,
                   actor: str = "") -> CommandBlock:
    """Read the `#` lines at the top of `body`; the first other non-blank line ends them.
    `actor`: the address of the staff member writing."""
    ctx = ParseContext(vocab, concepts, materials, {k.lower(): v for k, v in staff.items()}, tz, actor)
    block, rest = _split(body)
    commands: list[Command] = []
    errors: list[CommandError] = []
    for line_no, line in block:
        outcome = _read_line(line, line_no, ctx)
        (commands if isinstance(outcome, Command) else errors).append(outcome)
    errors.extend(_repeated(commands))
    errors.sort(key=lambda e: e.line_no)
    return CommandBlock(tuple(commands), tuple(errors), rest)


def _split(body: str) -> tuple[list[tuple[int, str]], str]:
    lines = body.splitlines()
    block: list[tuple[int, str]] = []
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if not _COMMAND_LINE.match(line):
            return block, "\n".join(lines[index:]).rstrip()
        block.append((index + 1, line))
    return block, ""


def _read_line(line: str, line_no: int, ctx: ParseContext) -> Command | CommandError:
    parts = _PARTS.fullmatch(line)
    assert parts is not None  # _COMMAND_LINE already matched
    spec = find_command(parts["word"])
    if spec is None:
        return CommandError(line, line_no, _unknown(parts["word"]))
    try:
        return Command(spec.name, spec.read(parts["args"], ctx), line, line_no)
    except ArgError as err:
        return CommandError(line, line_no, str(err))


def _unknown(word: str) -> str:
    hint = suggest(command_key(word), command_words())
    tip = f"; ¿quisiste decir #{_spec(hint).name}?" if hint else ""
    return f"orden desconocida '#{word}'{tip}"


def _repeated(commands: Sequence[Command]) -> list[CommandError]:
    # two #estado lines in one reply: which one was meant is a guess, so ask instead
    first: dict[str, Command] = {}
    errors = []
    for command in commands:
        spec = find_command(command.name)
        if spec is not None and spec.repeatable:
            continue
        if command.name in first:
            errors.append(CommandError(command.line, command.line_no,
                                       f"#{command.name} aparece más de una vez (líneas "
                                       f"{first[command.name].line_no} y {command.line_no}); deja solo una"))
        first.setdefault(command.name, command)
    return errors


def ordered_for_apply(commands: Sequence[Command]) -> tuple[Command, ...]:
    """The order to apply them in: as written, except the status change goes last."""
    return tuple(sorted(commands, key=lambda c: _spec(c.name).apply_last))


def _spec(name: str) -> CommandSpec:
    spec = find_command(name)
    if spec is None:
        raise KeyError(f"not a command: {name}")
    return spec


def help_text(lang: str = "es") -> str:
    """The valid commands with their syntax, one per line, for error replies."""
    return "\n".join(_help_line(spec, lang) for spec in CATALOG)


def _help_line(spec: CommandSpec, lang: str) -> str:
    english = english_name(spec)
    if lang == "en":
        usage = f" {spec.usage_en}" if spec.usage_en else ""
        other = f" (also #{spec.name})" if spec.name != english else ""
        return f"#{english}{usage} — {spec.help_en}{other}"
    usage = f" {spec.usage_es}" if spec.usage_es else ""
    other = f" (también #{english})" if spec.name != english else ""
    return f"#{spec.name}{usage} — {spec.help_es}{other}"
