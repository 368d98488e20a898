// Alerts view: active alerts (acknowledge, clear, bulk), history, thresholds and notifications.
import { html, useEffect, useMemo, useState, cx, loadPref, savePref } from '../lib.js';
import { api } from '../api.js';
import { href } from '../router.js';
import { toast, toastError } from '../toast.js';
import { SubTabs, Pill, Empty, Spinner, Segmented, AsyncButton, confirmAction } from '../ui.js';
import { absolute, relative, duration, dayLabel, toMs } from '../format.js';
import { ThresholdsTab } from './thresholds.js';
import { NotificationsTab } from './notifications.js';

const TABS = [['overview', 'Active'], ['history', 'History'], ['thresholds', 'Thresholds'], ['notifications', 'Notifications']];

function resourceLink(alert) {
  const id = alert.resourceId || '';
  if (/-\d+$/.test(id)) return href(['main'], { q: `vmid:${id.split('-').pop()}`, guest: id });
  if (alert.type === 'usage') return href(['storage'], { q: alert.resourceName });
  return href(['main']);
}

function LevelPill({ level }) {
  return html`<${Pill} tone=${level === 'critical' ? 'red' : 'amber'}>${level}<//>`;
}

function ActiveTab({ live }) {
  const alerts = live.state?.activeAlerts || [];
  const resolved = live.state?.recentlyResolved || [];
  const acked = alerts.filter((a) => a.acknowledged).length;
  const act = async (action, alert) => {
    try {
      await api.post(`alerts/${encodeURIComponent(alert.id)}/${action}`, {});
      toast('success', action === 'clear' ? 'Alert cleared' : action === 'acknowledge' ? 'Alert acknowledged' : 'Acknowledgement removed', alert.resourceName);
    } catch (e) { toastError(`Could not ${action} the alert`, e); }
  };
  const ackAll = async () => {
    const ids = alerts.filter((a) => !a.acknowledged).map((a) => a.id);
    try { await api.post('alerts/bulk/acknowledge', { alertIds: ids }); toast('success', `${ids.length} alerts acknowledged`); } catch (e) { toastError('Bulk acknowledge failed', e); }
  };
  const sorted = [...alerts].sort((a, b) => (a.acknowledged - b.acknowledged) || (a.level === 'critical' ? -1 : 1) - (b.level === 'critical' ? -1 : 1) || toMs(b.startTime) - toMs(a.startTime));
  return html`<div>
    <div class="stats">
      <div class="stat stat-crit"><span class="stat-num">${alerts.length - acked}</span>Unacknowledged</div>
      <div class="stat stat-warn"><span class="stat-num">${acked}</span>Acknowledged</div>
      <div class="stat stat-ok"><span class="stat-num">${resolved.length}</span>Resolved (last 5 min)</div>
    </div>
    ${alerts.length - acked > 1 && html`<div class="toolbar"><${AsyncButton} className="btn" onClick=${ackAll}>Acknowledge all<//></div>`}
    ${!alerts.length ? html`<${Empty} title="No active alerts">Everything is within its thresholds.<//>` : html`<ul class="alert-list">
      ${sorted.map((a) => html`<li key=${a.id} class=${cx('alert-card', a.level === 'critical' ? 'has-crit' : 'has-warn', a.acknowledged && 'is-acked')} data-testid="alert-card">
        <div class="alert-main">
          <div><a href=${resourceLink(a)} class="alert-resource">${a.resourceName}</a> <span class="muted">${a.type} · ${a.node}</span>
            <${LevelPill} level=${a.level} /> ${a.acknowledged && html`<${Pill} tone="grey">acknowledged<//>`}</div>
          <div class="alert-message">${a.message}</div>
          <div class="muted small">since ${absolute(a.startTime)} (${duration(a.startTime)})</div>
        </div>
        <div class="alert-actions">
          ${a.acknowledged
            ? html`<${AsyncButton} className="btn btn-small" onClick=${() => act('unacknowledge', a)}>Un-acknowledge<//>`
            : html`<${AsyncButton} className="btn btn-small" onClick=${() => act('acknowledge', a)}>Acknowledge<//>`}
          <${AsyncButton} className="btn btn-small btn-ghost" onClick=${() => act('clear', a)}>Clear<//>
        </div>
      </li>`)}
    </ul>`}
  </div>`;
}

const PERIODS = [['24h', 'Last 24 h', 86400e3], ['7d', 'Last 7 days', 7 * 86400e3], ['30d', 'Last 30 days', 30 * 86400e3], ['all', 'All time', Infinity]];

function HistoryTab({ live }) {
  const [items, setItems] = useState(null);
  const [period, setPeriod] = useState(loadPref('alertHistoryPeriod', '7d'));
  const [severity, setSeverity] = useState(loadPref('alertHistorySeverity', 'all'));
  const [search, setSearch] = useState('');
  const load = () => api.get('alerts/history?limit=1000').then(setItems).catch((e) => { setItems([]); toastError('Could not load the alert history', e); });
  useEffect(() => { load(); }, []);
  const rows = useMemo(() => {
    const active = live.state?.activeAlerts || [];
    const seen = new Set();
    const limit = PERIODS.find((p) => p[0] === period)[2];
    const needle = search.trim().toLowerCase();
    return [...active.map((a) => ({ ...a, status: a.acknowledged ? 'acknowledged' : 'active' })),
      ...(items || []).map((a) => ({ ...a, status: 'resolved' }))]
      .filter((a) => !seen.has(a.id + a.startTime) && seen.add(a.id + a.startTime))
      .filter((a) => Date.now() - toMs(a.startTime) <= limit)
      .filter((a) => severity === 'all' || a.level === severity)
      .filter((a) => !needle || [a.resourceName, a.message, a.type, a.node].some((v) => (v || '').toLowerCase().includes(needle)))
      .sort((a, b) => toMs(b.startTime) - toMs(a.startTime));
  }, [items, live.state?.activeAlerts, period, severity, search]);
  const clearAll = async () => {
    if (!(await confirmAction('Delete the whole alert history? Active alerts stay.', { okText: 'Delete history' }))) return;
    try { await api.del('alerts/history'); toast('success', 'Alert history cleared'); load(); } catch (e) { toastError('Could not clear the history', e); }
  };
  if (items === null) return html`<${Spinner} label="Loading alert history…" />`;
  let day = '';
  return html`<div>
    <div class="filters">
      <div class="search-box"><span class="search-icon" aria-hidden="true">⌕</span>
        <input type="search" class="search-input" placeholder="Search resource, message, type, node" aria-label="Search history"
          value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} /></div>
      <${Segmented} label="Period" value=${period} options=${PERIODS.map(([v, t]) => [v, t])} onChange=${(v) => { savePref('alertHistoryPeriod', v); setPeriod(v); }} />
      <${Segmented} label="Severity" value=${severity} options=${[['all', 'All'], ['critical', 'Critical'], ['warning', 'Warning']]}
        onChange=${(v) => { savePref('alertHistorySeverity', v); setSeverity(v); }} />
    </div>
    ${!rows.length ? html`<${Empty} title="No alerts in this period" />` : html`<div class="table-scroll"><table class="data-table" data-testid="history-table">
      <thead><tr><th>Time</th><th>Resource</th><th>Type</th><th>Severity</th><th class="hide-md">Message</th><th class="hide-sm">Duration</th><th>Status</th></tr></thead>
      <tbody>${rows.map((a) => {
        const label = dayLabel(a.startTime);
        const divider = label !== day ? (day = label, html`<tr class="group-row"><th colspan="7">${label}</th></tr>`) : null;
        return html`${divider}<tr key=${a.id + a.startTime} class=${cx(a.status === 'active' && 'has-crit')}>
          <td class="mono">${absolute(a.startTime).split(' ').pop()}</td><td>${a.resourceName}</td><td><${Pill} tone="grey">${a.type}<//></td>
          <td><${LevelPill} level=${a.level} /></td><td class="hide-md ellipsis" title=${a.message}>${a.message}</td>
          <td class="hide-sm">${duration(a.startTime, a.resolvedTime || a.lastSeen || Date.now())}</td>
          <td><${Pill} tone=${a.status === 'active' ? 'red' : a.status === 'acknowledged' ? 'amber' : 'grey'}>${a.status}<//></td></tr>`;
      })}</tbody></table></div>`}
    ${(items || []).length > 0 && html`<div class="toolbar"><button type="button" class="btn btn-danger" onClick=${clearAll}>Clear all history</button>
      <span class="muted small">${items.length} entries · updated ${relative(Date.now())}</span></div>`}
  </div>`;
}

export function AlertsView({ live, route }) {
  const tab = TABS.some(([k]) => k === route.parts[1]) ? route.parts[1] : 'overview';
  return html`<div class="view-alerts">
    <${SubTabs} base="alerts" tabs=${TABS} active=${tab} />
    ${tab === 'overview' && html`<${ActiveTab} live=${live} />`}
    ${tab === 'history' && html`<${HistoryTab} live=${live} />`}
    ${tab === 'thresholds' && html`<${ThresholdsTab} live=${live} />`}
    ${tab === 'notifications' && html`<${NotificationsTab} />`}
  </div>`;
}
