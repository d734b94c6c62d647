'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { gql } from '@/lib/graphql';
import { useDebounced, useQuery } from '@/lib/hooks';

interface ClientPage {
  clients: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { clientId: string; description: string; disabled: boolean; expires: string; lastDateUsed: string }[];
  };
}
const CLIENTS = `query Clients($prefix: String, $after: String) {
  clients(prefix: $prefix, first: 200, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { clientId description disabled expires lastDateUsed } }
}`;

export function ClientList() {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim(), 200);
  const state = useQuery<ClientPage>(CLIENTS, { prefix: prefix || null });
  const [more, setMore] = useState<{ error?: unknown; loading?: boolean }>({});
  const loadMore = async () => {
    setMore({ loading: true });
    try {
      const next = await gql<ClientPage>(CLIENTS, { prefix: prefix || null, after: state.data?.clients.pageInfo.endCursor });
      state.setData((data) => data && { clients: { ...next.clients, nodes: [...data.clients.nodes, ...next.clients.nodes] } });
      setMore({});
    } catch (error) {
      setMore({ error });
    }
  };

  return (
    <div>
      <div className="page-head">
        <h1>Clients</h1>
        <Link className="button primary" href="/clients/new">
          Create client
        </Link>
      </div>
      <p className="muted" style={{ maxWidth: 760 }}>
        A client is an identity with an access token and scopes: one for each person, tool or worker pool.
      </p>
      <label htmlFor="client-search">Search clients by id prefix</label>
      <input id="client-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="e.g. worker/" />
      <div style={{ marginTop: 12 }}>
        {state.error ? (
          <ErrorPanel error={state.error} onRetry={state.reload} />
        ) : !state.data ? (
          <Loading what="Loading clients" />
        ) : state.data.clients.nodes.length === 0 ? (
          <Empty>{prefix ? `No client starts with “${prefix}”.` : 'No clients yet.'}</Empty>
        ) : (
          <>
            <p className="small muted">{state.data.clients.totalCount} clients</p>
            <div className="table-wrap">
              <table data-testid="client-list">
                <thead>
                  <tr>
                    <th>Client</th>
                    <th>Status</th>
                    <th>Expires</th>
                    <th>Last used</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.clients.nodes.map((client) => (
                    <tr key={client.clientId}>
                      <td className="mono">
                        <Link href={`/clients/edit?id=${encodeURIComponent(client.clientId)}`}>{client.clientId}</Link>
                      </td>
                      <td>{client.disabled ? <span className="badge state-failed">disabled</span> : <span className="badge state-completed">enabled</span>}</td>
                      <td>
                        <Time value={client.expires} />
                      </td>
                      <td>
                        <Time value={client.lastDateUsed} />
                      </td>
                      <td className="muted">{client.description.slice(0, 120)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {state.data.clients.pageInfo.hasNextPage && (
              <div className="form-actions">
                <button type="button" onClick={loadMore} disabled={more.loading}>
                  {more.loading ? 'Loading…' : 'Load more'}
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
