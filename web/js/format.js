// Formatting rules of the dashboard (reference dashboard.md §1.7): one policy everywhere.
const UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function bytes(value) {
  if (!(value > 0)) return '0 B';
  let n = value;
  let i = 0;
  while (n >= 1024 && i < UNITS.length - 1) { n /= 1024; i += 1; }
  return `${Math.round(n)} ${UNITS[i]}`;
}

export function rate(value) {
  return `${bytes(value)}/s`; // -1 ("no sample yet") and missing show 0 B/s, as upstream
}

export function uptime(seconds) {
  if (!(seconds > 0)) return '0s';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d >= 1) return `${d}d ${h}h`;
  if (h >= 1) return `${h}h ${m}m`;
  return `${m}m`;
}

export function toMs(time) {
  if (time === null || time === undefined || time === '') return 0;
  if (typeof time === 'number') return time > 1e12 ? time : time * 1000;
  const ms = Date.parse(time);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

export function relative(time, now = Date.now()) {
  const ms = toMs(time);
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return m === 1 ? '1 min ago' : `${m} mins ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return h === 1 ? '1 hour ago' : `${h} hours ago`;
  const d = Math.floor(h / 24);
  if (d < 30) return d === 1 ? '1 day ago' : `${d} days ago`;
  const mo = Math.floor(d / 30);
  if (mo < 12) return mo === 1 ? '1 month ago' : `${mo} months ago`;
  const y = Math.floor(d / 365);
  return y <= 1 ? '1 year ago' : `${y} years ago`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

// Local time, 24 h: `4 Aug 03:00` (one policy for backups, alerts, history).
export function absolute(time) {
  const ms = toMs(time);
  if (!ms) return '-';
  const d = new Date(ms);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function clock(time) {
  const ms = toMs(time);
  if (!ms) return '-';
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function dayLabel(time) {
  const d = new Date(toMs(time));
  const today = new Date();
  const y = new Date(); y.setDate(today.getDate() - 1);
  const same = (a, b) => a.toDateString() === b.toDateString();
  const base = `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}`;
  if (same(d, today)) return `Today (${base})`;
  if (same(d, y)) return `Yesterday (${base})`;
  return base;
}

export function duration(fromTime, toTime = Date.now()) {
  const s = Math.max(0, Math.round((toMs(toTime) - toMs(fromTime)) / 1000));
  return s < 60 ? `${s}s` : uptime(s);
}

export function pct(value, digits = 0) {
  const n = Number.isFinite(value) ? value : 0;
  return `${n.toFixed(digits)}%`;
}

export function mbps(bytesPerSecond) {
  return bytesPerSecond > 0 ? bytesPerSecond / (1024 * 1024) : 0;
}

// Alert value with the right unit: percent for usage metrics, MB/s for the four I/O metrics.
const IO_METRICS = new Set(['diskRead', 'diskWrite', 'networkIn', 'networkOut']);
export function alertValue(type, value) {
  if (IO_METRICS.has(type)) return `${Number(value || 0).toFixed(1)} MB/s`;
  return `${Number(value || 0).toFixed(1)}%`;
}
export function isIoMetric(type) { return IO_METRICS.has(type); }
