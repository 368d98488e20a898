"""Webhook service templates: each service's real payload, URL pattern and header conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ICON = "https://raw.githubusercontent.com/rcourtman/Pulse/main/frontend-modern/public/favicon.svg"
JSON_HEADERS = {"Content-Type": "application/json"}

# Shared template pieces (Go template syntax, rendered by pulse.notify.gotemplate).
_TITLE = "{{if .Resolved}}Pulse Alert Resolved{{else}}Pulse Alert{{end}}: {{title .Level}}"
_UNIT = '{{if and .Unit (ne .Unit "%")}} {{end}}{{.Unit}}'  # 91.0%, 160.0 MB/s, 9.2 days
_VALUE = '{{printf "%.1f" .Value}}' + _UNIT
_THRESHOLD = '{{printf "%.0f" .Threshold}}' + _UNIT
_TYPE = "{{title .Type}}"


@dataclass(frozen=True, slots=True)
class Service:
    service: str
    name: str
    url_pattern: str
    payload: str
    instructions: str
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON_HEADERS))
    # Headers whose values are templates (ntfy's Title/Priority/Tags); empty results are dropped.
    header_templates: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "name": self.name,
            "urlPattern": self.url_pattern,
            "method": "POST",
            "headers": dict(self.headers),
            "payloadTemplate": self.payload,
            "instructions": self.instructions,
        }


def _facts(label: str, value: str) -> str:
    return f'{{"name":"{label}","value":"{value}"}}'


_DISCORD = (
    '{"username":"Pulse Monitoring","avatar_url":"' + ICON + '","embeds":[{'
    '"title":"' + _TITLE + '","description":"{{.Message}}",'
    '{{if .URL}}"url":"{{.URL}}",{{end}}'
    '"color":{{if .Resolved}}3066993{{else if eq .Level "critical"}}15158332'
    '{{else if eq .Level "warning"}}15105570{{else}}3447003{{end}},'
    '"fields":['
    '{"name":"Resource","value":"{{.ResourceName}}","inline":true},'
    '{"name":"Node","value":"{{.Node}}","inline":true},'
    '{"name":"Type","value":"' + _TYPE + '","inline":true},'
    '{"name":"Value","value":"' + _VALUE + '","inline":true},'
    '{"name":"Threshold","value":"' + _THRESHOLD + '","inline":true},'
    '{"name":"Duration","value":"{{.Duration}}","inline":true}],'
    '"timestamp":"{{.Timestamp}}","footer":{"text":"Pulse Monitoring","icon_url":"' + ICON + '"}}]}'
)

_TELEGRAM = (
    '{"chat_id":"{{.ChatID}}","parse_mode":"Markdown","disable_web_page_preview":true,'
    '"text":"{{if .Resolved}}✅{{else}}🚨{{end}} *' + _TITLE + "*\\n\\n{{mdescape .Message}}\\n\\n"
    "📊 *Details:*\\n"
    "• Resource: {{mdescape .ResourceName}}\\n• Node: {{mdescape .Node}}\\n"
    "• Type: " + _TYPE + "\\n• Value: " + _VALUE + "\\n• Threshold: " + _THRESHOLD + "\\n"
    "• Duration: {{.Duration}}"
    '{{if .URL}}\\n\\n🔗 [View in Pulse]({{.URL}}){{end}}"}'
)


def _slack_field(label: str, value: str) -> str:
    return '{"type":"mrkdwn","text":"*' + label + ":*\\n" + value + '"}'


_SLACK = (
    '{"text":"' + _TITLE + ' - {{.ResourceName}}","blocks":['
    '{"type":"header","text":{"type":"plain_text","text":"' + _TITLE + '","emoji":true}},'
    '{"type":"section","text":{"type":"mrkdwn","text":"{{.Message}}"}},'
    '{"type":"section","fields":['
    + ",".join(
        _slack_field(label, value)
        for label, value in (
            ("Resource", "{{.ResourceName}}"),
            ("Node", "{{.Node}}"),
            ("Type", _TYPE),
            ("Value", _VALUE),
            ("Threshold", _THRESHOLD),
            ("Duration", "{{.Duration}}"),
        )
    )
    + "]},"
    '{"type":"context","elements":[{"type":"mrkdwn","text":"'
    '{{if .URL}}View in <{{.URL}}|Proxmox> | {{end}}Alert ID: {{.ID}}"}]}]}'
)

_TEAMS = (
    '{"@type":"MessageCard","@context":"http://schema.org/extensions",'
    '"themeColor":"{{if .Resolved}}00FF00{{else if eq .Level "critical"}}FF0000'
    '{{else if eq .Level "warning"}}FFA500{{else}}00FF00{{end}}",'
    '"summary":"' + _TITLE + ' - {{.ResourceName}}",'
    '"sections":[{"activityTitle":"' + _TITLE + '","activitySubtitle":"{{.Message}}",'
    '"markdown":true,"facts":['
    + ",".join(
        _facts(label, value)
        for label, value in (
            ("Resource", "{{.ResourceName}}"),
            ("Node", "{{.Node}}"),
            ("Type", _TYPE),
            ("Value", _VALUE),
            ("Threshold", _THRESHOLD),
            ("Duration", "{{.Duration}}"),
            ("Instance", "{{.Instance}}"),
        )
    )
    + "]}]"
    '{{if .URL}},"potentialAction":[{"@type":"OpenUri","name":"View in Proxmox",'
    '"targets":[{"os":"default","uri":"{{.URL}}"}]}]{{end}}}'
)

_TEAMS_ADAPTIVE = (
    '{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",'
    '"content":{"type":"AdaptiveCard","$schema":"http://adaptivecards.io/schemas/adaptive-card.json",'
    '"version":"1.4","body":['
    '{"type":"TextBlock","text":"' + _TITLE + '","weight":"Bolder","size":"Large",'
    '"color":"{{if .Resolved}}Good{{else if eq .Level "critical"}}Attention'
    '{{else if eq .Level "warning"}}Warning{{else}}Good{{end}}"},'
    '{"type":"TextBlock","text":"{{.Message}}","wrap":true,"spacing":"Small"},'
    '{"type":"FactSet","facts":['
    + ",".join(
        f'{{"title":"{label}","value":"{value}"}}'
        for label, value in (
            ("Resource", "{{.ResourceName}}"),
            ("Node", "{{.Node}}"),
            ("Type", _TYPE),
            ("Current Value", _VALUE),
            ("Threshold", _THRESHOLD),
            ("Duration", "{{.Duration}}"),
            ("Alert ID", "{{.ID}}"),
        )
    )
    + "]}]"
    '{{if .URL}},"actions":[{"type":"Action.OpenUrl","title":"View in Proxmox","url":"{{.URL}}"}]'
    "{{end}}}}]}"
)

_PAGERDUTY = (
    '{"routing_key":"{{.CustomFields.routing_key}}",'
    '"event_action":"{{if .Resolved}}resolve{{else}}trigger{{end}}","dedup_key":"{{.ID}}",'
    '"payload":{"summary":"{{.Message}}","timestamp":"{{.Timestamp}}",'
    '"severity":"{{if eq .Level "critical"}}critical{{else if eq .Level "warning"}}warning'
    '{{else}}info{{end}}",'
    '"source":"{{.Node}}","component":"{{.ResourceName}}","group":"{{.Type}}","class":"{{.Type}}",'
    '"custom_details":{"alert_id":"{{.ID}}","resource_type":"{{.Type}}",'
    '"current_value":"' + _VALUE + '","threshold":"' + _THRESHOLD + '",'
    '"duration":"{{.Duration}}","instance":"{{.Instance}}"}},'
    '"client":"Pulse Monitoring"{{if .URL}},"client_url":"{{.URL}}",'
    '"links":[{"href":"{{.URL}}","text":"View in Proxmox"}]{{end}}}'
)

_GENERIC = (
    '{"alert":{"id":"{{.ID}}","level":"{{.Level}}","type":"{{.Type}}",'
    '"resource_name":"{{.ResourceName}}","node":"{{.Node}}","message":"{{.Message}}",'
    '"value":{{.Value}},"threshold":{{.Threshold}},"start_time":"{{.StartTime}}",'
    '"duration":"{{.Duration}}"},"status":"{{.Status}}","timestamp":"{{.Timestamp}}",'
    '"source":"pulse-monitoring"}'
)

_NTFY_BODY = (
    "{{.Message}}\n\nResource: {{.ResourceName}}\nNode: {{.Node}}\nType: " + _TYPE + "\n"
    "Value: " + _VALUE + "\nThreshold: " + _THRESHOLD + "\nDuration: {{.Duration}}"
)

_GOTIFY = (
    '{"title":"' + _TITLE + ' - {{.ResourceName}}","message":"{{.Message}}\\n\\n'
    "Node: {{.Node}} | Value: " + _VALUE + " | Threshold: " + _THRESHOLD + '",'
    '"priority":{{if .Resolved}}2{{else if eq .Level "critical"}}8{{else}}5{{end}}'
    '{{if .URL}},"extras":{"client::notification":{"click":{"url":"{{.URL}}"}}}{{end}}}'
)

_PUSHOVER = (
    '{"token":"{{.CustomFields.token}}","user":"{{.CustomFields.user}}",'
    '"title":"' + _TITLE + ' - {{.ResourceName}}","message":"{{.Message}}\\n'
    "Node: {{.Node}} | Value: " + _VALUE + " | Threshold: " + _THRESHOLD + '",'
    '"priority":{{if .Resolved}}-1{{else if eq .Level "critical"}}1{{else}}0{{end}},'
    '"timestamp":{{.Unix}}{{if .URL}},"url":"{{.URL}}","url_title":"View in Pulse"{{end}}}'
)

SERVICES: tuple[Service, ...] = (
    Service("discord", "Discord Webhook",
            "https://discord.com/api/webhooks/{webhook_id}/{webhook_token}", _DISCORD,
            "In Discord open Server Settings → Integrations → Webhooks, create a webhook for "
            "the channel and paste its URL here."),
    Service("telegram", "Telegram Bot",
            "https://api.telegram.org/bot{bot_token}/sendMessage?chat_id={chat_id}", _TELEGRAM,
            "Create a bot with @BotFather, send it a message, read your chat id from "
            "https://api.telegram.org/bot<token>/getUpdates and use the bot's sendMessage URL "
            "with ?chat_id=<id> appended."),
    Service("slack", "Slack Incoming Webhook",
            "https://hooks.slack.com/services/{webhook_path}", _SLACK,
            "Add the Incoming Webhooks app to a Slack channel and paste the webhook URL."),
    Service("teams", "Microsoft Teams",
            "https://{tenant}.webhook.office.com/webhookb2/{webhook_path}", _TEAMS,
            "In the Teams channel open Connectors → Incoming Webhook and paste its URL. "
            "Microsoft is retiring MessageCards: prefer the Adaptive Card variant."),
    Service("pagerduty", "PagerDuty Events API v2", "https://events.pagerduty.com/v2/enqueue",
            _PAGERDUTY,
            "Add an Events API v2 integration to a PagerDuty service and put its integration "
            "key in a header named routing_key. Resolved alerts resolve the incident.",
            headers={**JSON_HEADERS, "Accept": "application/vnd.pagerduty+json;version=2"}),
    Service("teams-adaptive", "Microsoft Teams (Adaptive Card)",
            "https://{tenant}.webhook.office.com/webhookb2/{webhook_path}", _TEAMS_ADAPTIVE,
            "Same webhook URL as for Teams; sends an Adaptive Card (recommended)."),
    Service("ntfy", "ntfy", "https://ntfy.sh/{topic}", _NTFY_BODY,
            "Use https://ntfy.sh/<topic> or your own ntfy server's topic URL; for protected "
            "topics add an Authorization header. Priority and tags follow the alert level.",
            headers={"Content-Type": "text/plain; charset=utf-8"},
            header_templates={
                "Title": _TITLE + " - {{.ResourceName}}",
                "Priority": '{{if .Resolved}}default{{else if eq .Level "critical"}}urgent'
                            "{{else}}high{{end}}",
                "Tags": '{{if .Resolved}}white_check_mark{{else if eq .Level "critical"}}'
                        "rotating_light{{else}}warning{{end}}",
                "Click": "{{.URL}}",
            }),
    Service("gotify", "Gotify", "https://{gotify_host}/message?token={app_token}", _GOTIFY,
            "Create an application in Gotify and use https://<server>/message?token=<app token>."),
    Service("pushover", "Pushover",
            "https://api.pushover.net/1/messages.json?token={app_token}&user={user_key}",
            _PUSHOVER,
            "Register an application at pushover.net and use the messages URL with your "
            "application token and user key as the token and user query parameters."),
    Service("generic", "Generic JSON Webhook", "", _GENERIC,
            "Any HTTP endpoint that accepts JSON. Without a custom template it receives "
            '{"alerts":[...],"count":n,"timestamp":...,"source":"pulse-monitoring"}.'),
)  # fmt: skip

BY_NAME = {s.service: s for s in SERVICES}


def service(name: str) -> Service | None:
    """The template service for `name`; None for generic/empty/unknown (built-in JSON body)."""
    found = BY_NAME.get(name.strip().lower())
    return None if found is None or found.service == "generic" else found
