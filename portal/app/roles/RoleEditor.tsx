'use client';
// Create or edit a role: id, description, scopes, and the expansion shown live as you type.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { ScopesEditor, parseScopes } from '@/components/auth/ScopesEditor';
import { ConfirmButton } from '@/components/ConfirmButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { useMutation, useQuery } from '@/lib/hooks';

interface Role {
  roleId: string;
  description: string;
  scopes: string[];
  expandedScopes: string[];
  created: string;
  lastModified: string;
}
const ROLE_FIELDS = 'roleId description scopes expandedScopes created lastModified';

export function RoleEditor({ roleId }: { roleId?: string }) {
  const creating = roleId === undefined;
  const router = useRouter();
  const state = useQuery<{ role: Role | null }>(`query Role($roleId: String!) { role(roleId: $roleId) { ${ROLE_FIELDS} } }`, { roleId: roleId ?? '' }, { skip: creating || !roleId });
  const [id, setId] = useState('');
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  const role = state.data?.role;
  useEffect(() => {
    if (role) {
      setDescription(role.description);
      setScopes(role.scopes.join('\n'));
    }
  }, [role]);

  const create = useMutation<{ createRole: Role }>(`mutation CreateRole($roleId: String!, $role: RoleInput!) { createRole(roleId: $roleId, role: $role) { ${ROLE_FIELDS} } }`);
  const update = useMutation<{ updateRole: Role }>(`mutation UpdateRole($roleId: String!, $role: RoleInput!) { updateRole(roleId: $roleId, role: $role) { ${ROLE_FIELDS} } }`);
  const remove = useMutation<{ deleteRole: boolean }>(`mutation DeleteRole($roleId: String!) { deleteRole(roleId: $roleId) }`);

  if (!creating) {
    if (!roleId) return <Empty>No role given. Pick one from the <Link href="/roles">role list</Link>.</Empty>;
    if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
    if (state.loading || !state.data) return <Loading what="Loading the role" />;
    if (!role)
      return (
        <Empty>
          There is no role <code>{roleId}</code>. <Link href="/roles">All roles</Link>
        </Empty>
      );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setSaved(undefined);
    const input = { description, scopes: parseScopes(scopes) };
    if (creating) {
      const data = await create.run({ roleId: id.trim(), role: input });
      if (data) router.push(`/roles/edit?id=${encodeURIComponent(data.createRole.roleId)}`);
    } else {
      const data = await update.run({ roleId: roleId!, role: input });
      if (data) {
        state.setData(() => ({ role: data.updateRole }));
        setSaved('Saved.');
      }
    }
  };

  const error = create.error ?? update.error ?? remove.error;
  return (
    <form onSubmit={submit}>
      <div className="page-head">
        <h1>
          {creating ? (
            'Create role'
          ) : (
            <>
              Role <span className="mono">{roleId}</span>
            </>
          )}
        </h1>
        <Link href="/roles">All roles</Link>
      </div>
      {role && (
        <p className="small muted">
          Created <Time value={role.created} /> · last changed <Time value={role.lastModified} /> · held by whoever has{' '}
          <code>assume:{role.roleId}</code> (<Link href={`/scopes?scope=${encodeURIComponent(`assume:${role.roleId}`)}`}>who?</Link>)
        </p>
      )}
      {creating && (
        <>
          <label htmlFor="roleId">Role id</label>
          <input id="roleId" required value={id} onChange={(e) => setId(e.target.value)} placeholder="e.g. project:my-project:admin" className="mono" />
          <div className="field-hint">
            Creating a role needs <code>auth:create-role:&lt;roleId&gt;</code> and every scope it grants. End the id in <code>*</code> for a
            parameterized role.
          </div>
        </>
      )}
      <label htmlFor="description">Description</label>
      <textarea id="description" value={description} onChange={(e) => setDescription(e.target.value)} style={{ minHeight: 60, fontFamily: 'inherit' }} />
      <ScopesEditor
        id="role-scopes"
        value={scopes}
        onChange={setScopes}
        expansionTitle={`What assume:${creating ? id || '<roleId>' : roleId} grants`}
        hint="One scope per line. In a role whose id ends in *, <..> stands for the part of the assume: scope the * matched."
      />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.running || update.running}>
          {creating ? 'Create role' : 'Save changes'}
        </button>
        {!creating && (
          <ConfirmButton
            label="Delete"
            confirm={`Delete role ${roleId}?`}
            onConfirm={async () => {
              if (await remove.run({ roleId: roleId! })) router.push('/roles');
            }}
          />
        )}
        {saved && (
          <span className="success" role="status" style={{ padding: '4px 10px' }}>
            {saved}
          </span>
        )}
      </div>
      {error && (
        <div style={{ marginTop: 12 }}>
          <ErrorPanel error={error} />
        </div>
      )}
    </form>
  );
}
