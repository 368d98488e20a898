// Guest search, the exact syntax of the upstream dashboard (reference dashboard.md §2.3), with its
// defects fixed: the four I/O metrics evaluate (MB/s, or with a unit suffix), `cpu=50` is a
// filter, and `tag:`, `status:`, `type:`, `instance:` filters exist.

const METRIC = /^(cpu|memory|disk|diskread|diskwrite|networkin|networkout)\s*(>=|<=|==|>|<|=)\s*(-?\d+(?:\.\d+)?)\s*([kmgt]?i?b?)(?:\/s)?$/i;
const TEXT = /^(name|node|vmid|tag|tags|status|type|instance)\s*:\s*(.*)$/i;
const UNIT_MB = { '': 1, b: 1 / (1024 * 1024), k: 1 / 1024, kb: 1 / 1024, kib: 1 / 1024,
  m: 1, mb: 1, mib: 1, g: 1024, gb: 1024, gib: 1024, t: 1024 * 1024, tb: 1024 * 1024 };

function metricValue(guest, field) {
  switch (field) {
    case 'cpu': return (guest.cpu || 0) * 100;
    case 'memory': return guest.memory?.usage || 0;
    case 'disk': return guest.disk?.usage || 0;
    case 'diskread': return Math.max(guest.diskRead || 0, 0) / (1024 * 1024);
    case 'diskwrite': return Math.max(guest.diskWrite || 0, 0) / (1024 * 1024);
    case 'networkin': return Math.max(guest.networkIn || 0, 0) / (1024 * 1024);
    case 'networkout': return Math.max(guest.networkOut || 0, 0) / (1024 * 1024);
    default: return 0;
  }
}

function compare(a, op, b) {
  switch (op) {
    case '>': return a > b;
    case '<': return a < b;
    case '>=': return a >= b;
    case '<=': return a <= b;
    default: return Math.abs(a - b) < 0.01; // = and ==
  }
}

const typeName = (g) => (g.type === 'qemu' ? 'vm' : g.type === 'lxc' ? 'lxc ct container' : g.type);

function rawMatch(guest, needle) {
  const n = needle.toLowerCase();
  return [guest.name, String(guest.vmid), guest.node, guest.status]
    .some((v) => (v || '').toLowerCase().includes(n));
}

// One filter expression -> predicate (guest => bool).
export function parseExpression(expr) {
  const text = expr.trim();
  const m = METRIC.exec(text);
  if (m) {
    const field = m[1].toLowerCase();
    const io = field !== 'cpu' && field !== 'memory' && field !== 'disk';
    const factor = io ? (UNIT_MB[m[4].toLowerCase()] ?? 1) : 1;
    const target = Number(m[3]) * factor;
    return (g) => compare(metricValue(g, field), m[2], target);
  }
  const t = TEXT.exec(text);
  if (t) {
    const key = t[1].toLowerCase();
    const value = t[2].trim().toLowerCase();
    return (g) => {
      switch (key) {
        case 'name': return (g.name || '').toLowerCase().includes(value);
        case 'node': return (g.node || '').toLowerCase().includes(value);
        case 'vmid': return String(g.vmid).includes(value);
        case 'instance': return (g.instance || '').toLowerCase().includes(value);
        case 'status': return (g.status || '').toLowerCase().includes(value);
        case 'type': return typeName(g).includes(value);
        default: return (g.tags || []).some((tag) => tag.toLowerCase().includes(value));
      }
    };
  }
  return (g) => rawMatch(g, text);
}

// "a AND b OR c": split on whitespace+AND/OR+whitespace, evaluated strictly left to right.
function parseStack(joined) {
  const tokens = joined.split(/\s+(AND|OR)\s+/i);
  const preds = [];
  const ops = [];
  tokens.forEach((tok, i) => {
    if (i % 2 === 1) ops.push(tok.toUpperCase());
    else preds.push(parseExpression(tok));
  });
  return (g) => {
    let result = preds[0](g);
    for (let i = 0; i < ops.length; i += 1) {
      const next = preds[i + 1](g);
      result = ops[i] === 'AND' ? result && next : result || next;
    }
    return result;
  };
}

// The whole query -> predicate. Empty query matches everything.
export function compileSearch(query) {
  const parts = (query || '').trim().split(',').map((p) => p.trim()).filter(Boolean);
  const filters = [];
  const terms = [];
  for (const part of parts) {
    if (/[<>:=]/.test(part)) filters.push(part);
    else terms.push(part.toLowerCase());
  }
  const stack = filters.length ? parseStack(filters.join(' AND ')) : null;
  return (guest) => {
    if (stack && !stack(guest)) return false;
    if (terms.length && !terms.some((term) => rawMatch(guest, term))) return false;
    return true;
  };
}

export const SEARCH_HELP = [
  ['plex, media', 'name, VMID, node or status contains any of the words'],
  ['cpu>50', 'CPU above 50 % (also memory, disk; >, <, >=, <=, =)'],
  ['networkIn>10', 'network in above 10 MB/s (diskRead, diskWrite, networkOut; 500KB, 1GB)'],
  ['cpu>50 OR memory>80', 'combine filters with AND / OR, read left to right'],
  ['node:pve1', 'field contains: name:, node:, vmid:, tag:, status:, type:, instance:'],
  ['media, cpu>50', 'commas: filters must all hold, and any word must match'],
];
