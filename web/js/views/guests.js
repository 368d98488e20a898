// The guest table of the Main view: VMs and containers grouped by node, sortable columns, usage
// bars, merged I/O cells, alert highlighting, source hints and an expandable chart row.
import { html, cx, useMemo } from '../lib.js';
import { Bar, Dot, Pill, AlertMarker, alertClass } from '../ui.js';
import { bytes, rate, uptime, pct, mbps, relative } from '../format.js';
import { SourceHint } from './hints.js';
import { GuestCharts } from './charts.js';

// key, label, first-click direction, value getter
export const COLUMNS = [
  ['name', 'Name', 'asc', (g) => (g.name || '').toLowerCase()],
  ['type', 'Type', 'asc', (g) => g.type],
  ['vmid', 'VMID', 'asc', (g) => g.vmid],
  ['uptime', 'Uptime', 'desc', (g) => (g.status === 'running' ? g.uptime : null)],
  ['cpu', 'CPU', 'desc', (g) => g.cpu],
  ['memory', 'Memory', 'desc', (g) => g.memory?.usage],
  ['disk', 'Disk', 'desc', (g) => (g.disk?.total ? g.disk.usage : null)],
  ['diskio', 'Disk I/O', 'desc', (g) => (g.status === 'running' ? Math.max(g.diskRead, 0) + Math.max(g.diskWrite, 0) : null)],
  ['net', 'Network', 'desc', (g) => (g.status === 'running' ? Math.max(g.networkIn, 0) + Math.max(g.networkOut, 0) : null)],
];
const BY_KEY = Object.fromEntries(COLUMNS.map((c) => [c.key || c[0], c]));

export function sortGuests(list, key, dir) {
  const column = BY_KEY[key] || BY_KEY.vmid;
  const get = column[3];
  const sign = dir === 'desc' ? -1 : 1;
  return [...list].sort((a, b) => {
    const x = get(a);
    const y = get(b);
    const xe = x === null || x === undefined || x === '';
    const ye = y === null || y === undefined || y === '';
    if (xe || ye) return xe === ye ? a.vmid - b.vmid : xe ? 1 : -1; // empties last
    if (x < y) return -sign;
    if (x > y) return sign;
    return a.vmid - b.vmid;
  });
}

function ioClass(bytesPerSecond) {
  const mb = mbps(bytesPerSecond);
  if (mb < 1) return 'io-idle';
  if (mb < 10) return 'io-low';
  if (mb < 50) return 'io-mid';
  return 'io-high';
}

function Io({ guest, a, b, labels }) {
  if (guest.status !== 'running') return html`<span class="muted">-</span>`;
  return html`<div class="io">
    <span class=${ioClass(guest[a])} title=${labels[0]}>↓ ${rate(guest[a])}</span>
    <span class=${ioClass(guest[b])} title=${labels[1]}>↑ ${rate(guest[b])}</span>
  </div>`;
}

function statusTone(status) {
  if (status === 'running') return 'green';
  if (status === 'paused' || status === 'suspended') return 'amber';
  return 'grey';
}

function GuestRow({ guest, alerts, expanded, onToggle }) {
  const running = guest.status === 'running';
  const cpu = (guest.cpu || 0) * 100;
  const mem = guest.memory || {};
  const disk = guest.disk || {};
  const tags = guest.tags || [];
  const up = running ? uptime(guest.uptime) : '-';
  return html`<tr class=${cx('guest-row', alertClass(alerts), !running && 'is-stopped', guest.stale && 'is-stale', expanded && 'is-open')}
      data-testid="guest-row" data-id=${guest.id} data-name=${guest.name}>
    <td class="col-name">
      <button type="button" class="row-toggle" aria-expanded=${expanded} onClick=${onToggle}
          title=${`${expanded ? 'Hide' : 'Show'} charts of ${guest.name}`}>
        <${Dot} tone=${statusTone(guest.status)} title=${guest.status} />
        <span class="guest-name">${guest.name || `(${guest.vmid})`}</span>
      </button>
      <${AlertMarker} alerts=${alerts} />
      ${guest.lock && html`<${Pill} tone="amber" title=${`locked: ${guest.lock}`}>locked: ${guest.lock}<//>`}
      ${guest.stale && html`<${Pill} tone="amber" title=${`no fresh data since ${relative(guest.lastSeen)}`}>stale<//>`}
      ${tags.length > 0 && html`<span class="tags">${tags.map((t) => html`<span class="tag" key=${t}>${t}</span>`)}</span>`}
    </td>
    <td class="col-type"><${Pill} tone=${guest.type === 'qemu' ? 'blue' : 'green'}>${guest.type === 'qemu' ? 'VM' : 'LXC'}<//></td>
    <td class="col-vmid muted">${guest.vmid}</td>
    <td class=${cx('col-uptime', running && guest.uptime < 3600 && 'recent')}>${up}</td>
    <td class="col-cpu" data-label="CPU"><${Bar} small value=${cpu} kind="cpu"
      label=${guest.cpus ? `${pct(cpu)} (${((guest.cpu || 0) * guest.cpus).toFixed(1)}/${guest.cpus})` : pct(cpu)} /></td>
    <td class="col-mem" data-label="Mem"><div class="with-hint"><${Bar} small value=${mem.usage} kind="memory"
      label=${`${pct(mem.usage)} (${bytes(mem.used)}/${bytes(mem.total)})`} /><${SourceHint} guest=${guest} what="memory" /></div></td>
    <td class="col-disk" data-label="Disk"><div class="with-hint">${disk.total
      ? html`<${Bar} small value=${disk.usage} kind="disk" label=${`${pct(disk.usage)} (${bytes(disk.used)}/${bytes(disk.total)})`} />`
      : html`<span class="muted">-</span>`}<${SourceHint} guest=${guest} what="disk" /></div></td>
    <td class="col-io" data-label="Disk"><${Io} guest=${guest} a="diskRead" b="diskWrite" labels=${['read', 'write']} /></td>
    <td class="col-io" data-label="Net"><${Io} guest=${guest} a="networkIn" b="networkOut" labels=${['in', 'out']} /></td>
  </tr>
  ${expanded && html`<tr class="chart-row"><td colspan="9"><${GuestCharts} guest=${guest} /></td></tr>`}`;
}

function SortHeader({ column, sort, dir, onSort }) {
  const [key, label] = column;
  const active = sort === key;
  return html`<th class=${`col-${key}`} aria-sort=${active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
    <button type="button" class="sort-btn" onClick=${() => onSort(key)}>
      ${label}${active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}</button></th>`;
}

export function GuestTable({ guests, nodesByName, alertsByResource, sort, dir, onSort, expanded, onToggle }) {
  const groups = useMemo(() => {
    const byNode = new Map();
    for (const g of guests) {
      const key = `${g.instance}/${g.node}`;
      if (!byNode.has(key)) byNode.set(key, { node: g.node, instance: g.instance, items: [] });
      byNode.get(key).items.push(g);
    }
    return [...byNode.values()]
      .sort((a, b) => a.node.localeCompare(b.node) || a.instance.localeCompare(b.instance))
      .map((grp) => ({ ...grp, items: sortGuests(grp.items, sort, dir) }));
  }, [guests, sort, dir]);
  return html`<div class="table-scroll"><table class="guest-table" data-testid="guest-table">
    <thead><tr>${COLUMNS.map((c) => html`<${SortHeader} key=${c[0]} column=${c} sort=${sort} dir=${dir} onSort=${onSort} />`)}</tr></thead>
    ${groups.map((grp) => {
      const node = nodesByName.get(`${grp.instance}/${grp.node}`);
      return html`<tbody key=${`${grp.instance}/${grp.node}`}>
        <tr class="group-row"><th colspan="9" scope="colgroup">
          ${node && node.host ? html`<a href=${node.host} target="_blank" rel="noopener noreferrer"
            title="Open the Proxmox web interface">${grp.node}</a>` : grp.node}
          <span class="muted"> · ${grp.instance} · ${grp.items.length}</span></th></tr>
        ${grp.items.map((g) => html`<${GuestRow} key=${g.id} guest=${g} alerts=${alertsByResource.get(g.id)}
          expanded=${expanded === g.id} onToggle=${() => onToggle(g.id)} />`)}
      </tbody>`;
    })}
  </table></div>`;
}
