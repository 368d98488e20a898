// The live state: one websocket to /ws, reconnect with capped exponential backoff, and on a
// disconnect the last data is KEPT (views dim it and show "stale since hh:mm:ss").
import { createStore } from './lib.js';
import { refreshAuth } from './api.js';

const SLICES = ['nodes', 'vms', 'containers', 'storage', 'pbs', 'pbsBackups', 'metrics',
  'pveBackups', 'performance', 'connectionHealth', 'stats', 'errors', 'activeAlerts',
  'recentlyResolved', 'lastUpdate'];

export const liveStore = createStore({
  state: null, // the last state object (never cleared on disconnect)
  status: 'connecting', // connecting | connected | reconnecting
  lastMessage: 0, // ms of the last state message
  disconnectedAt: 0,
  retryAt: 0,
  alertsByResource: new Map(),
  beat: 0, // increments per state message (logo heartbeat)
});

const eventListeners = new Set();
export function onLiveEvent(fn) { eventListeners.add(fn); return () => eventListeners.delete(fn); }
function emit(type, data) { for (const fn of [...eventListeners]) fn(type, data); }

function indexAlerts(alerts) {
  const map = new Map();
  for (const alert of alerts || []) {
    const list = map.get(alert.resourceId) || [];
    list.push(alert);
    map.set(alert.resourceId, list);
  }
  return map;
}

let socket = null;
let attempt = 0;
let retryTimer = 0;
let pending = null; // state received while the page is hidden: applied when it is shown again

function applyState(data) {
  liveStore.set((s) => {
    const state = { ...(s.state || {}) };
    for (const key of SLICES) if (key in data) state[key] = data[key];
    return {
      ...s,
      state,
      lastMessage: Date.now(),
      alertsByResource: indexAlerts(state.activeAlerts),
      beat: s.beat + 1,
    };
  });
}

function handle(message) {
  const { type, data } = message;
  if (type === 'initialState' || type === 'rawData') {
    if (document.hidden) pending = data; else applyState(data);
  } else if (type === 'ping') {
    send({ type: 'pong', data: { timestamp: Date.now() } });
  } else {
    emit(type, data);
  }
}

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function scheduleReconnect() {
  const delay = Math.min(1000 * 2 ** attempt, 30000);
  attempt += 1;
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
  liveStore.set((s) => ({ ...s, status: 'reconnecting', retryAt: Date.now() + delay }));
}

export function connect() {
  clearTimeout(retryTimer);
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  let opened = false;
  const ws = new WebSocket(`${proto}//${window.location.host}/ws`);
  socket = ws;
  ws.addEventListener('open', () => {
    opened = true;
    attempt = 0;
    liveStore.set((s) => ({ ...s, status: 'connected', disconnectedAt: 0, retryAt: 0 }));
  });
  ws.addEventListener('message', (event) => {
    let message;
    try { message = JSON.parse(event.data); } catch { return; }
    if (message && typeof message === 'object') handle(message);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = null;
    liveStore.set((s) => ({ ...s, disconnectedAt: s.disconnectedAt || Date.now() }));
    // A refused handshake may mean the session ended: ask, the login form appears if so.
    if (!opened) refreshAuth().catch(() => {});
    scheduleReconnect();
  });
}

export function disconnect() {
  clearTimeout(retryTimer);
  const ws = socket;
  socket = null;
  if (ws) ws.close();
}

export function reconnectNow() {
  attempt = 0;
  disconnect();
  connect();
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && pending) {
    const data = pending;
    pending = null;
    applyState(data);
  }
});

// Whether the shown data is not live: socket down, or the server stopped sending.
export function staleSince(live) {
  if (live.status !== 'connected' && live.state) return live.lastMessage || live.disconnectedAt;
  return 0;
}
