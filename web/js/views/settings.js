// Settings view: Proxmox nodes (list, add/edit/delete/test, discovery), system settings and
// security (password, API token, registration tokens, export/import).
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { onLiveEvent } from '../live.js';
import { toast, toastError } from '../toast.js';
import { SubTabs, Card, Field, Dot, Pill, Spinner, AsyncButton, Switch, confirmAction } from '../ui.js';
import { NodeDialog, blankNode } from './nodedialog.js';
import { SecurityTab } from './security.js';

const TABS = [['nodes', 'Nodes'], ['system', 'System'], ['security', 'Security']];

function NodeItem({ node, onEdit, onChanged }) {
  const test = async () => {
    try {
      const r = await api.post(`config/nodes/${encodeURIComponent(node.id)}/test`, {});
      toast(r.status === 'success' ? 'success' : 'error', `${node.name}: ${r.status === 'success' ? 'connected' : 'connection failed'}`, r.message);
    } catch (e) { toastError(`${node.name}: test failed`, e); }
  };
  const remove = async () => {
    if (!(await confirmAction(`Stop monitoring "${node.name}" and delete its configuration?`, { okText: 'Delete node' }))) return;
    try { await api.del(`config/nodes/${encodeURIComponent(node.id)}`); toast('success', 'Node deleted', node.name); onChanged(); } catch (e) { toastError('Could not delete the node', e); }
  };
  const toggles = Object.entries(node).filter(([k, v]) => k.startsWith('monitor') && v).map(([k]) => k.replace('monitor', '').replace('Jobs', ''));
  return html`<li class="list-item" data-testid="config-node" data-name=${node.name}>
    <div class="list-main">
      <div><${Dot} tone=${node.status === 'connected' ? 'green' : 'red'} title=${node.status} /> <strong>${node.name}</strong>
        <span class="muted small"> ${node.host}</span></div>
      <div class="chips"><${Pill} tone="grey">${node.tokenName ? `Token: ${node.tokenName}` : `User: ${node.user}`}<//>
        ${toggles.map((t) => html`<${Pill} tone="blue" key=${t}>${t}<//>`)}
        ${node.isCluster && html`<${Pill} tone="violet">cluster ${node.clusterName} · ${(node.clusterEndpoints || []).length} nodes<//>`}</div>
      ${node.lastError && html`<div class="field-error small">${node.lastError}</div>`}
    </div>
    <div class="list-actions">
      <${AsyncButton} className="btn btn-small" onClick=${test} busyText="Testing…">Test<//>
      <button type="button" class="btn btn-small" onClick=${() => onEdit(node)}>Edit</button>
      <button type="button" class="btn btn-small btn-ghost" onClick=${remove} aria-label=${`Delete ${node.name}`}>Delete</button>
    </div>
  </li>`;
}

function Discovery({ nodes, onPick, subnetDefault }) {
  const [subnet, setSubnet] = useState(subnetDefault || '');
  const [result, setResult] = useState(null);
  useEffect(() => { api.get('discover').then((r) => { setResult(r); if (r.subnet && !subnet) setSubnet(r.subnet); }).catch(() => {}); }, []);
  useEffect(() => onLiveEvent((type, data) => { if (type === 'discovery_update') setResult((r) => ({ ...(r || {}), ...data })); }), []);
  const scan = async () => {
    try { const r = await api.post('discover', { subnet }, { timeout: 90000 }); setResult(r); toast('info', 'Discovery finished', `${r.servers.length} server(s) found in ${subnet}`); } catch (e) { toastError('Discovery failed', e); }
  };
  const known = new Set(nodes.map((n) => { try { return new URL(n.host).hostname; } catch { return n.host; } }));
  const servers = (result?.servers || []).filter((s) => !known.has(s.ip));
  return html`<${Card} title="Discover servers on your network">
    <p class="muted small">Pulse never scans on its own. Enter a subnet (at most a /24) to look for Proxmox VE (port 8006) and Backup Servers (8007).</p>
    <form class="inline-form" onSubmit=${(e) => { e.preventDefault(); scan(); }}>
      <input aria-label="Subnet to scan" placeholder="192.168.1.0/24" value=${subnet} onInput=${(e) => setSubnet(e.currentTarget.value)} />
      <${AsyncButton} type="submit" className="btn" onClick=${scan} busyText="Scanning…" disabled=${!subnet.trim()}>Scan<//>
    </form>
    ${(result?.errors || []).map((e) => html`<p class="field-error small">${e}</p>`)}
    ${servers.length > 0 && html`<ul class="list">${servers.map((s) => html`<li class="list-item" key=${`${s.ip}:${s.port}`}>
      <div><${Pill} tone=${s.type === 'pve' ? 'blue' : 'violet'}>${s.type.toUpperCase()}<//> <strong>${s.hostname || s.ip}</strong>
        <span class="muted small"> ${s.ip}:${s.port}${s.version && s.version !== 'Unknown' ? ` · version ${s.version}` : ''}</span></div>
      <button type="button" class="btn btn-small btn-primary" onClick=${() => onPick(s)}>Add…</button></li>`)}</ul>`}
    ${result && result.updated && !servers.length && html`<p class="muted small">No new servers found.</p>`}
  <//>`;
}

function NodesTab({ system }) {
  const [nodes, setNodes] = useState(null);
  const [dialog, setDialog] = useState(null);
  const load = () => api.get('config/nodes').then(setNodes).catch((e) => { setNodes([]); toastError('Could not load the nodes', e); });
  useEffect(() => { load(); }, []);
  useEffect(() => onLiveEvent((type) => {
    if (['node_auto_registered', 'node_deleted', 'nodes_changed'].includes(type)) { setDialog(null); load(); }
  }), []);
  if (!nodes) return html`<${Spinner} label="Loading nodes…" />`;
  const pick = (s) => setDialog(blankNode(s.type, { name: s.hostname || `${s.type}-${s.ip}`, host: `https://${s.ip}:${s.port}`, verifySSL: false }));
  const section = (type, title) => {
    const list = nodes.filter((n) => n.type === type);
    return html`<${Card} title=${title} actions=${html`<button type="button" class="btn btn-primary btn-small" data-testid=${`add-${type}`}
        onClick=${() => setDialog(blankNode(type))}>Add ${type.toUpperCase()} node</button>`}>
      ${list.length ? html`<ul class="list">${list.map((n) => html`<${NodeItem} key=${n.id} node=${n} onEdit=${(x) => setDialog(x)} onChanged=${load} />`)}</ul>`
        : html`<p class="muted">None configured yet.</p>`}
    <//>`;
  };
  return html`<div>
    ${section('pve', 'Proxmox VE')}
    ${section('pbs', 'Proxmox Backup Server')}
    <${Discovery} nodes=${nodes} onPick=${pick} subnetDefault=${system?.discoverySubnet} />
    ${dialog && html`<${NodeDialog} initial=${dialog} onClose=${() => setDialog(null)} onSaved=${() => { setDialog(null); load(); }} />`}
  </div>`;
}

const POLL = [[5, '5 s'], [10, '10 s'], [30, '30 s'], [60, '1 min']];
const TIMEOUTS = [[5, '5 s'], [10, '10 s'], [20, '20 s'], [30, '30 s']];

function SystemTab({ system, reload }) {
  const [form, setForm] = useState(system);
  const [update, setUpdate] = useState(null);
  useEffect(() => setForm(system), [system]);
  if (!form) return html`<${Spinner} />`;
  const locked = form.locked || {};
  const lockHint = (key) => (locked[key] ? `Set by ${locked[key]}; change it there.` : '');
  const save = async () => {
    const { backendPort, frontendPort, locked: _l, ...body } = form;
    for (const key of Object.keys(locked)) delete body[key];
    try { await api.put('config/system', body); toast('success', 'Settings saved', 'Applied at once, no restart needed.'); reload(); } catch (e) { toastError('Could not save the settings', e); }
  };
  const check = async () => {
    try { setUpdate(await api.get(`updates/check?channel=${form.updateChannel}`)); } catch (e) { toastError('Update check failed', e); }
  };
  const sel = (key, opts) => html`<select value=${form[key]} disabled=${!!locked[key]} onChange=${(e) => setForm({ ...form, [key]: Number(e.currentTarget.value) })}>
    ${(opts.some(([v]) => v === form[key]) ? opts : [[form[key], `${form[key]} s`], ...opts]).map(([v, t]) => html`<option key=${v} value=${v}>${t}</option>`)}</select>`;
  return html`<div class="grid-2">
    <${Card} title="Monitoring">
      <${Field} label="Polling interval" hint=${lockHint('pollingInterval') || 'How often Pulse asks each server.'}>${sel('pollingInterval', POLL)}<//>
      <${Field} label="Connection timeout" hint=${lockHint('connectionTimeout')}>${sel('connectionTimeout', TIMEOUTS)}<//>
      <${Field} label="Allowed origins (CORS)" hint=${lockHint('allowedOrigins') || 'Comma-separated; empty = this page only; * = any site.'}>
        <input value=${form.allowedOrigins} disabled=${!!locked.allowedOrigins} onInput=${(e) => setForm({ ...form, allowedOrigins: e.currentTarget.value })} /><//>
      <${Field} label="Discovery subnet" hint="Default subnet for Settings → Nodes → Discover.">
        <input value=${form.discoverySubnet} placeholder="192.168.1.0/24" disabled=${!!locked.discoverySubnet} onInput=${(e) => setForm({ ...form, discoverySubnet: e.currentTarget.value })} /><//>
      <p class="muted small">Listening on port ${form.backendPort}; the port is set in the configuration file or PORT.</p>
      <div class="toolbar"><${AsyncButton} className="btn btn-primary" onClick=${save} testid="save-system">Save<//></div>
    <//>
    <${Card} title="Updates">
      <${Field} label="Channel"><select value=${form.updateChannel} disabled=${!!locked.updateChannel} onChange=${(e) => setForm({ ...form, updateChannel: e.currentTarget.value })}>
        <option value="stable">Stable</option><option value="rc">Release candidate</option></select><//>
      <${Switch} label="Install updates automatically" checked=${form.autoUpdateEnabled} disabled=${!!locked.autoUpdateEnabled}
        onChange=${(v) => setForm({ ...form, autoUpdateEnabled: v })} />
      <div class="toolbar"><${AsyncButton} className="btn" onClick=${check} busyText="Checking…">Check for updates<//></div>
      ${update && html`<p class="note">${update.available ? `Version ${update.latestVersion} is available.` : `You run the latest version (${update.currentVersion || ''}).`}</p>`}
    <//>
  </div>`;
}

export function SettingsView({ route, auth }) {
  const tab = TABS.some(([k]) => k === route.parts[1]) ? route.parts[1] : 'nodes';
  const [system, setSystem] = useState(null);
  const reload = () => api.get('config/system').then(setSystem).catch((e) => toastError('Could not load the settings', e));
  useEffect(() => { reload(); }, []);
  return html`<div class="view-settings">
    <${SubTabs} base="settings" tabs=${TABS} active=${tab} />
    ${tab === 'nodes' && html`<${NodesTab} system=${system} />`}
    ${tab === 'system' && html`<${SystemTab} system=${system} reload=${reload} />`}
    ${tab === 'security' && html`<${SecurityTab} auth=${auth} />`}
  </div>`;
}
