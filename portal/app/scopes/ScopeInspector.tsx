'use client';
// The scope inspector: what a scope set expands to, and who holds a scope.
import Link from 'next/link';
import { useState } from 'react';
import { Expansion, parseScopes } from '@/components/auth/ScopesEditor';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { useDebounced, useQuery } from '@/lib/hooks';

interface Holders {
  scopeHolders: { scope: string; roles: string[]; clients: string[]; truncated: boolean };
}

export function ScopeInspector({ initialScope, initialScopes }: { initialScope: string; initialScopes: string }) {
  const [scopes, setScopes] = useState(initialScopes);
  const [scope, setScope] = useState(initialScope);
  const asked = useDebounced(scope.trim(), 250);
  const holders = useQuery<Holders>(
    `query ScopeHolders($scope: String!) { scopeHolders(scope: $scope, limit: 200) { scope roles clients truncated } }`,
    { scope: asked },
    { skip: !asked },
  );

  return (
    <div>
      <h1>Scope inspector</h1>
      <div className="grid-2">
        <section className="card" aria-labelledby="holders-title">
          <h2 id="holders-title">Who holds a scope?</h2>
          <label htmlFor="holder-scope">Scope</label>
          <input id="holder-scope" className="mono" value={scope} onChange={(e) => setScope(e.target.value)} placeholder="e.g. secrets:get:project/hello/token" />
          <div className="field-hint">Roles whose expansion satisfies it (holding assume:&lt;role&gt; grants it) and clients whose scopes do.</div>
          <div style={{ marginTop: 12 }} data-testid="scope-holders">
            {!asked ? (
              <Empty>Type a scope.</Empty>
            ) : holders.error ? (
              <ErrorPanel error={holders.error} onRetry={holders.reload} />
            ) : !holders.data || holders.loading ? (
              <Loading what="Looking" />
            ) : (
              <HolderLists holders={holders.data.scopeHolders} />
            )}
          </div>
        </section>
        <section className="card" aria-labelledby="expand-title">
          <h2 id="expand-title">What does a scope set expand to?</h2>
          <label htmlFor="expand-scopes">Scopes, one per line</label>
          <textarea id="expand-scopes" value={scopes} onChange={(e) => setScopes(e.target.value)} placeholder={'assume:project:hello:admin\nqueue:create-task:*'} spellCheck={false} />
          <Expansion scopes={parseScopes(scopes)} />
        </section>
      </div>
    </div>
  );
}

function HolderLists({ holders }: { holders: Holders['scopeHolders'] }) {
  return (
    <>
      <h3>Roles ({holders.roles.length})</h3>
      {holders.roles.length === 0 ? (
        <p className="muted">No role grants it.</p>
      ) : (
        <ul className="scope-list" data-testid="holder-roles">
          {holders.roles.map((role) => (
            <li key={role}>
              <Link href={`/roles/edit?id=${encodeURIComponent(role)}`}>{role}</Link>
            </li>
          ))}
        </ul>
      )}
      <h3>Clients ({holders.clients.length})</h3>
      {holders.clients.length === 0 ? (
        <p className="muted">No client holds it.</p>
      ) : (
        <ul className="scope-list" data-testid="holder-clients">
          {holders.clients.map((client) => (
            <li key={client}>
              <Link href={`/clients/edit?id=${encodeURIComponent(client)}`}>{client}</Link>
            </li>
          ))}
        </ul>
      )}
      {holders.truncated && <p className="small muted">Only the first 200 of each are shown.</p>}
    </>
  );
}
