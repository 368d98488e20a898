// Node cards for the Main view: PVE nodes and PBS servers, with usage bars, status, uptime,
// load and - for offline or stale ones - the error that explains why.
import { html, cx, useState, loadPref, savePref } from '../lib.js';
import { Bar, Dot, AlertMarker, alertClass } from '../ui.js';
import { bytes, uptime, pct, clock, relative } from '../format.js';

function nodeStatus(node) {
  if (node.stale) return ['amber', 'stale'];
  if (node.status === 'online' && node.uptime > 0 && node.connectionHealth !== 'error') return ['green', 'online'];
  return ['red', node.status || 'unknown'];
}

function NodeCard({ node, alerts, errors }) {
  const [tone, text] = nodeStatus(node);
  const cores = node.cpuInfo?.cores || 0;
  const cpu = (node.cpu || 0) * 100;
  const cpuLabel = cores ? `${pct(cpu)} (${((node.cpu || 0) * cores).toFixed(1)}/${cores} cores)` : pct(cpu);
  const mem = node.memory || {};
  const disk = node.disk || {};
  const load = node.loadAverage && node.loadAverage.length
    ? (node.loadAverage[0] / (cores || 4)).toFixed(2) : 'N/A';
  const error = node.error || (node.stale && errors[node.instance]) || '';
  const offline = tone === 'red';
  return html`<article class=${cx('node-card', alertClass(alerts), offline && 'is-offline', node.stale && 'is-stale')}
      data-testid="node-card" data-node=${node.name}>
    <header class="node-head">
      <h3 class="node-name" title=${`${node.name} (${node.instance})`}>${node.name}</h3>
      <${AlertMarker} alerts=${alerts} />
      <span class="node-status"><${Dot} tone=${tone} title=${text} />${text}</span>
    </header>
    ${offline || node.stale ? html`<p class="node-error" title=${error}>
        ${error || 'No data from this node'}${node.lastSeen ? html`<br/><span class="muted">last data ${relative(node.lastSeen)} (${clock(node.lastSeen)})</span>` : ''}
      </p>` : ''}
    ${!offline && html`<div class="node-bars">
      <span class="bar-name">CPU</span><${Bar} value=${cpu} kind="cpu" label=${cpuLabel} />
      <span class="bar-name">Mem</span><${Bar} value=${mem.usage} kind="memory"
        label=${`${pct(mem.usage)} (${bytes(mem.used)}/${bytes(mem.total)})`} />
      <span class="bar-name">Disk</span><${Bar} value=${disk.usage} kind="disk"
        label=${`${pct(disk.usage)} (${bytes(disk.used)}/${bytes(disk.total)})`} />
    </div>`}
    <footer class="node-foot">
      <span>Uptime ${uptime(node.uptime)}</span>
      <span title="1-minute load average per core">Load ${load}</span>
    </footer>
  </article>`;
}

function PbsCard({ pbs, alerts }) {
  const online = pbs.status === 'online';
  const tone = pbs.stale ? 'amber' : online ? 'green' : 'red';
  const stores = pbs.datastores || [];
  return html`<article class=${cx('node-card', alertClass(alerts), !online && 'is-offline', pbs.stale && 'is-stale')}
      data-testid="pbs-card" data-node=${pbs.name}>
    <header class="node-head">
      <h3 class="node-name" title=${pbs.host}>${pbs.name}</h3>
      <span class="pill pill-violet">PBS ${pbs.version !== 'unknown' ? pbs.version : ''}</span>
      <${AlertMarker} alerts=${alerts} />
      <span class="node-status"><${Dot} tone=${tone} title=${pbs.status} />${pbs.stale ? 'stale' : pbs.status}</span>
    </header>
    ${pbs.error && html`<p class="node-error">${pbs.error}</p>`}
    ${online && html`<div class="node-bars">
      <span class="bar-name">CPU</span><${Bar} value=${(pbs.cpu || 0) * 100} kind="cpu" label=${pct((pbs.cpu || 0) * 100)} />
      <span class="bar-name">Mem</span><${Bar} value=${pbs.memory} kind="memory"
        label=${`${pct(pbs.memory)} (${bytes(pbs.memoryUsed)}/${bytes(pbs.memoryTotal)})`} />
      ${stores.map((ds) => html`<span class="bar-name" title=${`datastore ${ds.name}`}>${ds.name}</span>
        <${Bar} value=${ds.usage} kind="storage" title=${ds.error || ''}
          label=${ds.status === 'error' ? `error: ${ds.error}` : `${pct(ds.usage)} (${bytes(ds.used)}/${bytes(ds.total)})`} />`)}
    </div>`}
    <footer class="node-foot"><span>Uptime ${uptime(pbs.uptime)}</span>
      <span>${stores.length} datastore${stores.length === 1 ? '' : 's'}</span></footer>
  </article>`;
}

export function NodeCards({ state, alertsByResource, forceOpen = false }) {
  const [open, setOpen] = useState(loadPref('nodesOpen', window.innerWidth >= 640));
  const nodes = state.nodes || [];
  const pbs = state.pbs || [];
  const errors = state.errors || {};
  const online = nodes.filter((n) => n.status === 'online' && !n.stale).length;
  const toggle = () => { savePref('nodesOpen', !open); setOpen(!open); };
  return html`<section class="nodes" aria-label="Nodes">
    <button type="button" class="section-toggle" aria-expanded=${open} onClick=${toggle}>
      <span class=${cx('chevron', open && 'open')} aria-hidden="true">›</span>
      Nodes <span class="muted">${online}/${nodes.length} online${pbs.length ? ` · ${pbs.length} PBS` : ''}</span>
    </button>
    ${(open || forceOpen) && html`<div class="node-grid">
      ${nodes.map((n) => html`<${NodeCard} key=${n.id} node=${n} alerts=${alertsByResource.get(n.id)} errors=${errors} />`)}
      ${pbs.map((p) => html`<${PbsCard} key=${p.id} pbs=${p} alerts=${alertsByResource.get(p.id)} />`)}
    </div>`}
  </section>`;
}
