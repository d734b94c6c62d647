'use client';
// GraphiQL (with its Monaco editors and workers) is large: it loads on this page only, in the browser.
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { Loading } from '@/components/States';
import { useCredentials, useHydrated } from '@/lib/session';

const Explorer = dynamic(() => import('./Explorer').then((m) => m.Explorer), { ssr: false, loading: () => <Loading what="Loading the explorer" /> });

export function ExplorerLoader({ query, variables }: { query?: string; variables?: string }) {
  const hydrated = useHydrated();
  const credentials = useCredentials();
  return (
    <div>
      <div className="page-head" style={{ marginBottom: 8 }}>
        <h1 style={{ margin: 0 }}>Explorer</h1>
        <span className="small muted">
          {hydrated && credentials ? (
            <>
              Requests run as <strong>{credentials.clientId}</strong>; subscriptions go over the same credentials.
            </>
          ) : (
            <>
              Requests run anonymously. <Link href="/signin?next=/explorer">Sign in</Link> to use your scopes.
            </>
          )}{' '}
          See the <Link href="/reference">reference</Link>.
        </span>
      </div>
      <div className="explorer-host" data-testid="explorer">
        {hydrated && <Explorer key={credentials?.clientId ?? 'anonymous'} query={query} variables={variables} />}
      </div>
    </div>
  );
}
