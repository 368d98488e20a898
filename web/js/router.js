// Hash routes: `#/main?q=plex&type=vm` -> { parts: ['main'], query: {q, type} }. Every view and
// sub-view has its own URL; filters live in the query string so links and reloads keep them.
import { createStore } from './lib.js';

function parse(hash) {
  const text = (hash || '').replace(/^#\/?/, '');
  const [path, qs = ''] = text.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = Object.fromEntries(new URLSearchParams(qs));
  return { parts: parts.length ? parts : ['main'], query };
}

export const routeStore = createStore(parse(window.location.hash));

window.addEventListener('hashchange', () => routeStore.set(parse(window.location.hash)));

export function href(parts, query = {}) {
  const clean = Object.entries(query).filter(([, v]) => v !== '' && v !== undefined && v !== null);
  const qs = new URLSearchParams(clean).toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

export function navigate(parts, query = {}, { replace = false } = {}) {
  const target = href(parts, query);
  if (target === window.location.hash) return;
  if (replace) {
    window.history.replaceState(null, '', target);
    routeStore.set(parse(target));
  } else {
    window.location.hash = target;
  }
}

// Change some query keys of the current route (filters, sort): replaces the history entry so
// typing in the search box does not flood Back.
export function setQuery(changes) {
  const { parts, query } = routeStore.get();
  navigate(parts, { ...query, ...changes }, { replace: true });
}
