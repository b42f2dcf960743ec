import { useState } from 'preact/hooks';
import { ApiError, api } from '../api';
import type { Me } from '../types';

/** Asks for an API key and checks it: only reviewer and admin keys may use the console. */
export function SignIn({ onSignedIn, reason }: { onSignedIn: (key: string, me: Me) => void; reason: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Paste your API key.');
    setBusy(true);
    setError(null);
    try {
      const me = await api<Me>('GET', '/v1/me', undefined, trimmed);
      if (me.role === 'submitter') {
        setError(`The key "${me.name}" is a submitter key: it can only submit posts. Sign in with a reviewer or admin key.`);
        return;
      }
      onSignedIn(trimmed, me);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'That key is not valid: it is unknown or has been revoked.' : (caught as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="sign-in" id="main">
      <h1>Undertow review console</h1>
      <p>Sign in with a reviewer or admin API key. An admin makes one with <code>undertow keys create --role reviewer --name you</code> or <code>POST /v1/keys</code>.</p>
      <form onSubmit={submit} aria-describedby={error ? 'sign-in-error' : undefined}>
        <label for="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="off" spellcheck={false} value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} autoFocus />
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error ? (
        <p class="error" role="alert" id="sign-in-error">
          {error}
        </p>
      ) : null}
      <p class="muted small">The key stays in this tab only and is sent to this server alone.</p>
    </main>
  );
}
