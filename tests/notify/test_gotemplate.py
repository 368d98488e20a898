"""The Go-template renderer: upstream-compatible output, JSON escaping, and safety limits."""

from __future__ import annotations

import json

import pytest

from pulse.notify.gotemplate import Struct, Template, TemplateError
from pulse.notify.gotemplate.gofmt import go_float, sprintf


def data() -> Struct:
    return Struct(
        Level="warning",
        Type="diskRead",
        Message='VM "web" \\ disk\nslow',
        Value=85.5,
        Threshold=80.0,
        AlertCount=2,
        CustomFields={"routing_key": "rk-1"},
        Alerts=[Struct(ResourceName="a", Value=1.0), Struct(ResourceName="b", Value=1048576.0)],
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{.Level}} {{.Value}} {{.Threshold}}", "warning 85.5 80"),
        ('{{printf "%.1f%%" .Value}} {{printf "%.0f" .Threshold}}', "85.5% 80"),
        ('{{.Value | printf "%5.2f"}}|{{printf "%d" .AlertCount}}', "85.50|2"),
        (
            '{{title .Type}} {{.Level | title}} {{upper .Level}} {{lower "AbC"}}',
            "DiskRead Warning WARNING abc",
        ),
        ('{{if eq .Level "critical"}}C{{else if eq .Level "warning"}}W{{else}}O{{end}}', "W"),
        ("{{if and (gt .Value 80.0) (lt .Value 90.0)}}in{{end}}", "in"),
        ("{{if not .CustomFields.absent}}x{{end}}", "x"),
        ("{{range .Alerts}}[{{.ResourceName}}={{.Value}}]{{end}}", "[a=1][b=1.048576e+06]"),
        ("{{range $i, $a := .Alerts}}{{$i}}:{{$a.ResourceName}} {{end}}", "0:a 1:b "),
        ("{{range .CustomFields.absent}}x{{else}}empty{{end}}", "empty"),
        ("a  {{- /* comment */ -}}  b", "ab"),
        ("{{.CustomFields.routing_key}} {{.CustomFields.absent}}", "rk-1 <no value>"),
        ("{{len .Alerts}} {{(index .Alerts 1).ResourceName}}", "2 b"),
        ("{{with .CustomFields.routing_key}}k={{.}}{{end}}", "k=rk-1"),
        (
            '{{printf "%s|%q|%v|%d" .Level .Level .Alerts 7}}',
            'warning|"warning"|[map[ResourceName:a Value:1] map[ResourceName:b Value:1.048576e+06]]|7',
        ),
        (
            '{{html "<b>\'x\'"}} {{urlquery "a b&c"}} {{js "it\'s"}}',
            "&lt;b&gt;&#39;x&#39; a+b%26c it\\'s",
        ),
        ('{{$x := 1}}{{$x = 2}}{{$x}}{{print 1 2 "s" 3}}', "21 2s3"),
        (
            '{{range .Alerts}}{{if eq .ResourceName "b"}}{{break}}{{end}}{{.ResourceName}}{{end}}',
            "a",
        ),
    ],
)
def test_renders_like_go(source: str, expected: str) -> None:
    assert Template(source).render(data()) == expected


def test_seed_example_is_escaped_inside_json_strings() -> None:
    source = '{"alert": "{{.Level}}: {{.Message}}", "value": {{.Value}}}'
    payload = json.loads(Template(source).render(data()))
    assert payload == {"alert": 'warning: VM "web" \\ disk\nslow', "value": 85.5}


def test_json_function_is_not_escaped_twice() -> None:
    out = Template('{"m": {{json .Message}}, "all": {{json .CustomFields}}}').render(data())
    assert json.loads(out) == {"m": 'VM "web" \\ disk\nslow', "all": {"routing_key": "rk-1"}}


def test_plain_text_templates_are_not_escaped() -> None:
    assert Template("{{.Message}}").render(data()) == 'VM "web" \\ disk\nslow'


def test_printf_cannot_build_huge_strings_or_crash() -> None:
    out = Template('{{printf "%999999999d|%.999999999f|%c|%d" 1 1.5 99999999999 -01}}').render(
        data()
    )
    assert out == "%!(BADWIDTH)|%!(BADPREC)|%!c(int=99999999999)|-1"


def test_go_float_formatting() -> None:
    assert [go_float(v) for v in (80.0, 85.5, 1048576.0, 123456.0, 0.0001, 0.00001, -2.5)] == [
        "80", "85.5", "1.048576e+06", "123456", "0.0001", "1e-05", "-2.5",
    ]  # fmt: skip
    assert sprintf("%d %s", [85.5]) == "%!d(float64=85.5) %!s(MISSING)"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{.Nope}}", "can't evaluate field Nope"),
        ("{{.__class__}}", "can't evaluate field __class__"),
        ("{{.Level.upper}}", "can't evaluate field upper in type string"),
        ("{{exec .Level}}", 'function "exec" not defined'),
        ("{{if .Level}}open", "missing {{end}}"),
        ("{{end}}", "unexpected {{end}}"),
        ('{{"unterminated}}', "unterminated string"),
        ('{{template "x"}}', "not supported"),
        ("{{range 100000}}{{range 100000}}{{end}}{{end}}", "too much work"),
        ("{{range 100000}}{{range 100000}}xxxxxxxx{{end}}{{end}}", "output is larger"),
        ("{{lt .Level 3}}", "incompatible types"),
        ("{{.Level | .Message}}", "only a function can follow |"),
        ("{{" + "(" * 3000 + "1" + ")" * 3000 + "}}", "parentheses nested too deeply"),
        ("{{" + "9" * 5000 + "}}", "is too long"),
    ],
)
def test_rejects_bad_or_abusive_templates(source: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("(", r"\(").replace("{", r"\{")):
        Template(source).render(data())
