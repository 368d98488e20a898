"""Tokenizer and parser for the Go `text/template` subset webhook templates use.

Produces a small tree (Text, Action, If, Range, With) that `render.py` walks. Nothing is ever
evaluated as Python: the grammar only knows fields, variables, literals and whitelisted functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TEMPLATE_CHARS = 32 * 1024
MAX_NESTING = 20  # {{if}}/{{range}} blocks, and parentheses inside one action
MAX_NUMBER_CHARS = 64


class TemplateError(ValueError):
    """The template cannot be parsed or rendered; the message says where and why."""


# -- tree -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    path: tuple[str, ...]  # () is the dot itself


@dataclass(frozen=True, slots=True)
class Variable:
    name: str  # "$" is the root data
    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Chain:
    """`(pipeline).Field.Sub`: fields of a parenthesised result."""

    pipe: Pipeline
    path: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Literal:
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier:
    name: str  # a function name


@dataclass(frozen=True, slots=True)
class Pipeline:
    commands: tuple[tuple[Any, ...], ...]  # each command: operands (Field, Literal, Pipeline...)
    declare: tuple[str, ...] = ()  # `$x := ...` or `$i, $e := ...` (range)
    assign: bool = False  # `$x = ...` re-assigns an existing variable


@dataclass(slots=True)
class Text:
    text: str


@dataclass(slots=True)
class Action:
    pipe: Pipeline
    line: int


@dataclass(slots=True)
class Branch:
    kind: str  # "if" | "with" | "range"
    pipe: Pipeline
    line: int
    body: list[Any] = field(default_factory=list)
    otherwise: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class LoopControl:
    kind: str  # "break" | "continue"
    line: int


# -- tokenizer --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<number>[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<field>(?:\.[A-Za-z_]\w*)+|\.)
  | (?P<variable>\$\w*(?:\.[A-Za-z_]\w*)*)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<punct>[|(),])
    """,
    re.VERBOSE,
)
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_SPACE = " \t\r\n"


def _unquote(token: str, line: int) -> str:
    body = token[1:-1]

    def escape(match: re.Match[str]) -> str:
        seq = match.group(1)
        if seq[0] in _ESCAPES:
            return _ESCAPES[seq[0]]
        if seq[0] in "\\\"'":
            return seq[0]
        try:
            return chr(int(seq[1:], 16))
        except ValueError:
            raise TemplateError(f"line {line}: bad escape \\{seq} in string") from None

    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", escape, body)


def _tokens(source: str, line: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise TemplateError(f"line {line}: unexpected {source[pos : pos + 10]!r} in action")
        kind = match.lastgroup or ""
        if kind == "field" and source[pos - 1 : pos] == ")":
            kind = "chain"  # `(...).Field`: no space between ) and the field
        if kind != "space":
            out.append((kind, match.group()))
        pos = match.end()
    return out


def _split(template: str) -> list[tuple[str, str, int]]:
    """Text and action pieces: ("text", s, line) / ("action", inner, line); trims applied."""
    pieces: list[tuple[str, str, int]] = []
    pos, trim_next = 0, False
    while True:
        start = template.find("{{", pos)
        text = template[pos:] if start < 0 else template[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        line = template.count("\n", 0, start if start >= 0 else len(template)) + 1
        if start < 0:
            pieces.append(("text", text, line))
            return pieces
        inner_start = start + 2
        after_dash = template[inner_start + 1 : inner_start + 2]
        if template.startswith("-", inner_start) and after_dash and after_dash in _SPACE:
            text = text.rstrip(_SPACE)
            inner_start += 2
        pieces.append(("text", text, line))
        end = _action_end(template, inner_start, line)
        inner = template[inner_start:end]
        trim_next = False
        if inner.endswith("-") and inner[-2:-1] in tuple(_SPACE):
            inner, trim_next = inner[:-2], True
        pieces.append(("action", inner, line))
        pos = end + 2


def _action_end(template: str, pos: int, line: int) -> int:
    """Index of the `}}` closing the action at `pos` (skipping quoted strings and comments)."""
    stripped = template[pos:].lstrip(_SPACE)
    if stripped.startswith("/*"):
        close = template.find("*/", pos)
        end = template.find("}}", close + 2) if close >= 0 else -1
        if end < 0:
            raise TemplateError(f"line {line}: unclosed comment")
        return end
    i = pos
    while i < len(template):
        char = template[i]
        if template.startswith("}}", i):
            return i
        if char in '"`':
            close = template.find(char, i + 1)
            while char == '"' and close > 0 and _escaped(template, close):
                close = template.find(char, close + 1)
            if close < 0:
                raise TemplateError(f"line {line}: unterminated string in action")
            i = close
        i += 1
    raise TemplateError(f"line {line}: unclosed action (missing }}}})")


def _escaped(text: str, index: int) -> bool:
    slashes = 0
    while index - slashes - 1 >= 0 and text[index - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


# -- parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, functions: frozenset[str]) -> None:
        self.functions = functions

    def parse(self, template: str) -> list[Any]:
        if len(template) > MAX_TEMPLATE_CHARS:
            raise TemplateError(f"template is longer than {MAX_TEMPLATE_CHARS} characters")
        # Frames: (open branch, the list new nodes go into, closed by its owner's {{end}}).
        stack: list[tuple[Branch | None, list[Any], bool]] = [(None, [], False)]
        for kind, content, line in _split(template):
            owner, body, _ = stack[-1]
            if kind == "text":
                if content:
                    body.append(Text(content))
                continue
            stripped = content.strip(_SPACE)
            if stripped.startswith("/*"):
                if not stripped.endswith("*/"):
                    raise TemplateError(f"line {line}: comment must end with */ before }}}}")
                continue
            tokens = _tokens(stripped, line)
            if not tokens:
                raise TemplateError(f"line {line}: empty action")
            keyword = tokens[0][1] if tokens[0][0] == "ident" else ""
            if keyword in ("if", "with", "range"):
                if len(stack) > MAX_NESTING:
                    raise TemplateError(f"line {line}: blocks nested too deeply")
                branch = Branch(keyword, self._pipeline(tokens[1:], line, keyword), line)
                body.append(branch)
                stack.append((branch, branch.body, False))
            elif keyword == "else":
                if owner is None or body is owner.otherwise:
                    raise TemplateError(f"line {line}: unexpected {{{{else}}}}")
                stack[-1] = (owner, owner.otherwise, stack[-1][2])
                if len(tokens) > 1:  # `else if ...` / `else with ...`: a chained branch
                    sub = tokens[1][1]
                    if tokens[1][0] != "ident" or sub not in ("if", "with"):
                        raise TemplateError(f"line {line}: unexpected tokens after else")
                    nested = Branch(sub, self._pipeline(tokens[2:], line, sub), line)
                    owner.otherwise.append(nested)
                    stack.append((nested, nested.body, True))
            elif keyword == "end":
                if len(tokens) > 1 or len(stack) == 1:
                    raise TemplateError(f"line {line}: unexpected {{{{end}}}}")
                while stack.pop()[2]:  # chained `else if` branches close with their owner
                    pass
            elif keyword in ("break", "continue"):
                if not any(b is not None and b.kind == "range" for b, _, _ in stack):
                    raise TemplateError(f"line {line}: {{{{{keyword}}}}} outside range")
                body.append(LoopControl(keyword, line))
            elif keyword in ("define", "template", "block"):
                raise TemplateError(f"line {line}: {{{{{keyword}}}}} is not supported")
            else:
                body.append(Action(self._pipeline(tokens, line, ""), line))
        if len(stack) > 1:
            unclosed = stack[-1][0]
            raise TemplateError(f"line {unclosed.line if unclosed else 0}: missing {{{{end}}}}")
        return stack[0][1]

    def _pipeline(self, tokens: list[tuple[str, str]], line: int, context: str) -> Pipeline:
        declare: list[str] = []
        assign = False
        # `$x := pipe`, `$i, $e := pipe` (range only), `$x = pipe`
        for i, (kind, _) in enumerate(tokens):
            if kind in ("declare", "assign"):
                names = tokens[:i]
                wanted = [t for j, t in enumerate(names) if j % 2 == 0]
                commas = [t for j, t in enumerate(names) if j % 2 == 1]
                if (
                    not wanted
                    or any(k != "variable" or "." in v for k, v in wanted)
                    or any(t != ("punct", ",") for t in commas)
                    or len(wanted) > (2 if context == "range" else 1)
                ):
                    raise TemplateError(f"line {line}: bad variable declaration")
                declare = [v for _, v in wanted]
                assign = kind == "assign"
                tokens = tokens[i + 1 :]
                break
        pipe, rest = self._commands(tokens, line)
        if rest:
            raise TemplateError(f"line {line}: unexpected {rest[0][1]!r}")
        if not pipe:
            raise TemplateError(f"line {line}: missing value")
        return Pipeline(tuple(pipe), tuple(declare), assign)

    def _commands(
        self, tokens: list[tuple[str, str]], line: int, depth: int = 0
    ) -> tuple[list[tuple[Any, ...]], list[tuple[str, str]]]:
        if depth > MAX_NESTING:
            raise TemplateError(f"line {line}: parentheses nested too deeply")
        commands: list[tuple[Any, ...]] = []
        current: list[Any] = []
        while tokens:
            kind, value = tokens[0]
            if kind == "punct" and value == ")":
                break
            tokens = tokens[1:]
            if kind == "punct" and value == "|":
                if not current:
                    raise TemplateError(f"line {line}: missing command before |")
                commands.append(tuple(current))
                current = []
            elif kind == "punct" and value == "(":
                inner, tokens = self._commands(tokens, line, depth + 1)
                if not tokens or tokens[0] != ("punct", ")"):
                    raise TemplateError(f"line {line}: unclosed (")
                tokens = tokens[1:]
                if not inner:
                    raise TemplateError(f"line {line}: empty ()")
                sub_pipe = Pipeline(tuple(inner))
                if tokens and tokens[0][0] == "chain":
                    current.append(Chain(sub_pipe, tuple(tokens[0][1].split(".")[1:])))
                    tokens = tokens[1:]
                else:
                    current.append(sub_pipe)
            else:
                current.append(self._operand(kind, value, line))
        if current:
            commands.append(tuple(current))
        elif commands:
            raise TemplateError(f"line {line}: missing command after |")
        for command in commands[1:]:
            if not isinstance(command[0], Identifier):
                raise TemplateError(f"line {line}: only a function can follow |")
        return commands, tokens

    def _operand(self, kind: str, value: str, line: int) -> Any:
        if kind == "field":
            return Field(tuple(value.split(".")[1:]) if value != "." else ())
        if kind == "variable":
            name, *path = value.split(".")
            return Variable(name, tuple(path))
        if kind == "string":
            return Literal(_unquote(value, line))
        if kind == "raw":
            return Literal(value[1:-1])
        if kind == "number":
            if len(value) > MAX_NUMBER_CHARS:
                raise TemplateError(f"line {line}: number {value[:20]}... is too long")
            number = int(value) if re.fullmatch(r"[-+]?\d+", value) else None
            return Literal(number if number is not None else float(value))
        if kind == "ident":
            if value in ("true", "false"):
                return Literal(value == "true")
            if value == "nil":
                return Literal(None)
            if value not in self.functions:
                raise TemplateError(f'line {line}: function "{value}" not defined')
            return Identifier(value)
        raise TemplateError(f"line {line}: unexpected {value!r}")


def parse(template: str, functions: frozenset[str]) -> list[Any]:
    """Parse `template`; raises TemplateError naming the line of the first problem."""
    return _Parser(functions).parse(template)
