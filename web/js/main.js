// Entry point: theme first (no flash), then the application.
import './theme.js';
import { html, render } from './lib.js';
import { App } from './app.js';

render(html`<${App} />`, document.getElementById('app'));
