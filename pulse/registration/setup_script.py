"""The bash setup scripts that create a read-only monitoring user and token on a PVE or PBS
host and register it with Pulse (registration-discovery-updates.md §1, proxmox-versions.md §3).

Unlike the original's scripts they: validate and shell-quote every value put into them;
grant permissions *before* registering (so Pulse's connection check sees the whole cluster);
read `--output-format json` instead of parsing tables; use one stable token name, replaced on
every run, so running the script again updates the registration instead of failing; send the
node's own certificate fingerprint so Pulse pins it; fail loudly (`set -euo pipefail`, HTTP
status checked); and never embed the API token, only a short-lived registration token.
"""

from __future__ import annotations

import base64
import hashlib
import re
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from yarl import URL

import pulse
from pulse.config.node_input import normalise_host
from pulse.config.nodes import InstanceKind
from pulse.errors import BadRequest

_SAFE_PATH = re.compile(r"^[A-Za-z0-9/._~-]*$")
_SAFE_HOST = re.compile(r"^[A-Za-z0-9.:\[\]_-]+$")


@dataclass(frozen=True, slots=True)
class ScriptRequest:
    kind: InstanceKind
    host: str  # normalised node URL
    pulse_url: str  # validated base URL of Pulse, no trailing slash
    backup_perms: bool


def parse_kind(raw: object) -> InstanceKind:
    if raw in (None, ""):
        raise BadRequest("Missing required parameter: type (must be 'pve' or 'pbs')")
    try:
        return InstanceKind(str(raw).lower())
    except ValueError:
        raise BadRequest("Missing required parameter: type (must be 'pve' or 'pbs')") from None


def check_pulse_url(raw: str) -> str:
    """Pulse's base URL as the node will call it back: strict, since it lands in a root script."""
    try:
        url = URL(raw.strip())
    except ValueError:
        raise BadRequest("pulse_url is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise BadRequest("pulse_url must be an http:// or https:// URL")
    if url.user or url.password or url.query_string or url.fragment:
        raise BadRequest("pulse_url must be a plain base URL")
    if not _SAFE_HOST.match(url.raw_host or "") or not _SAFE_PATH.match(url.path):
        raise BadRequest("pulse_url contains characters that are not allowed")
    return str(url.with_path(url.path.rstrip("/"))).rstrip("/")


def token_name(pulse_url: str) -> str:
    """One stable token name per Pulse instance, e.g. `pulse-192-168-1-5` (letters first)."""
    host = URL(pulse_url).host or "pulse"
    return "pulse-" + (re.sub(r"[^A-Za-z0-9]+", "-", host).strip("-").lower() or "server")


def pulse_pin(cert_file: Path | None) -> str:
    """curl's `--pinnedpubkey` value for Pulse's own TLS certificate ("" when not serving TLS)."""
    if cert_file is None:
        return ""
    try:
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    except (OSError, ValueError):
        return ""
    spki = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256//" + base64.b64encode(hashlib.sha256(spki).digest()).decode()


def build_request(
    kind_raw: object, host_raw: object, pulse_url_raw: str, backup_perms: bool
) -> ScriptRequest:
    kind = parse_kind(kind_raw)
    if not isinstance(host_raw, str) or not host_raw.strip():
        raise BadRequest("host is required (the URL of the node, e.g. https://pve1.lan:8006)")
    return ScriptRequest(kind, normalise_host(kind, host_raw), check_pulse_url(pulse_url_raw),
                         backup_perms)  # fmt: skip


_COMMON = r"""
die() { echo "pulse-setup: ERROR: $*" >&2; exit 1; }
info() { echo "pulse-setup: $*"; }
# JSON helpers on whole strings (no pipes: `grep -q` + pipefail would misreport matches).
json_has() { local re="\"$2\"[[:space:]]*:[[:space:]]*\"$3\""; [[ $1 =~ $re ]]; }
json_get() {
  local re="\"$2\"[[:space:]]*:[[:space:]]*\"([^\"]*)\""
  if [[ $1 =~ $re ]]; then printf '%s' "${BASH_REMATCH[1]}"; fi
}
json_escape() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '%s' "$s"; }

[ "$(id -u)" -eq 0 ] || die "run this script as root"
command -v curl >/dev/null 2>&1 || die "curl is required"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Secrets go through files, not the command line (visible in `ps`).
printf 'Content-Type: application/json\nX-Registration-Token: %s\n' "$REG_TOKEN" >"$WORK/headers"
pulse_post() { # pulse_post BODY_FILE -> HTTP status; the answer is left in $WORK/response
  curl -sS --max-time 60 ${CURL_TLS[@]+"${CURL_TLS[@]}"} -o "$WORK/response" \
    -w '%{http_code}' -X POST -H @"$WORK/headers" --data-binary @"$1" \
    "$PULSE_URL/api/auto-register"
}

# Pre-flight: check the registration token before changing anything on this host.
printf '{"check":true}' >"$WORK/check"
CODE=$(pulse_post "$WORK/check") || die "cannot reach Pulse at $PULSE_URL"
if [ "$CODE" != 200 ]; then
  die "Pulse does not accept this script's registration token (HTTP $CODE): \
$(cat "$WORK/response")
It was used already or has expired: get a fresh script from Pulse (or set PULSE_REG_TOKEN)."
fi
"""

_PVE = r"""
command -v pveum >/dev/null 2>&1 || die "pveum not found: run this on a Proxmox VE node"
CERT_FILES="/etc/pve/local/pveproxy-ssl.pem /etc/pve/local/pve-ssl.pem"

USERS=$(pveum user list --output-format json)
if json_has "$USERS" userid "$PULSE_USER"; then
  info "user $PULSE_USER exists"
else
  info "creating user $PULSE_USER"
  pveum user add "$PULSE_USER" --comment "Pulse monitoring (read-only)"
fi

# Permissions first, so that Pulse's connection check already sees the whole cluster.
info "granting PVEAuditor on /"
pveum acl modify / --users "$PULSE_USER" --roles PVEAuditor
PVE_MAJOR=$(pveversion | sed -n 's#^pve-manager/\([0-9][0-9]*\)\..*#\1#p')
if [ "${PVE_MAJOR:-9}" -lt 9 ]; then
  # PVE 8: guest agent calls (VM disk usage) need VM.Monitor; PVE 9's PVEAuditor already has
  # VM.GuestAgent.Audit and rejects VM.Monitor.
  ROLES=$(pveum role list --output-format json)
  if json_has "$ROLES" roleid PulseMonitor; then
    pveum role modify PulseMonitor --privs VM.Monitor
  else
    pveum role add PulseMonitor --privs VM.Monitor
  fi
  pveum acl modify /vms --users "$PULSE_USER" --roles PulseMonitor
fi
if [ "$BACKUP_PERMS" = 1 ]; then
  # An auditor does not see backup volumes in storage content listings.
  info "granting PVEDatastoreAdmin on /storage (backup visibility)"
  pveum acl modify /storage --users "$PULSE_USER" --roles PVEDatastoreAdmin
fi

# The secret is only shown when a token is created: replace the token on every run.
TOKENS=$(pveum user token list "$PULSE_USER" --output-format json)
if json_has "$TOKENS" tokenid "$TOKEN_NAME"; then
  info "replacing the existing token $PULSE_USER!$TOKEN_NAME"
  pveum user token remove "$PULSE_USER" "$TOKEN_NAME"
fi
TOKEN_JSON=$(pveum user token add "$PULSE_USER" "$TOKEN_NAME" --privsep 0 \
  --comment "Pulse monitoring" --output-format json)
TOKEN_ID=$(json_get "$TOKEN_JSON" full-tokenid)
TOKEN_ID=${TOKEN_ID:-$PULSE_USER!$TOKEN_NAME}
"""

_PBS = r"""
command -v proxmox-backup-manager >/dev/null 2>&1 \
  || die "proxmox-backup-manager not found: run this on a Proxmox Backup Server"
CERT_FILES="/etc/proxmox-backup/proxy.pem"

USERS=$(proxmox-backup-manager user list --output-format json)
if json_has "$USERS" userid "$PULSE_USER"; then
  info "user $PULSE_USER exists"
else
  info "creating user $PULSE_USER"
  proxmox-backup-manager user create "$PULSE_USER" --comment "Pulse monitoring (read-only)"
fi

TOKENS=$(proxmox-backup-manager user list-tokens "$PULSE_USER" --output-format json)
if json_has "$TOKENS" tokenid "$PULSE_USER!$TOKEN_NAME"; then
  info "replacing the existing token $PULSE_USER!$TOKEN_NAME"
  proxmox-backup-manager user delete-token "$PULSE_USER" "$TOKEN_NAME"
fi
TOKEN_JSON=$(proxmox-backup-manager user generate-token "$PULSE_USER" "$TOKEN_NAME" \
  --output-format json)
TOKEN_ID=$(json_get "$TOKEN_JSON" tokenid)
TOKEN_ID=${TOKEN_ID:-$PULSE_USER!$TOKEN_NAME}

# PBS tokens are always privilege-separated: the user and the token each need the ACL.
info "granting Audit on / to $PULSE_USER and its token"
proxmox-backup-manager acl update / Audit --auth-id "$PULSE_USER"
proxmox-backup-manager acl update / Audit --auth-id "$TOKEN_ID"
"""

_REGISTER = r"""
TOKEN_VALUE=$(json_get "$TOKEN_JSON" value)
[ -n "$TOKEN_VALUE" ] || die "could not read the new token's secret from the tool's output"
[[ $TOKEN_VALUE =~ ^[A-Za-z0-9-]+$ ]] || die "unexpected characters in the token secret"
info "created token $TOKEN_ID"

FINGERPRINT=""
if command -v openssl >/dev/null 2>&1; then
  for CERT in ${PULSE_NODE_CERT:-$CERT_FILES}; do
    if [ -r "$CERT" ]; then
      FINGERPRINT=$(openssl x509 -in "$CERT" -noout -fingerprint -sha256 | sed 's/^.*=//')
      break
    fi
  done
fi

SERVER_NAME=$(hostname -f 2>/dev/null || hostname)
FORMAT='{"type":"%s","host":"%s","serverName":"%s","tokenId":"%s","tokenValue":"%s",'
FORMAT+='"fingerprint":"%s"}'
PAYLOAD=$(printf "$FORMAT" "$NODE_TYPE" "$NODE_URL" "$(json_escape "$SERVER_NAME")" \
  "$(json_escape "$TOKEN_ID")" "$TOKEN_VALUE" "$FINGERPRINT")

printf '%s' "$PAYLOAD" >"$WORK/body"
info "registering $NODE_URL with Pulse at $PULSE_URL"
CODE=$(pulse_post "$WORK/body") || die "cannot reach Pulse at $PULSE_URL"
if [ "$CODE" != 200 ]; then
  die "Pulse refused the registration (HTTP $CODE): $(cat "$WORK/response")
Fix the problem and run this script again (the token is replaced each run)."
fi
info "done: $(cat "$WORK/response")"
info "Pulse now monitors this host with the read-only token $TOKEN_ID."
"""


def render(
    request: ScriptRequest, reg_token: str, *, pin: str = "", now: float | None = None
) -> str:
    """The whole script for one node type."""
    kind = request.kind
    user = "pulse-monitor@pam" if kind is InstanceKind.PVE else "pulse-monitor@pbs"
    label = URL(request.host).host or "your-server"
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    product = "Proxmox VE" if kind is InstanceKind.PVE else "Proxmox Backup Server"
    curl_tls = f"(--insecure --pinnedpubkey {shlex.quote(pin)})" if pin else "()"
    head = f"""#!/usr/bin/env bash
# Pulse {pulse.__version__}: monitoring setup for {product} host {label}
# Generated {stamp}. Creates the read-only user {user} and an API token, grants read-only
# permissions and registers this host with Pulse. Safe to run again: the token is replaced
# and the registration updated. The registration token below expires and works once.
set -euo pipefail

PULSE_URL={shlex.quote(request.pulse_url)}
NODE_URL={shlex.quote(request.host)}
NODE_TYPE={kind.value}
REG_TOKEN="${{PULSE_REG_TOKEN:-{reg_token}}}"
PULSE_USER={user}
TOKEN_NAME={shlex.quote(token_name(request.pulse_url))}
BACKUP_PERMS={1 if request.backup_perms else 0}
CURL_TLS={curl_tls}
"""
    body = _PVE if kind is InstanceKind.PVE else _PBS
    return head + _COMMON + body + _REGISTER
