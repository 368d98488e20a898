// One import point for the UI toolkit: Preact + hooks + htm (vendored, see vendor/README.md).
import { h, render, Fragment, createContext } from '../vendor/preact.js';
import {
  useState, useEffect, useMemo, useRef, useCallback, useContext, useReducer, useLayoutEffect,
} from '../vendor/preact-hooks.js';
import htm from '../vendor/htm.js';

export const html = htm.bind(h);
export {
  h, render, Fragment, createContext,
  useState, useEffect, useMemo, useRef, useCallback, useContext, useReducer, useLayoutEffect,
};

// A tiny observable value: views subscribe with useStore(store).
export function createStore(initial) {
  let value = initial;
  const listeners = new Set();
  return {
    get: () => value,
    set(next) {
      value = typeof next === 'function' ? next(value) : next;
      for (const fn of [...listeners]) fn(value);
    },
    subscribe(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  };
}

export function useStore(store) {
  const [, force] = useReducer((n) => n + 1, 0);
  useEffect(() => store.subscribe(() => force()), [store]);
  return store.get();
}

// Persisted preference (localStorage), tolerant of disabled storage.
export function loadPref(key, fallback) {
  try {
    const raw = localStorage.getItem(`pulse.${key}`);
    return raw === null ? fallback : JSON.parse(raw);
  } catch { return fallback; }
}
export function savePref(key, value) {
  try { localStorage.setItem(`pulse.${key}`, JSON.stringify(value)); } catch { /* private mode */ }
}

export function cx(...parts) { return parts.filter(Boolean).join(' '); }
