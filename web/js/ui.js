// Shared widgets: usage bars, pills, dialogs (Esc, focus trap, keeps input), confirm, switches,
// segmented controls, sub-tab bars, empty states and alert markers.
import { html, useEffect, useRef, useState, createStore, useStore, cx } from './lib.js';
import { href } from './router.js';
import { alertValue } from './format.js';
import { toast } from './toast.js';

// Colour of a usage figure: green, then warning, then critical (one warning colour: amber).
export function level(value, warn, crit) {
  if (value >= crit) return 'crit';
  if (value >= warn) return 'warn';
  return 'ok';
}

export const CUTOFFS = { cpu: [80, 90], memory: [75, 85], disk: [80, 90], storage: [80, 90] };

export function Bar({ value, label, kind = 'cpu', title, small = false }) {
  const v = Number.isFinite(value) ? value : 0;
  const [warn, crit] = CUTOFFS[kind] || CUTOFFS.cpu;
  const fillRef = useRef(null);
  useEffect(() => {
    if (fillRef.current) fillRef.current.style.width = `${Math.min(Math.max(v, 0), 100)}%`;
  }, [v]);
  return html`<div class=${cx('bar', small && 'bar-small')} title=${title || label}
      role="meter" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${Math.round(v)}>
    <div ref=${fillRef} class=${`bar-fill bar-${level(v, warn, crit)}`}></div>
    <span class="bar-label">${label}</span>
  </div>`;
}

export function Pill({ tone = 'grey', children, title }) {
  return html`<span class=${`pill pill-${tone}`} title=${title}>${children}</span>`;
}

export function Dot({ tone = 'grey', title, pulse = false }) {
  return html`<span class=${cx('dot', `dot-${tone}`, pulse && 'dot-pulse')} title=${title}
    role="img" aria-label=${title}></span>`;
}

export function Spinner({ label = 'Loading…' }) {
  return html`<div class="empty"><span class="spinner" aria-hidden="true"></span>${label}</div>`;
}

export function Empty({ title, children }) {
  return html`<div class="empty"><div class="empty-title">${title}</div>${children}</div>`;
}

export function Card({ title, actions, children, className }) {
  return html`<section class=${cx('card', className)}>
    ${(title || actions) && html`<header class="card-head">
      <h2 class="card-title">${title}</h2><div class="card-actions">${actions}</div></header>`}
    ${children}
  </section>`;
}

// Alert dot (+ count) beside a resource name; the title lists each alert with its unit.
export function AlertMarker({ alerts }) {
  if (!alerts || !alerts.length) return null;
  const critical = alerts.some((a) => a.level === 'critical');
  const text = alerts.map((a) => (a.type === 'offline' || a.type === 'powered-off'
    ? a.message
    : `${a.type}: ${alertValue(a.type, a.value)} (threshold: ${alertValue(a.type, a.threshold)})`))
    .join('\n');
  return html`<a class=${cx('alert-marker', critical ? 'crit' : 'warn')} title=${text}
      href=${href(['alerts', 'overview'])} aria-label=${`${alerts.length} active alert(s): ${text}`}>
    <span class=${cx('dot', critical ? 'dot-red dot-pulse' : 'dot-amber')}></span>
    ${alerts.length > 1 && html`<span class="alert-count">${alerts.length}</span>`}
  </a>`;
}

export function alertClass(alerts) {
  if (!alerts || !alerts.length) return '';
  return alerts.some((a) => a.level === 'critical') ? 'has-crit' : 'has-warn';
}

export function Switch({ checked, onChange, label, disabled, id }) {
  return html`<label class=${cx('switch', disabled && 'disabled')}>
    <input type="checkbox" role="switch" id=${id} checked=${!!checked} disabled=${disabled}
      onChange=${(e) => onChange(e.currentTarget.checked)} />
    <span class="switch-track" aria-hidden="true"></span>
    ${label && html`<span class="switch-label">${label}</span>`}
  </label>`;
}

export function Segmented({ value, options, onChange, label }) {
  return html`<div class="segmented" role="radiogroup" aria-label=${label}>
    ${options.map(([v, text]) => html`<button type="button" key=${v} role="radio"
      aria-checked=${value === v} class=${cx(value === v && 'active')}
      onClick=${() => onChange(v)}>${text}</button>`)}
  </div>`;
}

export function SubTabs({ base, tabs, active }) {
  return html`<nav class="subtabs" aria-label="Sections">
    ${tabs.map(([key, text]) => html`<a key=${key} href=${href([base, key])}
      class=${cx('subtab', active === key && 'active')}
      aria-current=${active === key ? 'page' : undefined}>${text}</a>`)}
  </nav>`;
}

export function Field({ label, hint, children, error }) {
  return html`<label class="field"><span class="field-label">${label}</span>${children}
    ${hint && html`<span class="field-hint">${hint}</span>`}
    ${error && html`<span class="field-error">${error}</span>`}</label>`;
}

// Accessible modal: Esc and the close button close it, focus stays inside, the backdrop does
// not discard what was typed.
export function Modal({ title, onClose, children, footer, wide = false }) {
  const boxRef = useRef(null);
  useEffect(() => {
    const previous = document.activeElement;
    const box = boxRef.current;
    const first = box && box.querySelector('input, select, textarea, button:not(.modal-close)');
    if (first) first.focus();
    const onKey = (e) => {
      if (e.key === 'Escape') { e.stopPropagation(); onClose(); }
      if (e.key === 'Tab' && box) {
        const items = [...box.querySelectorAll('a[href], button, input, select, textarea')]
          .filter((el) => !el.disabled && el.offsetParent !== null);
        if (!items.length) return;
        const [a, z] = [items[0], items[items.length - 1]];
        if (e.shiftKey && document.activeElement === a) { e.preventDefault(); z.focus(); }
        if (!e.shiftKey && document.activeElement === z) { e.preventDefault(); a.focus(); }
      }
    };
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('keydown', onKey, true);
      if (previous && previous.focus) previous.focus();
    };
  }, []);
  return html`<div class="modal-backdrop">
    <div class=${cx('modal', wide && 'modal-wide')} role="dialog" aria-modal="true"
        aria-label=${title} ref=${boxRef}>
      <header class="modal-head"><h2>${title}</h2>
        <button type="button" class="icon-btn modal-close" aria-label="Close" onClick=${onClose}>×</button>
      </header>
      <div class="modal-body">${children}</div>
      ${footer && html`<footer class="modal-foot">${footer}</footer>`}
    </div>
  </div>`;
}

// confirmAction(text) -> Promise<boolean>, rendered by <ConfirmHost/> (no window.confirm).
const confirmStore = createStore(null);
export function confirmAction(message, { title = 'Please confirm', okText = 'Confirm', danger = true } = {}) {
  return new Promise((resolve) => confirmStore.set({ message, title, okText, danger, resolve }));
}
export function ConfirmHost() {
  const current = useStore(confirmStore);
  if (!current) return null;
  const done = (ok) => { confirmStore.set(null); current.resolve(ok); };
  return html`<${Modal} title=${current.title} onClose=${() => done(false)} footer=${html`
      <button type="button" class="btn" onClick=${() => done(false)}>Cancel</button>
      <button type="button" class=${cx('btn', current.danger ? 'btn-danger' : 'btn-primary')}
        data-testid="confirm-ok" onClick=${() => done(true)}>${current.okText}</button>`}>
    <p>${current.message}</p>
  <//>`;
}

// A button that shows progress while its async action runs.
export function AsyncButton({ onClick, children, busyText, className = 'btn', disabled, title, type = 'button', testid }) {
  const [busy, setBusy] = useState(false);
  const run = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    try { await onClick(e); } finally { setBusy(false); }
  };
  return html`<button type=${type} class=${className} disabled=${disabled || busy} title=${title}
    data-testid=${testid} onClick=${run}>${busy ? (busyText || children) : children}</button>`;
}

// Copy text to the clipboard and say so (the clipboard API needs a secure context).
export async function copyText(text, what = 'Copied') {
  try {
    await navigator.clipboard.writeText(text);
    toast('success', what);
    return true;
  } catch {
    toast('warning', 'Copy not available here', 'Select the text and copy it by hand.');
    return false;
  }
}
