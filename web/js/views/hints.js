// "Where does this figure come from": a small icon beside a guest's memory/disk figure when it
// is not the guest agent's own view, with a tooltip telling the user what to fix.
import { html } from '../lib.js';

const SOURCE = {
  'guest-agent': 'from the QEMU guest agent (what the guest itself sees)',
  balloon: "from the balloon driver (includes the guest's page cache, so it reads high)",
  hypervisor: 'from the hypervisor (the host-side view)',
  none: 'not reported',
};

const FIX = {
  'agent-disabled': 'The guest agent is not enabled for this VM: turn on "QEMU Guest Agent" in the VM Options and install qemu-guest-agent inside the guest.',
  'agent-not-running': 'The guest agent is enabled but does not answer: install and start qemu-guest-agent inside the guest.',
  'permission-missing': "Pulse's Proxmox user/token may not query the guest agent: grant VM.GuestAgent.Audit (PVE 9) or VM.Monitor (PVE 8), e.g. re-run the setup script.",
  'agent-error': 'The guest agent answered with an error or unusable data: check qemu-guest-agent inside the guest.',
  pending: 'Not asked yet: Pulse queries the guest agent within the first minute.',
};

// Returns null when there is nothing to say (agent data, containers, stopped guests).
export function sourceHint(guest, what) {
  const source = guest[`${what}Source`];
  const reason = guest[`${what}SourceReason`];
  if (!source || source === 'guest-agent' || guest.type !== 'qemu') return null;
  if (reason === 'guest-stopped' || reason === 'not-applicable' || !reason) {
    return reason === '' && source !== 'none'
      ? { actionable: false, text: `${what === 'memory' ? 'Memory' : 'Disk'} ${SOURCE[source] || source}.` }
      : null;
  }
  const lead = `${what === 'memory' ? 'Memory' : 'Disk usage'} ${SOURCE[source] || source}.`;
  const extra = what === 'disk' && source !== 'guest-agent'
    ? ' Without the agent Proxmox reports no filesystem usage for VMs.' : '';
  return { actionable: true, text: `${lead}${extra} ${FIX[reason] || reason}` };
}

export function SourceHint({ guest, what }) {
  const hint = sourceHint(guest, what);
  if (!hint) return null;
  return html`<span class=${`hint ${hint.actionable ? 'hint-fix' : ''}`} tabindex="0" role="img"
      data-tip=${hint.text} aria-label=${hint.text} data-testid=${`hint-${what}`}>i</span>`;
}
