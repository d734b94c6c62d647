'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { gql } from '@/lib/graphql';
import { useDebounced, useQuery } from '@/lib/hooks';

interface Page {
  secrets: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { name: string }[] };
}
const SECRETS = `query Secrets($prefix: String, $after: String) { secrets(prefix: $prefix, first: 200, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } }`;

export function SecretList() {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim(), 200);
  const state = useQuery<Page>(SECRETS, { prefix: prefix || null });
  const [more, setMore] = useState<{ loading?: boolean; error?: unknown }>({});
  return (
    <div>
      <div className="page-head">
        <h1>Secrets</h1>
        <Link className="button primary" href="/secrets/new">
          New secret
        </Link>
      </div>
      <p className="muted" style={{ maxWidth: 760 }}>
        Named JSON values, encrypted at rest. The list shows names only; a value is shown when you ask for it (and hold{' '}
        <code>secrets:get:&lt;name&gt;</code>). See <Link href="/docs/secrets">secrets in tasks</Link>.
      </p>
      <label htmlFor="secret-search">Search secrets by name prefix</label>
      <input id="secret-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. project/hello/" />
      <div style={{ marginTop: 12 }}>
        {state.error ? (
          <ErrorPanel error={state.error} onRetry={state.reload} />
        ) : !state.data ? (
          <Loading what="Loading secrets" />
        ) : state.data.secrets.nodes.length === 0 ? (
          <Empty>{prefix ? `No secret starts with “${prefix}”.` : 'No secrets yet.'}</Empty>
        ) : (
          <>
            <p className="small muted">{state.data.secrets.totalCount} secrets</p>
            <ul className="scope-list" data-testid="secret-list">
              {state.data.secrets.nodes.map((s) => (
                <li key={s.name}>
                  <Link href={`/secrets/view?name=${encodeURIComponent(s.name)}`}>{s.name}</Link>
                </li>
              ))}
            </ul>
            {state.data.secrets.pageInfo.hasNextPage && (
              <div className="form-actions">
                <button
                  type="button"
                  disabled={more.loading}
                  onClick={async () => {
                    setMore({ loading: true });
                    try {
                      const next = await gql<Page>(SECRETS, { prefix: prefix || null, after: state.data?.secrets.pageInfo.endCursor });
                      state.setData((d) => d && { secrets: { ...next.secrets, nodes: [...d.secrets.nodes, ...next.secrets.nodes] } });
                      setMore({});
                    } catch (error) {
                      setMore({ error });
                    }
                  }}
                >
                  Load more
                </button>
              </div>
            )}
            {more.error !== undefined && <ErrorPanel error={more.error} />}
          </>
        )}
      </div>
    </div>
  );
}
