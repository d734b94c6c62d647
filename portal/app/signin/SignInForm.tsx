'use client';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorPanel } from '@/components/States';
import { GatewayError, gql } from '@/lib/graphql';
import { setCredentials } from '@/lib/session';

export function SignInForm() {
  const router = useRouter();
  const [clientId, setClientId] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  return (
    <form
      className="card"
      style={{ maxWidth: 520 }}
      onSubmit={async (event) => {
        event.preventDefault();
        setBusy(true);
        setError(undefined);
        try {
          const id = clientId.trim();
          const token = accessToken.trim();
          const data = await gql<{ whoAmI: { clientId: string | null } }>(`query SignIn { whoAmI { clientId } }`, {}, { auth: `Bearer ${id}:${token}` });
          if (data.whoAmI.clientId !== id) throw new GatewayError('The gateway did not accept these credentials.', 'UNAUTHENTICATED');
          setCredentials({ clientId: id, accessToken: token });
          const next = new URLSearchParams(window.location.search).get('next');
          router.push(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      }}
    >
      <label htmlFor="clientId">Client id</label>
      <input id="clientId" name="clientId" autoComplete="username" required value={clientId} onChange={(e) => setClientId(e.target.value)} />
      <label htmlFor="accessToken">Access token</label>
      <input
        id="accessToken"
        name="accessToken"
        type="password"
        autoComplete="current-password"
        required
        value={accessToken}
        onChange={(e) => setAccessToken(e.target.value)}
      />
      <div className="form-actions">
        <button className="primary" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </div>
      {error !== undefined && (
        <div style={{ marginTop: 12 }}>
          <ErrorPanel error={error} title="Sign-in failed" />
        </div>
      )}
    </form>
  );
}
