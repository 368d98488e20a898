// Alert thresholds: defaults for guests, nodes and storage (incl. I/O in MB/s), the delay, and
// per-resource overrides. The loaded configuration is edited as a copy and saved whole, so
// fields this page does not show (schedule, custom rules...) round-trip untouched.
import { html, useEffect, useState, useMemo } from '../lib.js';
import { api } from '../api.js';
import { toast, toastError } from '../toast.js';
import { Spinner, AsyncButton, Switch, Card } from '../ui.js';

const PCT = [['cpu', 'CPU'], ['memory', 'Memory'], ['disk', 'Disk']];
const IO = [['diskRead', 'Disk read'], ['diskWrite', 'Disk write'], ['networkIn', 'Network in'], ['networkOut', 'Network out']];

function NumberPair({ label, value, unit, onChange }) {
  const v = value || { trigger: 0, clear: 0 };
  const set = (key, raw) => {
    const n = Number(raw);
    onChange({ ...v, [key]: Number.isFinite(n) ? n : 0 });
  };
  return html`<div class="threshold-row">
    <span class="threshold-label">${label}</span>
    <label class="inline-field"><span class="muted small">alert at</span>
      <input type="number" min="0" step="1" value=${v.trigger} aria-label=${`${label} trigger (${unit})`}
        onInput=${(e) => set('trigger', e.currentTarget.value)} /><span class="unit">${unit}</span></label>
    <label class="inline-field"><span class="muted small">clear at</span>
      <input type="number" min="0" step="1" value=${v.clear} aria-label=${`${label} clear (${unit})`}
        onInput=${(e) => set('clear', e.currentTarget.value)} /><span class="unit">${unit}</span></label>
    ${!v.trigger && html`<span class="muted small">off</span>`}
  </div>`;
}

function resources(state) {
  const out = [];
  for (const n of state?.nodes || []) out.push([n.id, `${n.name} (node)`, 'node']);
  for (const g of [...(state?.vms || []), ...(state?.containers || [])]) out.push([g.id, `${g.name} (${g.vmid})`, 'guest']);
  for (const s of state?.storage || []) out.push([s.id, `${s.name} on ${s.node} (storage)`, 'storage']);
  return out;
}

export function ThresholdsTab({ live }) {
  const [config, setConfig] = useState(null);
  const [draft, setDraft] = useState(null);
  const [pick, setPick] = useState('');
  const load = () => api.get('alerts/config').then((c) => { setConfig(c); setDraft(structuredClone(c)); })
    .catch((e) => toastError('Could not load the alert settings', e));
  useEffect(() => { load(); }, []);
  const options = useMemo(() => resources(live.state), [live.state?.nodes, live.state?.vms, live.state?.containers, live.state?.storage]);
  if (!draft) return html`<${Spinner} label="Loading thresholds…" />`;
  const dirty = JSON.stringify(draft) !== JSON.stringify(config);
  const update = (path, value) => setDraft((d) => {
    const next = structuredClone(d);
    let obj = next;
    for (const key of path.slice(0, -1)) obj = obj[key] = obj[key] || {};
    obj[path[path.length - 1]] = value;
    return next;
  });
  const save = async () => {
    try {
      await api.put('alerts/config', draft);
      toast('success', 'Alert thresholds saved');
      await load();
    } catch (e) { toastError('Could not save the thresholds', e); }
  };
  const names = new Map(options.map(([id, label]) => [id, label]));
  const kindOf = (id) => (options.find((o) => o[0] === id) || [])[2] || 'guest';
  const addOverride = () => {
    if (!pick || draft.overrides[pick]) return;
    const kind = kindOf(pick);
    const base = kind === 'storage' ? { usage: { ...draft.storageDefault } }
      : kind === 'node' ? structuredClone(draft.nodeDefaults) : Object.fromEntries(PCT.map(([k]) => [k, { ...draft.guestDefaults[k] }]));
    update(['overrides', pick], base);
    setPick('');
  };
  const removeOverride = (id) => setDraft((d) => { const next = structuredClone(d); delete next.overrides[id]; return next; });
  return html`<div class="thresholds">
    ${dirty && html`<div class="save-bar" role="region" aria-label="Unsaved changes">
      <span>You have unsaved changes.</span>
      <button type="button" class="btn" onClick=${() => setDraft(structuredClone(config))}>Discard</button>
      <${AsyncButton} className="btn btn-primary" onClick=${save} testid="save-thresholds">Save changes<//></div>`}
    <div class="grid-2">
      <${Card} title="VMs & containers">
        ${PCT.map(([k, l]) => html`<${NumberPair} key=${k} label=${l} unit="%" value=${draft.guestDefaults[k]} onChange=${(v) => update(['guestDefaults', k], v)} />`)}
        ${IO.map(([k, l]) => html`<${NumberPair} key=${k} label=${l} unit="MB/s" value=${draft.guestDefaults[k]} onChange=${(v) => update(['guestDefaults', k], v)} />`)}
      <//>
      <div>
        <${Card} title="Proxmox nodes">
          ${PCT.map(([k, l]) => html`<${NumberPair} key=${k} label=${l} unit="%" value=${draft.nodeDefaults[k]} onChange=${(v) => update(['nodeDefaults', k], v)} />`)}
        <//>
        <${Card} title="Storage">
          <${NumberPair} label="Usage" unit="%" value=${draft.storageDefault} onChange=${(v) => update(['storageDefault'], v)} />
          ${draft.datastoreDefault && html`<${NumberPair} label="PBS datastore" unit="%" value=${draft.datastoreDefault} onChange=${(v) => update(['datastoreDefault'], v)} />`}
        <//>
        <${Card} title="Timing">
          <label class="threshold-row"><span class="threshold-label">Delay</span>
            <input type="number" min="0" max="3600" value=${draft.timeThreshold} aria-label="Delay in seconds"
              onInput=${(e) => update(['timeThreshold'], Number(e.currentTarget.value) || 0)} /><span class="unit">s</span>
            <span class="muted small">${draft.timeThreshold ? `value must stay above the trigger for ${draft.timeThreshold} s` : 'alert at once'}</span></label>
          <div class="threshold-row"><${Switch} label="Alerts enabled" checked=${draft.enabled} onChange=${(v) => update(['enabled'], v)} /></div>
        <//>
      </div>
    </div>
    <${Card} title=${`Overrides (${Object.keys(draft.overrides || {}).length})`}>
      <p class="muted small">A resource with an override uses its own values instead of the defaults, or no alerts at all.</p>
      ${Object.entries(draft.overrides || {}).map(([id, o]) => html`<div class="override" key=${id} data-testid="override">
        <div class="override-head"><strong>${names.get(id) || id}</strong>
          <${Switch} label="Silence all alerts" checked=${!!o.disabled} onChange=${(v) => update(['overrides', id, 'disabled'], v || undefined)} />
          <button type="button" class="btn btn-small btn-ghost" onClick=${() => removeOverride(id)}>Remove</button></div>
        ${!o.disabled && Object.entries(o).filter(([k, v]) => v && typeof v === 'object').map(([k, v]) => html`<${NumberPair} key=${k}
          label=${k} unit=${IO.some(([x]) => x === k) ? 'MB/s' : '%'} value=${v} onChange=${(nv) => update(['overrides', id, k], nv)} />`)}
      </div>`)}
      <div class="override-add">
        <select value=${pick} onChange=${(e) => setPick(e.currentTarget.value)} aria-label="Resource for a new override">
          <option value="">Choose a guest, node or storage…</option>
          ${options.filter(([id]) => !(draft.overrides || {})[id]).map(([id, label]) => html`<option value=${id} key=${id}>${label}</option>`)}
        </select>
        <button type="button" class="btn" disabled=${!pick} onClick=${addOverride}>Add override</button>
      </div>
    <//>
  </div>`;
}
