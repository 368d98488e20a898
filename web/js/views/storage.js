// Storage view: PVE storages grouped by node (or one flat list), and PBS datastores, with usage
// bars and the filters in the URL.
import { html, useMemo, useRef, cx } from '../lib.js';
import { setQuery } from '../router.js';
import { Bar, Pill, Segmented, Spinner, Empty, AlertMarker, alertClass } from '../ui.js';
import { bytes, pct } from '../format.js';
import { useSearchKeys } from './main.js';

const TYPE_TONE = { dir: 'grey', pbs: 'blue' };

function StorageRow({ s, alerts, showNode }) {
  const ok = s.status === 'available';
  return html`<tr class=${cx(alertClass(alerts), !ok && 'is-stopped', s.stale && 'is-stale')} data-testid="storage-row">
    <td class="col-name"><strong>${s.name}</strong> <${AlertMarker} alerts=${alerts} /></td>
    ${showNode && html`<td class="hide-sm">${s.node}<span class="muted"> · ${s.instance}</span></td>`}
    <td class="hide-md"><${Pill} tone=${TYPE_TONE[s.type] || 'violet'}>${s.type}<//></td>
    <td class="hide-lg muted small">${s.content || '-'}</td>
    <td class="hide-sm"><span class=${ok ? 'text-ok' : 'text-crit'}>${s.status}</span></td>
    <td class="hide-lg">${s.shared ? '✓' : '-'}</td>
    <td class="col-usage"><${Bar} value=${s.usage} kind="storage"
      label=${s.total ? `${bytes(s.used)} / ${bytes(s.total)} (${pct(s.usage, 1)})` : '-'} /></td>
    <td class="hide-sm num">${bytes(s.free)}</td>
    <td class="num">${bytes(s.total)}</td>
  </tr>`;
}

function Head({ showNode }) {
  return html`<thead><tr><th>Storage</th>${showNode && html`<th class="hide-sm">Node</th>`}<th class="hide-md">Type</th>
    <th class="hide-lg">Content</th><th class="hide-sm">Status</th><th class="hide-lg">Shared</th>
    <th class="col-usage">Usage</th><th class="hide-sm num">Free</th><th class="num">Total</th></tr></thead>`;
}

function sum(list) {
  const used = list.reduce((a, s) => a + (s.used || 0), 0);
  const total = list.reduce((a, s) => a + (s.total || 0), 0);
  return `${bytes(used)} / ${bytes(total)} (${pct(total ? (used / total) * 100 : 0, 1)})`;
}

export function StorageView({ live, route }) {
  const { state, alertsByResource } = live;
  const search = route.query.q || '';
  const group = route.query.group === 'storage' ? 'storage' : 'node';
  const inputRef = useRef(null);
  useSearchKeys(inputRef, { onEscape: () => setQuery({ q: '' }) });
  const items = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (state?.storage || []).filter((s) => !needle
      || [s.name, s.node, s.type, s.content, s.status, s.instance].some((v) => (v || '').toLowerCase().includes(needle)))
      .sort((a, b) => a.name.localeCompare(b.name) || a.node.localeCompare(b.node));
  }, [state?.storage, search]);
  if (!state) return html`<${Spinner} label="Loading storage…" />`;
  const groups = new Map();
  for (const s of items) {
    const key = s.node === 'shared' ? `shared (${s.instance})` : `${s.node}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  const datastores = (state.pbs || []).flatMap((p) => (p.datastores || []).map((d) => ({ ...d, pbs: p })));
  return html`<div class="view-storage">
    <div class="filters" role="search">
      <div class="search-box"><span class="search-icon" aria-hidden="true">⌕</span>
        <input ref=${inputRef} type="search" class="search-input" placeholder="Search name, node, type, content"
          aria-label="Search storage" value=${search} onInput=${(e) => setQuery({ q: e.currentTarget.value })} /></div>
      <${Segmented} label="Group by" value=${group} options=${[['node', 'By node'], ['storage', 'Flat list']]}
        onChange=${(v) => setQuery({ group: v === 'node' ? '' : v })} />
    </div>
    ${!items.length ? html`<${Empty} title=${search ? 'No storage matches the search' : 'No storage found'} />`
      : html`<div class="table-scroll"><table class="data-table" data-testid="storage-table">
        <${Head} showNode=${group === 'storage'} />
        ${group === 'node'
          ? [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, list]) => html`<tbody key=${key}>
              <tr class="group-row"><th colspan="8">${key} <span class="muted"> · ${sum(list)}</span></th></tr>
              ${list.map((s) => html`<${StorageRow} key=${s.id} s=${s} alerts=${alertsByResource.get(s.id)} />`)}</tbody>`)
          : html`<tbody>${items.map((s) => html`<${StorageRow} key=${s.id} s=${s} showNode alerts=${alertsByResource.get(s.id)} />`)}</tbody>`}
      </table></div>`}
    ${datastores.length > 0 && html`<h2 class="section-title">PBS datastores</h2>
      <div class="table-scroll"><table class="data-table" data-testid="datastore-table">
        <thead><tr><th>Datastore</th><th>Server</th><th class="hide-sm">Namespaces</th><th>Status</th>
          <th class="col-usage">Usage</th><th class="hide-sm num">Free</th><th class="num">Total</th></tr></thead>
        <tbody>${datastores.map((d) => html`<tr key=${`${d.pbs.id}/${d.name}`} class=${cx(d.status !== 'available' && 'is-stopped')}>
          <td><strong>${d.name}</strong></td><td>${d.pbs.name}</td>
          <td class="hide-sm muted small">${(d.namespaces || []).filter((n) => n.path).map((n) => n.path).join(', ') || 'root only'}</td>
          <td><span class=${d.status === 'available' ? 'text-ok' : 'text-crit'} title=${d.error || ''}>${d.status}</span></td>
          <td class="col-usage"><${Bar} value=${d.usage} kind="storage" label=${`${bytes(d.used)} / ${bytes(d.total)} (${pct(d.usage, 1)})`} /></td>
          <td class="hide-sm num">${bytes(d.free)}</td><td class="num">${bytes(d.total)}</td></tr>`)}</tbody>
      </table></div>`}
  </div>`;
}
