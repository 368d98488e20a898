// Main view: node cards, search and filters (kept in the URL), the guest table and a summary.
import { html, useMemo, useEffect, useRef, useState, cx } from '../lib.js';
import { setQuery, href } from '../router.js';
import { compileSearch, SEARCH_HELP } from '../search.js';
import { Segmented, Spinner, Empty } from '../ui.js';
import { NodeCards } from './nodes.js';
import { GuestTable, COLUMNS } from './guests.js';

const TYPES = [['all', 'All'], ['vm', 'VMs'], ['lxc', 'LXCs']];
const STATUSES = [['all', 'All'], ['running', 'Running'], ['stopped', 'Stopped']];

function SearchHelp() {
  return html`<div class="popover" role="tooltip" id="search-help">
    <strong>Search syntax</strong>
    <dl>${SEARCH_HELP.map(([ex, text]) => html`<dt><code>${ex}</code></dt><dd>${text}</dd>`)}</dl>
    <p class="muted">Type anywhere to search; Esc clears.</p>
  </div>`;
}

// Typing anywhere focuses the search box; Esc clears search and sort (one listener, removed
// when the view goes away).
export function useSearchKeys(inputRef, { onEscape }) {
  useEffect(() => {
    const onKey = (e) => {
      const target = e.target;
      const typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      if (document.querySelector('.modal-backdrop')) return;
      if (e.key === 'Escape') {
        if (target === inputRef.current || !typing) { onEscape(); inputRef.current?.blur(); }
        return;
      }
      if (typing || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
      inputRef.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onEscape]);
}

export function MainView({ live, route }) {
  const { state, alertsByResource } = live;
  const q = route.query;
  const search = q.q || '';
  const type = q.type || 'all';
  const status = q.status || 'all';
  const sort = COLUMNS.some((c) => c[0] === q.sort) ? q.sort : 'vmid';
  const dir = q.dir === 'desc' ? 'desc' : 'asc';
  const expanded = q.guest || '';
  const inputRef = useRef(null);
  const [help, setHelp] = useState(false);

  useSearchKeys(inputRef, { onEscape: () => setQuery({ q: '', sort: '', dir: '' }) });

  const allGuests = useMemo(() => [...(state?.vms || []), ...(state?.containers || [])], [state?.vms, state?.containers]);
  const filtered = useMemo(() => {
    const match = compileSearch(search);
    return allGuests.filter((g) => {
      if (type === 'vm' && g.type !== 'qemu') return false;
      if (type === 'lxc' && g.type !== 'lxc') return false;
      if (status === 'running' && g.status !== 'running') return false;
      if (status === 'stopped' && g.status === 'running') return false;
      return match(g);
    });
  }, [allGuests, search, type, status]);
  const nodesByName = useMemo(() => new Map((state?.nodes || []).map((n) => [`${n.instance}/${n.name}`, n])), [state?.nodes]);

  if (!state) return html`<${Spinner} label="Loading dashboard data…" />`;
  const nodes = state.nodes || [];
  if (!nodes.length && !allGuests.length && !(state.pbs || []).length) {
    return html`<${Empty} title="No Proxmox servers configured yet">
      <p>Add a Proxmox VE node or a Backup Server to start monitoring.</p>
      <a class="btn btn-primary" href=${href(['settings', 'nodes'])}>Go to Settings</a><//>`;
  }

  const onSort = (key) => {
    const first = COLUMNS.find((c) => c[0] === key)[2];
    const nextDir = sort === key ? (dir === 'asc' ? 'desc' : 'asc') : first;
    setQuery({ sort: key, dir: nextDir });
  };
  const active = search || type !== 'all' || status !== 'all' || q.sort;
  const running = filtered.filter((g) => g.status === 'running').length;

  return html`<div class="view-main">
    <${NodeCards} state=${state} alertsByResource=${alertsByResource} forceOpen=${q.kiosk === '1'} />
    <div class="filters" role="search">
      <div class="search-box">
        <span class="search-icon" aria-hidden="true">⌕</span>
        <input ref=${inputRef} type="search" class="search-input" placeholder="Search guests: name, cpu>50, node:pve1, tag:prod"
          aria-label="Search guests" aria-describedby="search-help" value=${search}
          onInput=${(e) => setQuery({ q: e.currentTarget.value })} data-testid="guest-search" />
        <button type="button" class="icon-btn help-btn" aria-label="Search help" aria-expanded=${help}
          onClick=${() => setHelp(!help)}>?</button>
        ${help && html`<${SearchHelp} />`}
      </div>
      <${Segmented} label="Guest type" value=${type} options=${TYPES} onChange=${(v) => setQuery({ type: v === 'all' ? '' : v })} />
      <${Segmented} label="Guest status" value=${status} options=${STATUSES} onChange=${(v) => setQuery({ status: v === 'all' ? '' : v })} />
      <button type="button" class=${cx('btn', 'btn-ghost', !active && 'invisible')} onClick=${() => setQuery({ q: '', type: '', status: '', sort: '', dir: '' })}>Reset</button>
    </div>
    ${filtered.length
      ? html`<${GuestTable} guests=${filtered} nodesByName=${nodesByName} alertsByResource=${alertsByResource}
          sort=${sort} dir=${dir} onSort=${onSort} expanded=${expanded}
          onToggle=${(id) => setQuery({ guest: expanded === id ? '' : id })} />`
      : html`<${Empty} title="No guests match these filters">${active && html`<button type="button" class="btn" onClick=${() => setQuery({ q: '', type: '', status: '' })}>Clear filters</button>`}<//>`}
    <p class="summary" data-testid="guest-summary">
      <span><span class="dot dot-green"></span> ${running} running</span>
      <span><span class="dot dot-grey"></span> ${filtered.length - running} stopped</span>
      <span class="muted">${filtered.length} of ${allGuests.length} guests</span>
    </p>
  </div>`;
}
