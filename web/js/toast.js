// One toast queue for every message (actions, websocket events, errors): stacked, newest last,
// auto-closing (errors stay longer), each dismissible.
import { html, createStore, useStore } from './lib.js';

const toastStore = createStore([]);
let nextId = 1;
const LIFETIME = { success: 5000, info: 5000, warning: 8000, error: 10000 };
const MAX_SHOWN = 5;

export function toast(type, title, message = '', ms = LIFETIME[type] || 5000) {
  const id = nextId++;
  toastStore.set((list) => [...list, { id, type, title, message }].slice(-MAX_SHOWN));
  setTimeout(() => dismiss(id), ms);
  return id;
}

export function dismiss(id) {
  toastStore.set((list) => list.filter((t) => t.id !== id));
}

// Report a failed action with the server's error text.
export function toastError(title, err) {
  toast('error', title, err && err.message ? err.message : String(err || ''));
}

const ICONS = { success: '✓', error: '!', warning: '!', info: 'i' };

export function Toasts() {
  const list = useStore(toastStore);
  return html`<div class="toasts" role="status" aria-live="polite">
    ${list.map((t) => html`<div key=${t.id} class=${`toast toast-${t.type}`} data-testid="toast">
      <span class="toast-icon" aria-hidden="true">${ICONS[t.type]}</span>
      <div class="toast-body">
        <div class="toast-title">${t.title}</div>
        ${t.message && html`<div class="toast-message">${t.message}</div>`}
      </div>
      <button class="icon-btn toast-close" aria-label="Dismiss" onClick=${() => dismiss(t.id)}>×</button>
    </div>`)}
  </div>`;
}
