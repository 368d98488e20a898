"""E-mail subjects and bodies (text and HTML, every user-controlled value escaped)."""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from html import escape

from pulse.alerts.model import Alert
from pulse.notify.delivery import Notification
from pulse.notify.gotemplate import title

_LABELS = {"cpu": "CPU", "memory": "Memory", "disk": "Disk", "io": "I/O", "usage": "Usage"}
_COLOURS = {"warning": ("#ffd93d", "#fffaeb"), "resolved": ("#2ecc71", "#eafaf1")}
_RED = ("#ff6b6b", "#fee")


def type_label(alert_type: str) -> str:
    return _LABELS.get(alert_type, title(alert_type))


def human_duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{int(seconds)} seconds"
    if seconds < 3600:
        return f"{int(seconds // 60)} minutes"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"


def started(moment: datetime) -> str:
    return moment.astimezone().strftime("%b %d, %Y at %I:%M %p")


def _amount(value: float, decimals: int, unit: str) -> str:
    """`91.2%`, `160.0 MB/s`, `9.2 days`; on/off alerts (offline) have no amount: `-`."""
    if not unit:
        return "-"
    return f"{value:.{decimals}f}{'' if unit == '%' else ' '}{unit}"


def _value(alert: Alert) -> str:
    return _amount(alert.value, 1, alert.unit)


def _threshold(alert: Alert) -> str:
    return _amount(alert.threshold, 0, alert.unit)


def subject(notification: Notification) -> str:
    alerts = notification.alerts
    n = len(alerts)
    if notification.resolved:
        return f"[Pulse Alert] Resolved: {n} alert{'s' if n != 1 else ''}"
    critical = sum(1 for a in alerts if a.level == "critical")
    warning = n - critical
    if critical and warning:
        return f"[Pulse Alert] {critical} Critical, {warning} Warning alerts"
    kind = "Critical" if critical else "Warning"
    return f"[Pulse Alert] {n} {kind} alert{'s' if n != 1 else ''}"


def single_subject(alert: Alert) -> str:
    return f"[Pulse Alert] {title(alert.level)}: {type_label(alert.type)} on {alert.resource_name}"


def _colours(level: str, resolved: bool) -> tuple[str, str]:
    return _COLOURS["resolved"] if resolved else _COLOURS.get(level, _RED)


def _page(heading: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        '<body style="margin:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;'
        'color:#222"><div style="max-width:640px;margin:0 auto;background:#fff">'
        '<div style="background:#1f2933;color:#fff;padding:16px 24px;font-size:18px">'
        f'&#9829; {escape(heading)}</div><div style="padding:24px">{body}</div>'
        '<div style="padding:12px 24px;color:#888;font-size:12px">This message was sent '
        "automatically by Pulse monitoring.</div></div></body></html>"
    )


def grouped_bodies(notification: Notification) -> tuple[str, str]:
    """(text, html) of the summary e-mail every real notification uses."""
    now, alerts, resolved = notification.sent_at, notification.alerts, notification.resolved
    critical = sum(1 for a in alerts if a.level == "critical")
    word = "Resolved" if resolved else "New"
    lines = [f"{len(alerts)} {word} Alert{'s' if len(alerts) != 1 else ''}", ""]
    rows = []
    for i, a in enumerate(alerts, 1):
        age = human_duration((now - a.start_time).total_seconds())
        lines += [
            f"{i}. {a.resource_name} ({a.id})",
            f"   {title(a.level)} / {type_label(a.type)}: {_value(a)} of {_threshold(a)}",
            f"   Node: {a.node}   Age: {age}",
            f"   {a.message}",
            "",
        ]
        dot = _colours(a.level, resolved)[0]
        rows.append(
            f'<tr><td style="padding:6px"><span style="color:{dot}">&#9679;</span> '
            f"<b>{escape(a.resource_name)}</b><br><small>{escape(type_label(a.type))} on "
            f'{escape(a.node)}</small></td><td style="padding:6px">{escape(title(a.level))}</td>'
            f'<td style="padding:6px">{escape(_value(a))} of {escape(_threshold(a))}</td>'
            f'<td style="padding:6px">{escape(age)}</td></tr>'
        )
    border, background = _colours("critical" if critical else "warning", resolved)
    summary = (
        f'<div style="border-left:4px solid {border};background:{background};padding:12px">'
        f"<b>{len(alerts)} {word} Alert{'s' if len(alerts) != 1 else ''}</b><br>"
        f"Critical: {critical} &middot; Warning: {len(alerts) - critical}</div>"
    )
    table = (
        '<table style="width:100%;border-collapse:collapse;margin-top:16px;font-size:14px">'
        "<tr><th align=left>Resource</th><th align=left>Level</th><th align=left>Value</th>"
        f"<th align=left>Age</th></tr>{''.join(rows)}</table>"
    )
    heading = "Pulse Monitoring - Resolved" if resolved else "Pulse Monitoring Alert Summary"
    return "\n".join(lines), _page(heading, summary + table)


def single_bodies(alert: Alert, now: datetime) -> tuple[str, str]:
    """(text, html) of the one-alert e-mail the test paths send."""
    duration = human_duration((now - alert.start_time).total_seconds())
    facts = [
        ("Resource", alert.resource_name),
        ("Resource ID", alert.resource_id),
        ("Alert type", type_label(alert.type)),
        ("Node", alert.node),
        ("Instance", alert.instance),
        ("Started", started(alert.start_time)),
        ("Duration", duration),
    ]
    text = "\n".join(
        [f"{alert.level.upper()} Alert: {alert.resource_name}", alert.message, "",
         f"Current value: {_value(alert)}", f"Threshold: {_threshold(alert)}", ""]
        + [f"{k}: {v}" for k, v in facts]
    )  # fmt: skip
    border, background = _colours(alert.level, False)
    tiles = "".join(
        f'<td style="padding:12px;background:#f7f7f9;text-align:center"><small>{label}</small>'
        f'<br><b style="font-size:20px">{escape(value)}</b></td>'
        for label, value in (("Current value", _value(alert)), ("Threshold", _threshold(alert)))
    )
    details = "".join(
        f'<tr><td style="padding:4px;color:#666">{k}</td><td style="padding:4px">{escape(v)}</td>'
        "</tr>"
        for k, v in facts
    )
    body = (
        f'<div style="border-left:4px solid {border};background:{background};padding:12px">'
        f"<b>{escape(alert.level.upper())} Alert</b><br>{escape(alert.resource_name)}<br>"
        f"{escape(alert.message)}</div>"
        f'<table style="width:100%;margin-top:16px"><tr>{tiles}</tr></table>'
        f'<table style="margin-top:16px;font-size:14px">{details}</table>'
    )
    return text, _page("Pulse Monitoring Alert", body)


def build_message(
    sender: str, recipients: Sequence[str], subject_line: str, text: str, html_body: str
) -> EmailMessage:
    """A multipart/alternative message; the email package encodes headers and bodies safely."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject_line
    message["Date"] = email.utils.formatdate(localtime=True)
    message["Message-ID"] = email.utils.make_msgid(domain="pulse-monitoring")
    message["X-Mailer"] = "Pulse Monitoring System"
    message.set_content(text)
    message.add_alternative(html_body, subtype="html")
    return message
