// REST client: same-origin cookies, the CSRF header on every state-changing request, the server's
// `error` text in thrown errors, and one signal when the session is missing (401).
import { createStore } from './lib.js';

export const authStore = createStore({ checked: false, status: null, needLogin: false });

function cookie(name) {
  const prefix = `${name}=`;
  for (const part of document.cookie.split(';')) {
    const p = part.trim();
    if (p.startsWith(prefix)) return decodeURIComponent(p.slice(prefix.length));
  }
  return '';
}

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);
const TIMEOUT_MS = 30000;

export async function request(method, path, body, { headers = {}, timeout = TIMEOUT_MS } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (UNSAFE.has(method)) {
    const csrf = cookie('pulse_csrf');
    if (csrf) init.headers['X-CSRF-Token'] = csrf;
  }
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  init.signal = controller.signal;
  let response;
  try {
    response = await fetch(`/api/${path}`, init);
  } catch (err) {
    const text = err.name === 'AbortError' ? 'The server did not answer in time' : 'Cannot reach Pulse';
    throw new ApiError(text, 0, null);
  } finally {
    clearTimeout(timer);
  }
  const type = response.headers.get('Content-Type') || '';
  let data = null;
  if (type.includes('json')) {
    try { data = await response.json(); } catch { data = null; }
  } else {
    data = await response.text();
  }
  if (!response.ok) {
    const message = (data && typeof data === 'object' && (data.error || data.message))
      || (typeof data === 'string' && data.trim()) || `${response.status} ${response.statusText}`;
    // A 401 may mean the session ended - or only that this route wants the API token: ask.
    if (response.status === 401 && path !== 'login' && path !== 'security/status') {
      refreshAuth().catch(() => {});
    }
    throw new ApiError(message, response.status, data);
  }
  return data;
}

export const api = {
  get: (path, opts) => request('GET', path, undefined, opts),
  post: (path, body = {}, opts) => request('POST', path, body, opts),
  put: (path, body = {}, opts) => request('PUT', path, body, opts),
  del: (path, opts) => request('DELETE', path, undefined, opts),
};

// Security status decides whether the login form is needed before anything else loads.
export async function refreshAuth() {
  const status = await api.get('security/status');
  const needLogin = Boolean(status.requiresAuth && !status.authenticated);
  authStore.set({ checked: true, status, needLogin });
  return status;
}

export async function login(username, password, { token = false } = {}) {
  await api.post('login', token ? { token: password } : { username: username || undefined, password });
  return refreshAuth();
}

export async function logout() {
  await api.post('logout');
  return refreshAuth();
}
