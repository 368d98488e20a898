// Per-guest (and per-node) history charts: uPlot over /api/charts?range=&id= with 1h/24h/7d.
import { html, useEffect, useRef, useState, useStore } from '../lib.js';
import uPlot from '../../vendor/uPlot.js';
import { api } from '../api.js';
import { bytes, absolute, clock } from '../format.js';
import { themeStore } from '../theme.js';
import { Segmented } from '../ui.js';

const RANGES = [['1h', '1 hour'], ['24h', '24 hours'], ['7d', '7 days']];
const REFRESH_MS = 30000;

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function toColumns(seriesList) {
  // Align several [{timestamp,value}] series on the union of their timestamps (seconds).
  const times = new Set();
  for (const s of seriesList) for (const p of s || []) times.add(Math.floor(p.timestamp / 1000));
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const cols = seriesList.map((s) => {
    const col = new Array(xs.length).fill(null);
    for (const p of s || []) col[index.get(Math.floor(p.timestamp / 1000))] = p.value < 0 ? null : p.value;
    return col;
  });
  return [xs, ...cols];
}

function Chart({ title, data, series, unit, long }) {
  const boxRef = useRef(null);
  const theme = useStore(themeStore);
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return undefined;
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { show: false } };
    const fmt = unit === '%' ? (v) => `${Math.round(v)}%` : (v) => `${bytes(v)}/s`;
    // One time policy everywhere: 24 h local clock, day + month for long ranges.
    const tick = long ? (t) => absolute(t * 1000).replace(/ \d\d:\d\d$/, '') : (t) => clock(t * 1000).slice(0, 5);
    const opts = {
      width: Math.max(box.clientWidth, 200),
      height: 160,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { y: unit === '%' ? { range: [0, 100] } : { range: (u, min, max) => [0, Math.max(max, 1024)] } },
      axes: [{ ...axis, values: (u, vals) => vals.map(tick) }, { ...axis, size: 64, values: (u, vals) => vals.map(fmt) }],
      series: [{ value: (u, t) => (t ? absolute(t * 1000) : '-') }, ...series.map(([label, colorVar]) => ({
        label, stroke: cssVar(colorVar), width: 1.5, points: { show: false },
        value: (u, v) => (v === null || v === undefined ? '-' : fmt(v)),
      }))],
    };
    const plot = new uPlot(opts, data, box);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(box.clientWidth, 200), height: 160 }));
    observer.observe(box);
    return () => { observer.disconnect(); plot.destroy(); };
  }, [data, theme, long]);
  return html`<figure class="chart"><figcaption>${title}</figcaption><div ref=${boxRef} class="chart-box"></div></figure>`;
}

// kind: "guest" (data), "node" (nodeData)
export function GuestCharts({ guest, kind = 'guest' }) {
  const [range, setRange] = useState('1h');
  const [result, setResult] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let alive = true;
    const load = () => api.get(`charts?range=${range}&id=${encodeURIComponent(guest.id)}`)
      .then((r) => { if (alive) { setResult(r); setError(''); } })
      .catch((e) => { if (alive) setError(e.message); });
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => { alive = false; clearInterval(timer); };
  }, [guest.id, range]);
  const entry = result && (kind === 'node' ? result.nodeData : result.data)[guest.id];
  return html`<div class="charts" data-testid="guest-charts">
    <div class="charts-head">
      <span class="muted">History of <strong>${guest.name}</strong>${result && entry ? '' : ' (loading…)'}</span>
      <${Segmented} label="Chart range" value=${range} onChange=${setRange} options=${RANGES.map(([v]) => [v, v])} />
    </div>
    ${error && html`<p class="field-error">${error}</p>`}
    ${entry && html`<div class="chart-grid">
      <${Chart} long=${range === '7d'} title="Usage" unit="%" data=${toColumns([entry.cpu, entry.memory, entry.disk])}
        series=${[['CPU', '--c-cpu'], ['Memory', '--c-mem'], ['Disk', '--c-disk']]} />
      ${kind === 'guest' && html`
        <${Chart} long=${range === '7d'} title="Disk I/O" unit="B/s" data=${toColumns([entry.diskread, entry.diskwrite])}
          series=${[['Read', '--c-read'], ['Write', '--c-write']]} />
        <${Chart} long=${range === '7d'} title="Network" unit="B/s" data=${toColumns([entry.netin, entry.netout])}
          series=${[['In', '--c-in'], ['Out', '--c-out']]} />`}
    </div>`}
  </div>`;
}
