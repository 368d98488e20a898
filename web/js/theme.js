// Theme: light, dark or system; an explicit choice always wins over the OS preference.
import { createStore, loadPref, savePref } from './lib.js';

export const themeStore = createStore(loadPref('theme', 'system'));
const media = window.matchMedia('(prefers-color-scheme: dark)');

function apply() {
  const choice = themeStore.get();
  const dark = choice === 'dark' || (choice === 'system' && media.matches);
  document.documentElement.classList.toggle('dark', dark);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

export function setTheme(choice) {
  savePref('theme', choice);
  themeStore.set(choice);
}

export function cycleTheme() {
  const order = ['light', 'dark', 'system'];
  setTheme(order[(order.indexOf(themeStore.get()) + 1) % order.length]);
}

export function isDark() { return document.documentElement.classList.contains('dark'); }

themeStore.subscribe(apply);
media.addEventListener('change', apply);
apply();
