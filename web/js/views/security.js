// Settings → Security: password (first set-up or change), the API token, registration tokens
// for setup scripts, and encrypted export / import of the whole configuration.
import { html, useEffect, useState } from '../lib.js';
import { api, refreshAuth } from '../api.js';
import { toast, toastError } from '../toast.js';
import { Card, Field, Spinner, AsyncButton, Pill, Modal, confirmAction, copyText } from '../ui.js';
import { absolute } from '../format.js';

function Secret({ value, label }) {
  return html`<div class="codebox" data-testid="secret"><code>${value}</code>
    <button type="button" class="btn btn-small" onClick=${() => copyText(value, `${label} copied`)}>Copy</button></div>`;
}

function PasswordCard({ status }) {
  const [form, setForm] = useState({ username: '', current: '', next: '', confirm: '' });
  const [token, setToken] = useState('');
  const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
  const mismatch = form.confirm && form.next !== form.confirm;
  if (!status.passwordChangeable) {
    return html`<${Card} title="Password"><p>The password is set by ${status.credentialsSource?.password} (PULSE_PASSWORD); change it there.</p><//>`;
  }
  const first = !status.hasPassword;
  const submit = async () => {
    if (form.next !== form.confirm) { toast('error', 'The passwords do not match'); return; }
    try {
      if (!status.requiresAuth) {
        const r = await api.post('security/quick-setup', { username: form.username || undefined, password: form.next });
        if (r.apiToken) setToken(r.apiToken);
        toast('success', 'Password set', 'Pulse now asks for it; you stay signed in here.');
      } else if (first) {
        await api.post('security/change-password', { newPassword: form.next });
        toast('success', 'Password set');
      } else {
        await api.post('security/change-password', { currentPassword: form.current, newPassword: form.next });
        toast('success', 'Password changed', 'Other sessions were signed out.');
      }
      setForm({ username: '', current: '', next: '', confirm: '' });
      await refreshAuth();
    } catch (e) { toastError('Could not set the password', e); }
  };
  return html`<${Card} title=${first ? 'Set a password' : 'Change password'}>
    <form class="form-narrow" onSubmit=${(e) => { e.preventDefault(); submit(); }} data-testid="password-form">
      ${!status.requiresAuth && html`<${Field} label="Username" hint="Default: admin"><input autocomplete="username" value=${form.username} onInput=${set('username')} placeholder="admin" /><//>`}
      ${!first && html`<${Field} label="Current password"><input type="password" autocomplete="current-password" value=${form.current} onInput=${set('current')} required /><//>`}
      <${Field} label="New password" hint="At least 8 characters."><input type="password" autocomplete="new-password" value=${form.next} onInput=${set('next')} required minlength="8" /><//>
      <${Field} label="Repeat new password" error=${mismatch ? 'Does not match' : ''}><input type="password" autocomplete="new-password" value=${form.confirm} onInput=${set('confirm')} required /><//>
      <div class="toolbar"><button type="submit" class="btn btn-primary" disabled=${!form.next || mismatch}>${first ? 'Set password' : 'Change password'}</button></div>
    </form>
    ${token && html`<p class="note">An API token for scripts was created as well. It is shown only now:</p><${Secret} value=${token} label="API token" />`}
  <//>`;
}

function ApiTokenCard({ status }) {
  const [info, setInfo] = useState(null);
  const [shown, setShown] = useState('');
  const load = () => api.get('system/api-token').then(setInfo).catch(() => setInfo({ hasToken: status.apiTokenConfigured }));
  useEffect(() => { load(); }, []);
  if (!info) return html`<${Card} title="API token"><${Spinner} /><//>`;
  const generate = async () => {
    if (info.hasToken && !(await confirmAction('Replace the API token? Scripts using the old one stop working.', { okText: 'Replace token' }))) return;
    try { const r = await api.post('system/api-token/generate', {}); setShown(r.token); toast('success', 'API token generated', 'Copy it now.'); load(); refreshAuth(); } catch (e) { toastError('Could not generate a token', e); }
  };
  const reveal = async () => { try { const r = await api.get('system/api-token?reveal=true'); setShown(r.token || ''); } catch (e) { toastError('Could not reveal the token', e); } };
  const remove = async () => {
    if (!(await confirmAction('Delete the API token? Scripts using it stop working.', { okText: 'Delete token' }))) return;
    try { await api.del('system/api-token/delete'); setShown(''); toast('success', 'API token deleted'); load(); refreshAuth(); } catch (e) { toastError('Could not delete the token', e); }
  };
  const locked = !status.apiTokenChangeable;
  return html`<${Card} title="API token">
    <p class="small">For scripts and integrations: send it as <code>X-API-Token</code> or <code>Authorization: Bearer</code>. ${info.hasToken ? html`<${Pill} tone="green">set<//>` : html`<${Pill} tone="grey">not set<//>`}</p>
    ${locked ? html`<p class="muted small">Set by ${status.credentialsSource?.apiToken} (API_TOKEN); change it there.</p>` : html`<div class="toolbar">
      <${AsyncButton} className="btn btn-primary" onClick=${generate} testid="token-generate">${info.hasToken ? 'Generate new token' : 'Generate token'}<//>
      ${info.hasToken && html`<${AsyncButton} className="btn" onClick=${reveal}>Reveal<//><${AsyncButton} className="btn btn-ghost" onClick=${remove}>Delete<//>`}</div>`}
    ${shown && html`<${Secret} value=${shown} label="API token" />`}
  <//>`;
}

function RegistrationTokens() {
  const [list, setList] = useState(null);
  const [form, setForm] = useState({ validityMinutes: 60, maxUses: 1, description: '' });
  const [created, setCreated] = useState('');
  const load = () => api.get('tokens/list').then(setList).catch(() => setList([]));
  useEffect(() => { load(); }, []);
  const generate = async () => {
    try { const r = await api.post('tokens/generate', { ...form, validityMinutes: Number(form.validityMinutes), maxUses: Number(form.maxUses) }); setCreated(r.token); toast('success', 'Registration token created'); load(); } catch (e) { toastError('Could not create a token', e); }
  };
  const revoke = async (t) => {
    if (!(await confirmAction('Revoke this registration token?', { okText: 'Revoke' }))) return;
    try { await api.del(`tokens/revoke?id=${encodeURIComponent(t.id)}`); toast('success', 'Token revoked'); load(); } catch (e) { toastError('Could not revoke the token', e); }
  };
  return html`<${Card} title="Registration tokens">
    <p class="small muted">One-time tokens that let a setup script register a node (<code>PULSE_REG_TOKEN=…</code>). The node dialog creates one for you.</p>
    <div class="inline-form">
      <select aria-label="Validity" value=${form.validityMinutes} onChange=${(e) => setForm({ ...form, validityMinutes: e.currentTarget.value })}>
        <option value="15">15 minutes</option><option value="60">1 hour</option><option value="1440">24 hours</option></select>
      <input type="number" min="0" max="100" aria-label="Maximum uses (0 = unlimited)" title="Maximum uses (0 = unlimited)" value=${form.maxUses} onInput=${(e) => setForm({ ...form, maxUses: e.currentTarget.value })} />
      <input aria-label="Description" placeholder="Description" value=${form.description} onInput=${(e) => setForm({ ...form, description: e.currentTarget.value })} />
      <${AsyncButton} className="btn" onClick=${generate}>Create<//>
    </div>
    ${created && html`<p class="note">Shown only now:</p><${Secret} value=${created} label="Registration token" />`}
    ${list && list.length > 0 && html`<ul class="list">${list.map((t) => html`<li class="list-item" key=${t.id}>
      <div><code>${t.token}</code> <span class="muted small">${t.description} · uses ${t.usedCount}/${t.maxUses || '∞'} · expires ${absolute(t.expires)}</span></div>
      <button type="button" class="btn btn-small btn-ghost" onClick=${() => revoke(t)}>Revoke</button></li>`)}</ul>`}
  <//>`;
}

function ExportImport({ status }) {
  const [mode, setMode] = useState('');
  const [pass, setPass] = useState('');
  const [token, setToken] = useState('');
  const [file, setFile] = useState(null);
  const headers = token ? { 'X-API-Token': token } : {};
  const close = () => { setMode(''); setPass(''); setFile(null); };
  const doExport = async () => {
    try {
      const r = await api.post('config/export', { passphrase: pass }, { headers });
      const blob = new Blob([JSON.stringify({ format: 'pulse-export', data: r.data }, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `pulse-config-${new Date().toISOString().slice(0, 10)}.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      toast('success', 'Configuration exported', 'Keep the file and the passphrase safe.');
      close();
    } catch (e) { toastError('Export failed', e); }
  };
  const doImport = async () => {
    if (!(await confirmAction('Importing replaces the whole configuration (nodes, alerts, notifications, settings).', { okText: 'Import' }))) return;
    try {
      const text = await file.text();
      let data = text.trim();
      try { const parsed = JSON.parse(text); data = parsed.data || data; } catch { /* a bare base64 blob */ }
      await api.post('config/import', { data, passphrase: pass }, { headers });
      toast('success', 'Configuration imported', 'Applied at once.');
      close();
    } catch (e) { toastError('Import failed', e); }
  };
  const blocked = !status.apiTokenConfigured && !status.unprotectedExportAllowed;
  const needToken = status.apiTokenConfigured;
  return html`<${Card} title="Export / import">
    <p class="small">An encrypted file with every node, credential and setting, protected by a passphrase you choose.</p>
    ${blocked && html`<p class="note">Export and import need an API token (generate one above), or ALLOW_UNPROTECTED_EXPORT=true.</p>`}
    <div class="toolbar"><button type="button" class="btn" disabled=${blocked} onClick=${() => setMode('export')}>Export…</button>
      <button type="button" class="btn" disabled=${blocked} onClick=${() => setMode('import')}>Import…</button></div>
    ${mode && html`<${Modal} title=${mode === 'export' ? 'Export configuration' : 'Import configuration'} onClose=${close}
      footer=${html`<button type="button" class="btn" onClick=${close}>Cancel</button>
        <${AsyncButton} className="btn btn-primary" disabled=${pass.length < 12 || (mode === 'import' && !file) || (needToken && !token)}
          onClick=${mode === 'export' ? doExport : doImport}>${mode === 'export' ? 'Export' : 'Import'}<//>`}>
      ${mode === 'import' && html`<${Field} label="Export file"><input type="file" accept=".json,application/json,text/plain" onChange=${(e) => setFile(e.currentTarget.files[0] || null)} /><//>`}
      <${Field} label="Passphrase" hint=${`At least 12 characters (${pass.length}/12).`}><input type="password" autocomplete="new-password" value=${pass} onInput=${(e) => setPass(e.currentTarget.value)} /><//>
      ${needToken && html`<${Field} label="API token" hint="Export and import always need the API token, even when signed in."><input type="password" autocomplete="off" value=${token} onInput=${(e) => setToken(e.currentTarget.value)} /><//>`}
    <//>`}
  <//>`;
}

export function SecurityTab({ auth }) {
  const status = auth.status;
  if (!status) return html`<${Spinner} />`;
  return html`<div class="grid-2">
    <div><${PasswordCard} status=${status} /><${ApiTokenCard} status=${status} /></div>
    <div><${RegistrationTokens} /><${ExportImport} status=${status} /></div>
  </div>`;
}
