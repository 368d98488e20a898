// Login form shown when the server requires authentication and the browser has no session.
import { html, useState } from '../lib.js';
import { login } from '../api.js';

export function LoginView({ status }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const passwordLogin = status?.hasPassword !== false;
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await login(username.trim(), password, { token: !passwordLogin });
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="login-wrap">
    <form class="card login" onSubmit=${submit} data-testid="login-form">
      <h1 class="login-title"><span class="logo" aria-hidden="true"></span> Pulse</h1>
      <p class="muted">Sign in to see your Proxmox servers.</p>
      ${passwordLogin ? html`
        <label class="field"><span class="field-label">Username</span>
          <input name="username" autocomplete="username" placeholder="admin" value=${username}
            onInput=${(e) => setUsername(e.currentTarget.value)} /></label>` : ''}
      <label class="field"><span class="field-label">${passwordLogin ? 'Password' : 'API token'}</span>
        <input name="password" type="password" autocomplete="current-password" required value=${password}
          onInput=${(e) => setPassword(e.currentTarget.value)} /></label>
      ${error && html`<p class="field-error" role="alert" data-testid="login-error">${error}</p>`}
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </div>`;
}
