import { useState } from 'preact/hooks';
import { ApiError, api, type SessionView } from '../api.js';

export function SignIn(props: { notice: string | undefined; onSignedIn: (session: SessionView) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api<SessionView>('POST', '/console/session', { key: key.trim() });
      // The key is not kept anywhere: the session cookie stands for it from now on.
      setKey('');
      props.onSignedIn(session);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 429
          ? 'Too many attempts from this address. Wait and try again.'
          : failure instanceof ApiError && failure.status === 401
            ? 'This key is not valid.'
            : String(failure),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>LunarBit Console</h1>
      {props.notice && (
        <p class="notice" role="status">
          {props.notice}
        </p>
      )}
      <form onSubmit={submit}>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
        />
        <p class="hint">
          The admin key or any API key. It is exchanged for a session and not kept by the browser.
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
