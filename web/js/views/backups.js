// Backups view: PVE backups, PBS backups and snapshots in one timeline, with guest names,
// filters in the URL, relative/absolute time and day groups.
import { html, useMemo, useRef, useState, cx, loadPref, savePref } from '../lib.js';
import { setQuery } from '../router.js';
import { Pill, Segmented, Spinner, Empty } from '../ui.js';
import { bytes, relative, absolute, toMs, dayLabel } from '../format.js';
import { useSearchKeys } from './main.js';

const KIND_TONE = { snapshot: 'amber', pve: 'blue', pbs: 'violet' };
const KIND_LABEL = { snapshot: 'Snapshot', pve: 'PVE', pbs: 'PBS' };
const TYPE_OF = { vm: 'qemu', ct: 'lxc', qemu: 'qemu', lxc: 'lxc' };
const SORTS = { time: (b) => b.ms, vmid: (b) => b.vmid, size: (b) => b.size || 0, node: (b) => b.node, kind: (b) => b.kind, type: (b) => b.type };

function nameLookup(state) {
  const map = new Map();
  for (const g of [...(state.vms || []), ...(state.containers || [])]) {
    map.set(`${g.instance}/${g.vmid}`, g.name);
    if (!map.has(`*/${g.vmid}`)) map.set(`*/${g.vmid}`, g.name);
  }
  return (instance, vmid) => map.get(`${instance}/${vmid}`) || map.get(`*/${vmid}`) || '';
}

export function unifyBackups(state) {
  const name = nameLookup(state);
  const out = [];
  const pbsKeys = new Set();
  for (const b of state.pbsBackups || []) {
    const vmid = Number.parseInt(b.vmid, 10) || 0;
    const ms = toMs(b.backupTime);
    pbsKeys.add(`${vmid}/${Math.floor(ms / 1000)}`);
    out.push({ id: b.id, kind: 'pbs', vmid, type: TYPE_OF[b.backupType] || b.backupType, guest: name('*', vmid) || b.comment || '',
      node: b.instance, ms, size: b.size, verified: b.verified, protected: b.protected,
      location: `${b.datastore}${b.namespace ? `/${b.namespace}` : ''}`, details: b.comment || '' });
  }
  const pve = state.pveBackups || {};
  for (const b of pve.storageBackups || []) {
    if (/vztmpl|iso/.test(b.format || '')) continue;
    const ms = toMs(b.time || b.ctime);
    if (b.isPBS && pbsKeys.has(`${b.vmid}/${Math.floor(ms / 1000)}`)) continue;
    out.push({ id: b.id, kind: b.isPBS ? 'pbs' : 'pve', vmid: b.vmid, type: b.type, guest: name(b.instance, b.vmid),
      node: b.node, ms, size: b.size, verified: b.isPBS ? b.verified : null, protected: b.protected,
      location: b.storage, details: b.notes || (b.volid || '').split('/').pop() });
  }
  for (const s of pve.guestSnapshots || []) {
    out.push({ id: s.id, kind: 'snapshot', vmid: s.vmid, type: s.type, guest: name(s.instance, s.vmid),
      node: s.node, ms: toMs(s.time), size: null, verified: null, location: '',
      details: [s.name, s.description].filter(Boolean).join(' • '), snapshot: s.name });
  }
  return out;
}

function ageClass(ms) {
  const days = (Date.now() - ms) / 86400000;
  if (days < 3) return 'text-ok';
  if (days < 7) return 'text-warn';
  return 'text-crit';
}

export function BackupsView({ live, route }) {
  const { state } = live;
  const q = route.query;
  const search = q.q || '';
  const kind = q.kind || 'all';
  const type = q.type || 'all';
  const sort = SORTS[q.sort] ? q.sort : 'time';
  const dir = q.dir === 'asc' ? 'asc' : q.dir === 'desc' ? 'desc' : (sort === 'time' || sort === 'size' ? 'desc' : 'asc');
  const [rel, setRel] = useState(loadPref('backupsRelative', true));
  const inputRef = useRef(null);
  useSearchKeys(inputRef, { onEscape: () => setQuery({ q: '' }) });

  const all = useMemo(() => (state ? unifyBackups(state) : []), [state?.pbsBackups, state?.pveBackups, state?.vms, state?.containers]);
  const rows = useMemo(() => {
    const terms = search.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
    const get = SORTS[sort];
    const sign = dir === 'asc' ? 1 : -1;
    return all.filter((b) => (kind === 'all' || b.kind === kind)
      && (type === 'all' || (type === 'vm' ? b.type === 'qemu' : b.type === 'lxc'))
      && (!terms.length || terms.some((t) => [String(b.vmid), b.guest, b.node, b.location, b.details]
        .some((v) => (v || '').toLowerCase().includes(t)))))
      .sort((a, b) => (get(a) < get(b) ? -sign : get(a) > get(b) ? sign : b.ms - a.ms));
  }, [all, search, kind, type, sort, dir]);

  if (!state) return html`<${Spinner} label="Loading backups…" />`;
  const time = (ms) => (rel ? relative(ms) : absolute(ms));
  const onSort = (key) => setQuery({ sort: key, dir: sort === key ? (dir === 'asc' ? 'desc' : 'asc') : (key === 'time' || key === 'size' ? 'desc' : 'asc') });
  const th = (key, label, cls = '') => html`<th class=${cls} aria-sort=${sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
    <button type="button" class="sort-btn" onClick=${() => onSort(key)}>${label}${sort === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`;
  const groups = [];
  for (const b of rows) {
    const label = sort === 'time' ? dayLabel(b.ms) : 'All backups';
    if (!groups.length || groups[groups.length - 1].label !== label) groups.push({ label, items: [] });
    groups[groups.length - 1].items.push(b);
  }
  const counts = { pve: 0, pbs: 0, snapshot: 0 };
  for (const b of all) counts[b.kind] += 1;
  return html`<div class="view-backups">
    <div class="filters" role="search">
      <div class="search-box"><span class="search-icon" aria-hidden="true">⌕</span>
        <input ref=${inputRef} type="search" class="search-input" placeholder="Search VMID, guest, node, storage (comma = or)"
          aria-label="Search backups" value=${search} onInput=${(e) => setQuery({ q: e.currentTarget.value })} /></div>
      <${Segmented} label="Backup kind" value=${kind} onChange=${(v) => setQuery({ kind: v === 'all' ? '' : v })}
        options=${[['all', `All ${all.length}`], ['snapshot', `Snapshots ${counts.snapshot}`], ['pve', `PVE ${counts.pve}`], ['pbs', `PBS ${counts.pbs}`]]} />
      <${Segmented} label="Guest type" value=${type} onChange=${(v) => setQuery({ type: v === 'all' ? '' : v })}
        options=${[['all', 'All'], ['vm', 'VMs'], ['lxc', 'LXCs']]} />
      <${Segmented} label="Time format" value=${rel ? 'rel' : 'abs'} onChange=${(v) => { savePref('backupsRelative', v === 'rel'); setRel(v === 'rel'); }}
        options=${[['rel', 'Relative'], ['abs', 'Absolute']]} />
    </div>
    ${!rows.length ? html`<${Empty} title="No backups found" />` : html`<div class="table-scroll"><table class="data-table backups-table" data-testid="backups-table">
      <thead><tr><th>Guest</th>${th('type', 'Type')}${th('vmid', 'VMID')}${th('node', 'Node', 'hide-sm')}${th('time', 'Time')}
        ${th('size', 'Size', 'num hide-sm')}${th('kind', 'Backup')}<th class="hide-md">Verified</th><th class="hide-md">Location</th><th class="hide-lg">Details</th></tr></thead>
      ${groups.map((g) => html`<tbody key=${g.label}><tr class="group-row"><th colspan="10">${g.label} <span class="muted">(${g.items.length})</span></th></tr>
        ${g.items.map((b) => html`<tr key=${b.id} data-testid="backup-row">
          <td class="col-name">${b.guest || html`<span class="muted">unknown guest</span>`}</td>
          <td><${Pill} tone=${b.type === 'qemu' ? 'blue' : 'green'}>${b.type === 'qemu' ? 'VM' : b.type === 'lxc' ? 'LXC' : b.type}<//></td>
          <td class="muted">${b.vmid}</td><td class="hide-sm">${b.node}</td>
          <td class=${ageClass(b.ms)} title=${absolute(b.ms)}>${time(b.ms)}</td>
          <td class="num hide-sm">${b.size ? bytes(b.size) : '-'}</td>
          <td><${Pill} tone=${KIND_TONE[b.kind]}>${KIND_LABEL[b.kind]}<//></td>
          <td class="hide-md">${b.verified === null ? html`<span class="muted">-</span>` : b.verified ? html`<span class="text-ok" title="verified">✓</span>` : html`<span class="text-warn" title="not verified yet">pending</span>`}</td>
          <td class="hide-md small">${b.location || '-'}</td>
          <td class=${cx('hide-lg small muted ellipsis')} title=${b.details}>${b.protected ? 'protected · ' : ''}${b.details}</td>
        </tr>`)}</tbody>`)}
    </table></div>`}
  </div>`;
}
