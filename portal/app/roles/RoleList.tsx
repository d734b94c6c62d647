'use client';
import Link from 'next/link';
import { useState } from 'react';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { useDebounced, useQuery } from '@/lib/hooks';
import { gql } from '@/lib/graphql';

interface RolePage {
  roles: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: { roleId: string; description: string; scopes: string[] }[] };
}
const ROLES = `query Roles($prefix: String, $after: String) {
  roles(prefix: $prefix, first: 200, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { roleId description scopes } }
}`;

export function RoleList() {
  const [search, setSearch] = useState('');
  const prefix = useDebounced(search.trim(), 200);
  const state = useQuery<RolePage>(ROLES, { prefix: prefix || null });
  const [more, setMore] = useState<{ error?: unknown; loading?: boolean }>({});

  const loadMore = async () => {
    const after = state.data?.roles.pageInfo.endCursor;
    setMore({ loading: true });
    try {
      const next = await gql<RolePage>(ROLES, { prefix: prefix || null, after });
      state.setData((data) => data && { roles: { ...next.roles, nodes: [...data.roles.nodes, ...next.roles.nodes] } });
      setMore({});
    } catch (error) {
      setMore({ error });
    }
  };

  return (
    <div>
      <div className="page-head">
        <h1>Roles</h1>
        <Link className="button primary" href="/roles/new">
          Create role
        </Link>
      </div>
      <p className="muted" style={{ maxWidth: 760 }}>
        A role grants its scopes to whoever holds <code>assume:&lt;roleId&gt;</code>. A role whose id ends in <code>*</code> applies to every{' '}
        <code>assume:</code> scope it matches, with <code>&lt;..&gt;</code> in its scopes replaced by the matched part — see{' '}
        <Link href="/docs/roles-and-scopes">roles and scopes</Link>.
      </p>
      <label htmlFor="role-search">Search roles by id prefix</label>
      <input id="role-search" type="search" placeholder="e.g. project:" value={search} onChange={(e) => setSearch(e.target.value)} />
      <div style={{ marginTop: 12 }}>
        {state.error ? (
          <ErrorPanel error={state.error} onRetry={state.reload} />
        ) : !state.data ? (
          <Loading what="Loading roles" />
        ) : state.data.roles.nodes.length === 0 ? (
          <Empty>{prefix ? `No role starts with “${prefix}”.` : 'No roles yet. Create the first one.'}</Empty>
        ) : (
          <>
            <p className="small muted" aria-live="polite">
              {state.data.roles.totalCount} role{state.data.roles.totalCount === 1 ? '' : 's'}
              {prefix ? ` starting with “${prefix}”` : ''}
            </p>
            <div className="table-wrap">
              <table data-testid="role-list">
                <thead>
                  <tr>
                    <th>Role</th>
                    <th>Scopes</th>
                    <th>Description</th>
                  </tr>
                </thead>
                <tbody>
                  {state.data.roles.nodes.map((role) => (
                    <tr key={role.roleId}>
                      <td className="mono">
                        <Link href={`/roles/edit?id=${encodeURIComponent(role.roleId)}`}>{role.roleId}</Link>
                      </td>
                      <td>{role.scopes.length}</td>
                      <td className="muted">{role.description.slice(0, 140)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {state.data.roles.pageInfo.hasNextPage && (
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
