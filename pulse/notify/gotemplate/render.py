"""Safe evaluation of parsed Go-style templates over whitelisted data and functions.

Data are plain values (str, int, float, bool, None, lists, dicts); `Struct` marks the data
objects whose unknown fields are errors, as with Go structs. There is no attribute access, no
Python evaluation, a step budget and an output cap. In a JSON template, a string inserted
inside a JSON string literal is JSON-escaped, so quotes or backslashes in a VM name cannot
break the payload.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pulse import jsonio
from pulse.notify.gotemplate.gofmt import NO_VALUE, go_str, go_type, sprint, sprintf, sprintln
from pulse.notify.gotemplate.parser import (
    Action,
    Branch,
    Chain,
    Field,
    Identifier,
    Literal,
    LoopControl,
    Pipeline,
    TemplateError,
    Text,
    Variable,
    parse,
)

MAX_OUTPUT_CHARS = 64 * 1024
MAX_STEPS = 100_000


class Struct(dict[str, Any]):
    """A template data object: asking for a field it does not have is an error."""


class SafeJSON(str):
    """Output of the `json` function: already JSON, never escaped again."""


class _Nothing:
    """No piped value (distinct from nil)."""


_NOTHING = _Nothing()


def truth(value: Any) -> bool:
    """Go template truth: false, 0, nil and empty strings, lists and maps are false."""
    if value is None or isinstance(value, _Nothing):
        return False
    if isinstance(value, bool | int | float | str | Mapping | list | tuple):
        return bool(value)
    return True


def title(text: str) -> str:
    """Go's strings.Title: upper-case the first letter of every word, leave the rest alone."""
    out: list[str] = []
    previous = " "
    for char in text:
        separator = not (previous.isalnum() or previous == "_")
        out.append(char.upper() if separator and char.isalpha() else char)
        previous = char
    return "".join(out)


def _js(text: str) -> str:
    out: list[str] = []
    for char in text:
        if char in "\\'\"":
            out.append("\\" + char)
        elif char in "<>&=" or ord(char) < 0x20:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


def _html(text: str) -> str:
    escaped = html.escape(text, quote=False).replace('"', "&#34;").replace("'", "&#39;")
    return escaped.replace("\x00", "\ufffd")


def _markdown(text: str) -> str:
    """Escape Telegram/legacy Markdown markup so names like `db_1` do not break the message."""
    return "".join("\\" + c if c in "_*`[" else c for c in text)


def _number_pair(a: Any, b: Any, name: str) -> tuple[Any, Any]:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool) and name in ("eq", "ne"):
            return a, b
    elif isinstance(a, numbers) and isinstance(b, numbers):
        return a, b
    if isinstance(a, str) and isinstance(b, str):
        return a, b
    if name in ("eq", "ne"):
        return a, b
    raise TemplateError(f"{name}: incompatible types for comparison ({go_type(a)}, {go_type(b)})")


def _eq(a: Any, *others: Any) -> bool:
    if not others:
        raise TemplateError("eq: missing argument for comparison")
    return any(x == y for x, y in (_number_pair(a, b, "eq") for b in others))


def _compare(name: str, op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(a: Any, b: Any) -> bool:
        x, y = _number_pair(a, b, name)
        return op(x, y)

    return compare


def _len(value: Any) -> int:
    if isinstance(value, str | list | tuple | Mapping):
        return len(value)
    raise TemplateError(f"len of type {go_type(value)}")


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key) if isinstance(key, str) else None
        elif isinstance(value, list | tuple | str) and isinstance(key, int):
            if not 0 <= key < len(value):
                raise TemplateError(f"index out of range: {key}")
            value = value[key]
        else:
            raise TemplateError(f"can't index item of type {go_type(value)}")
    return value


def _slice(value: Any, *bounds: Any) -> Any:
    if not isinstance(value, str | list | tuple) or len(bounds) > 2:
        raise TemplateError(f"can't slice item of type {go_type(value)}")
    if not all(isinstance(b, int) and 0 <= b <= len(value) for b in bounds):
        raise TemplateError("slice index out of range")
    return value[slice(*bounds)] if bounds else value


def _text(value: Any) -> str:
    return go_str(value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _compare("lt", lambda a, b: a < b),
    "le": _compare("le", lambda a, b: a <= b),
    "gt": _compare("gt", lambda a, b: a > b),
    "ge": _compare("ge", lambda a, b: a >= b),
    "not": lambda a: not truth(a),
    "len": _len,
    "index": _index,
    "slice": _slice,
    "print": lambda *a: sprint(a),
    "println": lambda *a: sprintln(a),
    "printf": lambda fmt, *a: sprintf(_text(fmt), a),
    "html": lambda *a: _html(sprint(a)),
    "js": lambda *a: _js(sprint(a)),
    "urlquery": lambda *a: urllib.parse.quote_plus(sprint(a)),
    "upper": lambda s: _text(s).upper(),
    "lower": lambda s: _text(s).lower(),
    "title": lambda s: title(_text(s)),
    "json": lambda v: SafeJSON(jsonio.dumps(v).decode()),
    "mdescape": lambda s: _markdown(_text(s)),
}
FUNCTION_NAMES = frozenset([*FUNCTIONS, "and", "or"])


class _Stop(Exception):
    def __init__(self, kind: str) -> None:
        self.kind = kind


class _Run:
    """One rendering: output buffer, JSON string tracking, variables, budgets."""

    def __init__(self, root: Any, json_mode: bool, max_output: int) -> None:
        self.out: list[str] = []
        self.size = 0
        self.max_output = max_output
        self.steps = 0
        self.json_mode = json_mode
        self.in_string = False
        self.escape = False
        self.vars: list[tuple[str, Any]] = [("$", root)]

    def emit(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.max_output:
            raise TemplateError(f"output is larger than {self.max_output} characters")
        if self.json_mode:
            for char in text:
                if self.escape:
                    self.escape = False
                elif char == "\\" and self.in_string:
                    self.escape = True
                elif char == '"':
                    self.in_string = not self.in_string
        self.out.append(text)

    def tick(self, line: int) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TemplateError(f"line {line}: template does too much work")

    def nodes(self, nodes: Sequence[Any], dot: Any) -> None:
        for node in nodes:
            if isinstance(node, Text):
                self.emit(node.text)
            elif isinstance(node, Action):
                self.tick(node.line)
                value = self.pipeline(node.pipe, dot, node.line)
                if not node.pipe.declare:
                    self.emit_value(value)
            elif isinstance(node, Branch):
                self.branch(node, dot)
            elif isinstance(node, LoopControl):
                raise _Stop(node.kind)

    def emit_value(self, value: Any) -> None:
        text = NO_VALUE if value is None else go_str(value)
        if self.json_mode and self.in_string and not isinstance(value, SafeJSON):
            text = jsonio.dumps(text).decode()[1:-1]
        self.emit(text)

    def branch(self, node: Branch, dot: Any) -> None:
        mark = len(self.vars)
        try:
            if node.kind == "range":
                self.range(node, dot)
                return
            value = self.pipeline(node.pipe, dot, node.line)
            if truth(value):
                self.nodes(node.body, value if node.kind == "with" else dot)
            else:
                self.nodes(node.otherwise, dot)
        finally:
            del self.vars[mark:]

    def range(self, node: Branch, dot: Any) -> None:
        pipe = node.pipe
        value = self.pipeline(Pipeline(pipe.commands), dot, node.line)
        items: list[tuple[Any, Any]]
        if isinstance(value, Mapping):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(min(value, MAX_STEPS))]
        elif value is None:
            items = []
        else:
            raise TemplateError(f"line {node.line}: range can't iterate over {go_str(value)}")
        if not items:
            self.nodes(node.otherwise, dot)
            return
        mark = len(self.vars)
        for key, element in items:
            self.tick(node.line)
            del self.vars[mark:]
            if len(pipe.declare) == 1:
                self.vars.append((pipe.declare[0], element))
            elif len(pipe.declare) == 2:
                self.vars += [(pipe.declare[0], key), (pipe.declare[1], element)]
            try:
                self.nodes(node.body, element)
            except _Stop as stop:
                if stop.kind == "break":
                    break

    def pipeline(self, pipe: Pipeline, dot: Any, line: int) -> Any:
        value: Any = _NOTHING
        for command in pipe.commands:
            value = self.command(command, dot, value, line)
        if pipe.declare:
            name = pipe.declare[0]
            if pipe.assign:
                for i in range(len(self.vars) - 1, -1, -1):
                    if self.vars[i][0] == name:
                        self.vars[i] = (name, value)
                        break
                else:
                    raise TemplateError(f"line {line}: undefined variable {name}")
            else:
                self.vars.append((name, value))
        return value

    def command(self, command: tuple[Any, ...], dot: Any, piped: Any, line: int) -> Any:
        first = command[0]
        if isinstance(first, Identifier):
            rest = command[1:]
            if first.name in ("and", "or"):
                operands: list[Any] = list(rest)
                if piped is not _NOTHING:
                    operands.append(Literal(piped))
                if not operands:
                    raise TemplateError(f"line {line}: {first.name} needs arguments")
                result: Any = None
                for operand in operands:  # evaluated lazily: short-circuit like Go 1.18+
                    result = self.operand(operand, dot, line)
                    if truth(result) != (first.name == "and"):
                        return result
                return result
            args = [self.operand(a, dot, line) for a in rest]
            if piped is not _NOTHING:
                args.append(piped)
            try:
                return FUNCTIONS[first.name](*args)
            except TemplateError as exc:
                raise TemplateError(f"line {line}: {exc}") from None
            except TypeError:
                raise TemplateError(
                    f"line {line}: wrong number of arguments for {first.name}"
                ) from None
            except (ValueError, KeyError) as exc:
                raise TemplateError(f"line {line}: error calling {first.name}: {exc}") from None
        if len(command) > 1 or piped is not _NOTHING:
            raise TemplateError(f"line {line}: can't give argument to non-function")
        return self.operand(first, dot, line)

    def operand(self, node: Any, dot: Any, line: int) -> Any:
        self.tick(line)
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Field):
            return _lookup(dot, node.path, line)
        if isinstance(node, Variable):
            for name, value in reversed(self.vars):
                if name == node.name:
                    return _lookup(value, node.path, line)
            raise TemplateError(f"line {line}: undefined variable {node.name}")
        if isinstance(node, Pipeline):
            return self.pipeline(node, dot, line)
        if isinstance(node, Chain):
            return _lookup(self.pipeline(node.pipe, dot, line), node.path, line)
        if isinstance(node, Identifier):
            return self.command((node,), dot, _NOTHING, line)
        raise TemplateError(f"line {line}: unexpected operand")


def _lookup(value: Any, path: tuple[str, ...], line: int) -> Any:
    for name in path:
        if isinstance(value, Struct):
            if name not in value:
                raise TemplateError(f"line {line}: can't evaluate field {name}")
            value = value[name]
        elif isinstance(value, Mapping):
            value = value.get(name)
        elif value is None:
            return None
        else:
            raise TemplateError(
                f"line {line}: can't evaluate field {name} in type {go_type(value)}"
            )
    return value


class Template:
    """A parsed template; `render(data)` may be called any number of times."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tree = parse(source, FUNCTION_NAMES)
        # JSON when the template's literal text starts with { or [ (e.g. `{"text": ...}`).
        first = next(
            (n.text.lstrip() for n in self.tree if isinstance(n, Text) and n.text.strip()), ""
        )
        self.json_mode = first.startswith(("{", "["))

    def render(self, data: Any, *, max_output: int = MAX_OUTPUT_CHARS) -> str:
        run = _Run(data, self.json_mode, max_output)
        try:
            run.nodes(self.tree, data)
        except _Stop as stop:  # parse() rejects these outside range; kept as a guard
            raise TemplateError(f"{{{{{stop.kind}}}}} outside range") from None
        except RecursionError:
            raise TemplateError("template nests too deeply") from None
        return "".join(run.out)
