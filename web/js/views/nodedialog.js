// Add / edit a PVE or PBS node: host, credentials (API token or password), TLS pinning,
// monitor toggles, a connection test, and the setup-script one-liner that registers the node.
import { html, useState } from '../lib.js';
import { api } from '../api.js';
import { toast, toastError } from '../toast.js';
import { Modal, Field, Switch, Segmented, AsyncButton, copyText } from '../ui.js';

const TOGGLES = {
  pve: [['monitorVMs', 'VMs'], ['monitorContainers', 'Containers'], ['monitorStorage', 'Storage'], ['monitorBackups', 'Backups']],
  pbs: [['monitorDatastores', 'Datastores'], ['monitorSyncJobs', 'Sync jobs'], ['monitorVerifyJobs', 'Verify jobs'], ['monitorPruneJobs', 'Prune jobs'], ['monitorGarbageJobs', 'Garbage collection']],
};

export function blankNode(type, preset = {}) {
  const toggles = Object.fromEntries(TOGGLES[type].map(([k]) => [k, k !== 'monitorGarbageJobs']));
  return { type, name: '', host: '', user: '', password: '', tokenName: '', tokenValue: '', fingerprint: '', verifySSL: true, ...toggles, ...preset };
}

function SetupScript({ node }) {
  const [result, setResult] = useState(null);
  const [backupPerms, setBackupPerms] = useState(true);
  const make = async () => {
    try {
      setResult(await api.post('setup-script-url', { type: node.type, host: node.host, pulseUrl: window.location.origin, backupPerms: node.type === 'pve' && backupPerms }));
    } catch (e) { toastError('Could not create the setup command', e); }
  };
  return html`<div class="subform">
    <p class="small">Run one command as root on the ${node.type === 'pve' ? 'Proxmox VE node' : 'Backup Server'}: it creates a
      read-only monitoring user and token and registers the server here. The command carries a one-time registration token.</p>
    ${node.type === 'pve' && html`<${Switch} label="Also allow reading backups on storage (PVEDatastoreAdmin on /storage)" checked=${backupPerms} onChange=${setBackupPerms} />`}
    <div class="toolbar"><${AsyncButton} className="btn" onClick=${make} disabled=${!node.host}
      title=${node.host ? '' : 'Enter the host first'}>Create setup command<//></div>
    ${result && html`<div class="codebox"><code data-testid="setup-command">${result.command}</code>
      <button type="button" class="btn btn-small" onClick=${() => copyText(result.command, 'Command copied')}>Copy</button></div>
      <p class="muted small">Valid until ${new Date(result.expires * 1000).toLocaleTimeString()}.</p>`}
  </div>`;
}

export function NodeDialog({ initial, onClose, onSaved }) {
  const editing = Boolean(initial.id);
  const [node, setNode] = useState({ ...initial, password: '', tokenValue: '' });
  const [auth, setAuth] = useState(initial.user && !initial.tokenName ? 'password' : 'token');
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  const set = (key) => (e) => setNode({ ...node, [key]: e.currentTarget.value });
  const kind = node.type === 'pve' ? 'Proxmox VE' : 'Proxmox Backup Server';
  const port = node.type === 'pve' ? 8006 : 8007;

  const payload = () => {
    const body = { ...node };
    delete body.status; delete body.id; delete body.hasPassword; delete body.hasToken; delete body.lastError;
    delete body.isCluster; delete body.clusterName; delete body.clusterEndpoints;
    if (auth === 'token') { body.user = node.type === 'pbs' ? body.user : ''; body.password = undefined; } else { body.tokenName = ''; body.tokenValue = undefined; }
    if (editing && !body.password) delete body.password;
    if (editing && !body.tokenValue) delete body.tokenValue;
    return body;
  };
  const newCredentials = auth === 'token' ? node.tokenValue : node.password;
  const test = async () => {
    setResult(null);
    if (!node.host.trim()) { setResult({ ok: false, text: 'Host is required' }); return; }
    try {
      const r = editing && !newCredentials && node.host === initial.host
        ? await api.post(`config/nodes/${encodeURIComponent(initial.id)}/test`, {})
        : await api.post('config/nodes/test-connection', payload());
      const ok = r.status === 'success';
      setResult({ ok, text: `${r.message || r.status}${r.isCluster ? ' — cluster detected: all members will be monitored' : ''}` });
    } catch (e) { setResult({ ok: false, text: e.message }); }
  };
  const save = async () => {
    setError('');
    try {
      if (editing) await api.put(`config/nodes/${encodeURIComponent(initial.id)}`, payload());
      else await api.post('config/nodes', payload());
      toast('success', editing ? 'Node updated' : 'Node added', node.name || node.host);
      onSaved();
    } catch (e) { setError(e.message); toastError(editing ? 'Could not update the node' : 'Could not add the node', e); }
  };
  const footer = html`<${AsyncButton} className="btn" onClick=${test} busyText="Testing…" testid="node-test">Test connection<//>
    <span class="spacer"></span>
    <button type="button" class="btn" onClick=${onClose}>Cancel</button>
    <${AsyncButton} className="btn btn-primary" onClick=${save} busyText="Saving…" testid="node-save">${editing ? 'Update node' : 'Add node'}<//>`;
  return html`<${Modal} title=${`${editing ? 'Edit' : 'Add'} ${kind} node`} onClose=${onClose} footer=${footer} wide>
    <form class="node-form" onSubmit=${(e) => { e.preventDefault(); save(); }} data-testid="node-dialog">
      <div class="form-grid">
        <${Field} label="Name" hint="Optional; detected from the server when empty."><input name="name" value=${node.name} onInput=${set('name')} /><//>
        <${Field} label="Host" hint=${`https://host:${port} — the port defaults to ${port}.`}>
          <input name="host" required value=${node.host} onInput=${set('host')} placeholder=${`https://192.168.1.10:${port}`} /><//>
      </div>
      <h3 class="form-section">Authentication</h3>
      <${Segmented} label="Authentication method" value=${auth} onChange=${setAuth} options=${[['token', 'API token (recommended)'], ['password', 'User & password']]} />
      ${auth === 'token' ? html`<div class="form-grid">
          <${Field} label="Token ID" hint=${node.type === 'pve' ? 'user@realm!tokenname, e.g. pulse-monitor@pam!pulse' : 'user@realm!tokenname or the token name'}>
            <input name="tokenName" class="mono" value=${node.tokenName} onInput=${set('tokenName')} /><//>
          <${Field} label="Token secret" hint=${editing && initial.hasToken ? 'Stored; leave blank to keep it.' : ''}>
            <input name="tokenValue" type="password" autocomplete="off" value=${node.tokenValue} onInput=${set('tokenValue')} /><//>
        </div>`
        : html`<div class="form-grid">
          <${Field} label="Username" hint="With realm: root@pam, admin@pbs"><input name="user" value=${node.user} onInput=${set('user')} /><//>
          <${Field} label="Password" hint=${editing && initial.hasPassword ? 'Stored; leave blank to keep it.' : ''}>
            <input name="password" type="password" autocomplete="off" value=${node.password} onInput=${set('password')} /><//>
        </div>`}
      <details class="details"><summary>Create the token with a setup script</summary><${SetupScript} node=${node} /></details>
      <h3 class="form-section">TLS</h3>
      <div class="form-grid">
        <${Switch} label="Verify the certificate (CA-signed)" checked=${node.verifySSL} onChange=${(v) => setNode({ ...node, verifySSL: v })} />
        <${Field} label="Certificate fingerprint (SHA-256)" hint="Optional: pins a self-signed certificate (SHA-256, AA:BB:…). Without it and with the check off, any certificate is accepted.">
          <input name="fingerprint" class="mono" value=${node.fingerprint} onInput=${set('fingerprint')} /><//>
      </div>
      <h3 class="form-section">Monitor</h3>
      <div class="toggles">${TOGGLES[node.type].map(([k, l]) => html`<${Switch} key=${k} label=${l} checked=${node[k]} onChange=${(v) => setNode({ ...node, [k]: v })} />`)}</div>
      ${result && html`<p class=${result.ok ? 'result ok' : 'result fail'} role="status" data-testid="node-test-result">${result.text}</p>`}
      ${error && html`<p class="result fail" role="alert">${error}</p>`}
      <button type="submit" hidden></button>
    </form>
  <//>`;
}
