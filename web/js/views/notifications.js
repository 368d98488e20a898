// Notification channels: the e-mail form (provider presets, test with the unsaved form) and
// webhooks (service templates, add/edit/delete, test each one and show its HTTP status).
import { html, useEffect, useState } from '../lib.js';
import { api } from '../api.js';
import { toast, toastError } from '../toast.js';
import { Card, Field, Switch, Spinner, AsyncButton, Pill, confirmAction } from '../ui.js';

function EmailCard() {
  const [form, setForm] = useState(null);
  const [providers, setProviders] = useState([]);
  useEffect(() => {
    api.get('notifications/email').then((e) => setForm({ ...e, toText: (e.to || []).join('\n') }))
      .catch((e) => toastError('Could not load the e-mail settings', e));
    api.get('notifications/email-providers').then(setProviders).catch(() => {});
  }, []);
  if (!form) return html`<${Card} title="E-mail"><${Spinner} /><//>`;
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });
  const body = () => {
    const { toText, hasPassword, ...rest } = form;
    const out = { ...rest, port: Number(form.port) || 587, to: toText.split(/[\n,]/).map((t) => t.trim()).filter(Boolean) };
    if (!out.password) delete out.password; // blank keeps the stored one
    return out;
  };
  const choose = (name) => {
    const p = providers.find((x) => x.name === name);
    if (!p) { setForm({ ...form, provider: '' }); return; }
    setForm({ ...form, provider: p.name, server: p.smtpHost, port: p.smtpPort, tls: p.tls, startTLS: p.startTLS,
      username: p.name === 'SendGrid' ? 'apikey' : form.username });
  };
  const provider = providers.find((p) => p.name === form.provider);
  const save = async () => {
    try { const saved = await api.put('notifications/email', body()); toast('success', 'E-mail settings saved');
      if (saved && typeof saved === 'object' && 'server' in saved) setForm({ ...saved, toText: (saved.to || []).join('\n') });
    } catch (e) { toastError('Could not save the e-mail settings', e); }
  };
  const test = async () => {
    try { await api.post('notifications/email/test', body()); toast('success', 'Test e-mail sent', `to ${body().to.join(', ') || form.from}`); } catch (e) { toastError('Test e-mail failed', e); }
  };
  return html`<${Card} title="E-mail" actions=${html`<${Switch} label=${form.enabled ? 'On' : 'Off'} checked=${form.enabled} onChange=${(v) => setForm({ ...form, enabled: v })} />`}>
    <div class="form-grid">
      <${Field} label="Provider"><select value=${form.provider} onChange=${(e) => choose(e.currentTarget.value)}>
        <option value="">Custom SMTP server</option>${providers.map((p) => html`<option key=${p.name} value=${p.name}>${p.name}</option>`)}</select><//>
      <${Field} label="SMTP server"><input value=${form.server} onInput=${set('server')} placeholder="smtp.example.com" /><//>
      <${Field} label="Port"><input type="number" value=${form.port} onInput=${set('port')} /><//>
      <${Field} label="Security"><select value=${form.tls ? 'tls' : form.startTLS ? 'starttls' : 'none'}
          onChange=${(e) => { const v = e.currentTarget.value; setForm({ ...form, tls: v === 'tls', startTLS: v === 'starttls' }); }}>
        <option value="starttls">STARTTLS (port 587)</option><option value="tls">TLS (port 465)</option><option value="none">None</option></select><//>
      <${Field} label="From address"><input type="email" value=${form.from} onInput=${set('from')} placeholder="pulse@example.com" /><//>
      <${Field} label="Username"><input value=${form.username} onInput=${set('username')} autocomplete="off" /><//>
      <${Field} label="Password" hint=${form.hasPassword ? 'A password is stored; leave blank to keep it.' : ''}>
        <input type="password" value=${form.password} onInput=${set('password')} autocomplete="new-password" /><//>
      <${Field} label="Recipients" hint="One address per line; empty sends to the From address.">
        <textarea rows="3" value=${form.toText} onInput=${set('toText')}></textarea><//>
    </div>
    ${provider && provider.instructions && html`<p class="note">${provider.instructions}</p>`}
    <div class="toolbar">
      <${AsyncButton} className="btn" onClick=${test} busyText="Sending…">Send test e-mail<//>
      <${AsyncButton} className="btn btn-primary" onClick=${save}>Save e-mail settings<//>
    </div>
  <//>`;
}

const EMPTY_HOOK = { name: '', url: '', method: 'POST', service: 'generic', enabled: true };

function WebhookForm({ initial, templates, onDone }) {
  const [hook, setHook] = useState(initial);
  const set = (key) => (e) => setHook({ ...hook, [key]: e.currentTarget.value });
  const template = templates.find((t) => t.service === hook.service);
  const chooseService = (service) => {
    const t = templates.find((x) => x.service === service);
    setHook({ ...hook, service, method: t ? t.method : hook.method, name: hook.name || (t ? t.name : '') });
  };
  const submit = async () => {
    try {
      if (hook.id) await api.put(`notifications/webhooks/${encodeURIComponent(hook.id)}`, hook);
      else await api.post('notifications/webhooks', hook);
      toast('success', hook.id ? 'Webhook updated' : 'Webhook added', hook.name);
      onDone(true);
    } catch (e) { toastError('Could not save the webhook', e); }
  };
  return html`<div class="subform" data-testid="webhook-form">
    <div class="form-grid">
      <${Field} label="Service"><select value=${hook.service} onChange=${(e) => chooseService(e.currentTarget.value)}>
        <option value="generic">Generic JSON</option>${templates.map((t) => html`<option key=${t.service} value=${t.service}>${t.name}</option>`)}</select><//>
      <${Field} label="Name"><input value=${hook.name} onInput=${set('name')} required /><//>
      <${Field} label="URL" hint=${hook.id && hook.url.includes('*') ? 'Shown masked; leave as is to keep the stored URL.' : ''}>
        <input value=${hook.url} onInput=${set('url')} placeholder=${template ? template.urlPattern : 'https://…'} required /><//>
      <${Field} label="Method"><select value=${hook.method} onChange=${set('method')}>${['POST', 'PUT', 'PATCH'].map((m) => html`<option key=${m}>${m}</option>`)}</select><//>
    </div>
    <${Switch} label="Enabled" checked=${hook.enabled} onChange=${(v) => setHook({ ...hook, enabled: v })} />
    <div class="toolbar">
      <button type="button" class="btn" onClick=${() => onDone(false)}>Cancel</button>
      <${AsyncButton} className="btn btn-primary" disabled=${!hook.name || !hook.url} onClick=${submit}>${hook.id ? 'Update webhook' : 'Add webhook'}<//>
    </div>
  </div>`;
}

function WebhooksCard() {
  const [hooks, setHooks] = useState(null);
  const [templates, setTemplates] = useState([]);
  const [editing, setEditing] = useState(null);
  const load = () => api.get('notifications/webhooks').then(setHooks).catch((e) => { setHooks([]); toastError('Could not load webhooks', e); });
  useEffect(() => { load(); api.get('notifications/webhook-templates').then(setTemplates).catch(() => {}); }, []);
  const test = async (hook) => {
    try {
      const r = await api.post('notifications/webhooks/test', { id: hook.id, service: hook.service });
      if (r && r.success === false) toast('error', `Webhook ${hook.name} answered HTTP ${r.status}`, r.error || r.response || '');
      else toast('success', `Webhook ${hook.name} works`, r && r.status ? `HTTP ${r.status}` : '');
    } catch (e) { toastError(`Webhook ${hook.name} failed`, e); }
  };
  const remove = async (hook) => {
    if (!(await confirmAction(`Delete the webhook "${hook.name}"?`, { okText: 'Delete' }))) return;
    try { await api.del(`notifications/webhooks/${encodeURIComponent(hook.id)}`); toast('success', 'Webhook deleted', hook.name); load(); } catch (e) { toastError('Could not delete the webhook', e); }
  };
  return html`<${Card} title="Webhooks" actions=${!editing && html`<button type="button" class="btn btn-primary btn-small" onClick=${() => setEditing(EMPTY_HOOK)}>Add webhook</button>`}>
    ${editing && html`<${WebhookForm} initial=${editing} templates=${templates} onDone=${(changed) => { setEditing(null); if (changed) load(); }} />`}
    ${hooks === null ? html`<${Spinner} />` : !hooks.length ? html`<p class="muted">No webhooks yet: Discord, Slack, Teams, Telegram, ntfy, Gotify, PagerDuty or any JSON endpoint.</p>`
      : html`<ul class="list">${hooks.map((h) => html`<li key=${h.id} class="list-item" data-testid="webhook">
        <div><strong>${h.name}</strong> <${Pill} tone="blue">${h.service}<//> <${Pill} tone="grey">${h.method}<//> ${!h.enabled && html`<${Pill} tone="red">disabled<//>`}
          <div class="mono small muted ellipsis">${h.url}</div></div>
        <div class="list-actions"><${AsyncButton} className="btn btn-small" onClick=${() => test(h)} busyText="Testing…">Test<//>
          <button type="button" class="btn btn-small" onClick=${() => setEditing({ ...h })}>Edit</button>
          <button type="button" class="btn btn-small btn-ghost" onClick=${() => remove(h)}>Delete</button></div>
      </li>`)}</ul>`}
  <//>`;
}

export function NotificationsTab() {
  return html`<div class="grid-2"><${EmailCard} /><${WebhooksCard} /></div>`;
}
