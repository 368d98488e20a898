// The application shell: header (heartbeat logo, connection, theme, logout), security and stale
// banners, the tab bar (one URL per view), the active view, toasts and the footer.
import { html, useEffect, useState, useStore, cx } from './lib.js';
import { api, authStore, refreshAuth, logout } from './api.js';
import { liveStore, connect, disconnect, onLiveEvent, staleSince, reconnectNow } from './live.js';
import { routeStore, href } from './router.js';
import { themeStore, cycleTheme } from './theme.js';
import { Toasts, toast, toastError } from './toast.js';
import { ConfirmHost, Spinner } from './ui.js';
import { clock, relative } from './format.js';
import { LoginView } from './views/login.js';
import { MainView } from './views/main.js';
import { StorageView } from './views/storage.js';
import { BackupsView } from './views/backups.js';
import { AlertsView } from './views/alerts.js';
import { SettingsView } from './views/settings.js';

const TABS = [
  ['main', 'Main', '⌂'],
  ['storage', 'Storage', '▤'],
  ['backups', 'Backups', '⟲'],
  ['alerts', 'Alerts', '⚠'],
  ['settings', 'Settings', '⚙'],
];
const VIEWS = { main: MainView, storage: StorageView, backups: BackupsView, alerts: AlertsView, settings: SettingsView };
const THEME_LABEL = { light: 'Light theme (click: dark)', dark: 'Dark theme (click: follow system)', system: 'System theme (click: light)' };
const THEME_ICON = { light: '☀', dark: '☾', system: '◐' };

function useNow(ms) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => { const t = setInterval(() => setNow(Date.now()), ms); return () => clearInterval(t); }, [ms]);
  return now;
}

function ConnectionPill({ live }) {
  const map = { connected: ['green', 'Connected'], reconnecting: ['amber', 'Reconnecting…'], connecting: ['grey', 'Connecting…'] };
  const [tone, text] = map[live.status] || ['grey', 'Disconnected'];
  return html`<span class=${`conn conn-${tone}`} data-testid="connection" role="status">
    <span class=${cx('dot', `dot-${tone}`, live.status === 'reconnecting' && 'dot-pulse')}></span>${text}</span>`;
}

function Header({ live, auth, version }) {
  const theme = useStore(themeStore);
  const [beat, setBeat] = useState(false);
  useEffect(() => {
    if (!live.beat) return undefined;
    setBeat(true);
    const t = setTimeout(() => setBeat(false), 800);
    return () => clearTimeout(t);
  }, [live.beat]);
  const badge = version && (version.isDevelopment ? 'dev' : /rc/i.test(version.version || '') ? 'RC' : '');
  const canLogout = auth.status?.requiresAuth && auth.status?.authenticated;
  const doLogout = async () => {
    try { await logout(); disconnect(); toast('info', 'Signed out'); } catch (e) { toastError('Sign-out failed', e); }
  };
  return html`<header class="top">
    <a class="brand" href=${href(['main'])} aria-label="Pulse home">
      <span class=${cx('logo', beat && 'beat')} aria-hidden="true"></span>
      <span class="wordmark">Pulse</span>
      ${badge && html`<span class="pill pill-amber badge">${badge}</span>`}
    </a>
    <div class="top-actions">
      <${ConnectionPill} live=${live} />
      <button type="button" class="icon-btn" onClick=${cycleTheme} title=${THEME_LABEL[theme]}
        aria-label=${THEME_LABEL[theme]} data-testid="theme-toggle">${THEME_ICON[theme]}</button>
      ${canLogout && html`<button type="button" class="btn btn-ghost btn-small" onClick=${doLogout} data-testid="logout">Sign out</button>`}
    </div>
  </header>`;
}

function Banners({ live, auth }) {
  const now = useNow(5000);
  const since = staleSince(live);
  const open = auth.status && !auth.status.requiresAuth;
  return html`
    ${open && html`<div class="banner banner-warn" role="alert" data-testid="security-banner">
      <strong>No password is set.</strong> Anyone who can reach this page can read and change
      Pulse's configuration, including your Proxmox credentials.
      <a href=${href(['settings', 'security'])}>Set a password now</a></div>`}
    ${since > 0 && html`<div class="banner banner-stale" role="status" data-testid="stale-banner">
      <strong>Connection lost</strong> — the data shown is stale since ${clock(since)} (${relative(since, now)}).
      ${live.retryAt > now ? ` Retrying in ${Math.ceil((live.retryAt - now) / 1000)} s.` : ' Reconnecting…'}
      <button type="button" class="btn btn-small" onClick=${reconnectNow}>Retry now</button></div>`}`;
}

function Tabs({ active, alertCount }) {
  return html`<nav class="tabs" aria-label="Views">
    ${TABS.map(([key, label, icon]) => html`<a key=${key} href=${href([key])} class=${cx('tab', active === key && 'active')}
        aria-current=${active === key ? 'page' : undefined} data-testid=${`tab-${key}`}>
      <span class="tab-icon" aria-hidden="true">${icon}</span>${label}
      ${key === 'alerts' && alertCount > 0 && html`<span class="count" aria-label=${`${alertCount} active alerts`}>${alertCount}</span>`}
    </a>`)}
  </nav>`;
}

export function App() {
  const auth = useStore(authStore);
  const live = useStore(liveStore);
  const route = useStore(routeStore);
  const [version, setVersion] = useState(null);

  useEffect(() => {
    refreshAuth().catch((e) => toastError('Cannot reach Pulse', e));
    api.get('version').then(setVersion).catch(() => {});
    return onLiveEvent((type, data) => {
      if (type === 'alert' && data && data.level === 'critical') toast('error', `Alert: ${data.resourceName}`, data.message);
      if (type === 'node_auto_registered' && data) toast('success', 'Node registered', `${(data.type || '').toUpperCase()} ${data.name || data.host} is now monitored`, 8000);
    });
  }, []);
  useEffect(() => {
    if (auth.checked && !auth.needLogin) connect();
    if (auth.needLogin) disconnect();
  }, [auth.checked, auth.needLogin]);

  const alerts = (live.state?.activeAlerts || []).filter((a) => !a.acknowledged).length;
  useEffect(() => { document.title = alerts ? `(${alerts}) Pulse` : 'Pulse'; }, [alerts]);

  if (!auth.checked) return html`<${Spinner} label="Connecting to Pulse…" />`;
  if (auth.needLogin) return html`<${LoginView} status=${auth.status} /><${Toasts} />`;

  const viewKey = VIEWS[route.parts[0]] ? route.parts[0] : 'main';
  const View = VIEWS[viewKey];
  const stale = staleSince(live) > 0;
  // Kiosk (wall display): `#/main?kiosk=1` - no tabs, filters or buttons, larger type.
  const kiosk = route.query.kiosk === '1';
  return html`<div class=${cx('shell', kiosk && 'kiosk')}>
    <${Header} live=${live} auth=${auth} version=${version} />
    <${Banners} live=${live} auth=${kiosk ? { ...auth, status: null } : auth} />
    ${!kiosk && html`<${Tabs} active=${viewKey} alertCount=${alerts} />`}
    <main class=${cx('panel', stale && 'is-stale-data')} id="content" data-view=${viewKey}>
      <${View} live=${live} route=${route} auth=${auth} />
    </main>
    <footer class="footer">Pulse ${version ? version.version : '…'}${version?.isDocker ? ' · Docker' : ''}
      ${live.state?.lastUpdate ? html` · last update ${clock(live.state.lastUpdate)}` : ''}</footer>
    <${Toasts} /><${ConfirmHost} />
  </div>`;
}
