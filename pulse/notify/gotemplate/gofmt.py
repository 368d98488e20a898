"""Go `fmt` printing for template values: `%v` of numbers and lists, `printf`, `print`."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

NO_VALUE = "<no value>"
# Go refuses widths and precisions above 1e6; ours are far lower so that one printf cannot
# build a huge string before the renderer's output cap sees it.
MAX_WIDTH = 1000


def go_float(value: float) -> str:
    """Go's `%v` of a float64: shortest digits, exponent form below 1e-4 or from 1e6 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    number = Decimal(repr(abs(value))).normalize()
    _, digit_tuple, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    exp10 = len(digits) + exponent - 1
    if exp10 < -4 or exp10 >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'+' if exp10 >= 0 else '-'}{abs(exp10):02d}"
    return sign + format(number, "f")


def go_type(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    return "[]interface {}"


def go_str(value: Any) -> str:
    """Go's `%v`."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        items = " ".join(f"{k}:{go_str(v)}" for k, v in sorted(value.items(), key=lambda i: i[0]))
        return f"map[{items}]"
    if isinstance(value, Sequence):
        return "[" + " ".join(go_str(v) for v in value) + "]"
    return str(value)


def go_quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def sprintf(fmt: str, args: Sequence[Any]) -> str:
    """Go's fmt.Sprintf for the common verbs: %v %s %d %f %e %g %q %t %x %X %c %%."""
    out: list[str] = []
    pos = 0
    index = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if index >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[index]
        index += 1
        out.append(_format_one(arg, flags, width, precision, verb))
    out.append(fmt[pos:])
    if index < len(args):
        extra = ", ".join(f"{go_type(a)}={go_str(a)}" for a in args[index:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _format_one(arg: Any, flags: str, width: str | None, precision: str | None, verb: str) -> str:
    if width and int(width) > MAX_WIDTH:
        return "%!(BADWIDTH)"
    if precision and int(precision) > MAX_WIDTH:
        return "%!(BADPREC)"
    spec = "%" + flags + (width or "") + (f".{precision}" if precision is not None else "")
    is_int = isinstance(arg, int) and not isinstance(arg, bool)
    bad = f"%!{verb}({go_type(arg)}={go_str(arg)})"
    if verb == "v":
        return (spec + "s") % go_str(arg)
    if verb == "s":
        return (spec + "s") % go_str(arg) if not (is_int or isinstance(arg, float)) else bad
    if verb == "q":
        quoted = go_quote(arg) if isinstance(arg, str) else None
        return (spec.replace("#", "") + "s") % quoted if quoted is not None else bad
    if verb == "t":
        return (spec + "s") % go_str(arg) if isinstance(arg, bool) else bad
    if verb in "dxXoc":
        if verb in "xX" and isinstance(arg, str):
            hexed = arg.encode().hex()
            return (spec + "s") % (hexed.upper() if verb == "X" else hexed)
        if not is_int or (verb == "c" and not 0 <= arg < 0x110000):
            return bad
        return str((spec + verb) % arg)
    if verb in "feEgGF":
        if not isinstance(arg, float):
            return bad  # Go does not convert ints for float verbs either
        if verb in "gG" and precision is None:
            return (spec + "s") % go_float(arg)
        return str((spec + verb.replace("F", "f")) % arg)
    return f"%!{verb}({go_type(arg)}={go_str(arg)})"


def sprint(args: Sequence[Any]) -> str:
    """Go's fmt.Sprint: a space between operands when neither side is a string."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if i and not isinstance(arg, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_str(arg))
    return "".join(out)


def sprintln(args: Sequence[Any]) -> str:
    return " ".join(go_str(a) for a in args) + "\n"
