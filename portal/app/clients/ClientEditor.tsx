'use client';
// Create, view and change a client: scopes with live expansion, expiry, enable/disable, reset
// token and delete. A new token is shown once, with a copy button.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { ScopesEditor, parseScopes } from '@/components/auth/ScopesEditor';
import { ConfirmButton } from '@/components/ConfirmButton';
import { CopyButton } from '@/components/CopyButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { useMutation, useQuery } from '@/lib/hooks';
import { useCredentials } from '@/lib/session';

interface Client {
  clientId: string;
  description: string;
  scopes: string[];
  expandedScopes: string[];
  expires: string;
  disabled: boolean;
  deleteOnExpiration: boolean;
  created: string;
  lastModified: string;
  lastDateUsed: string;
  lastRotated: string;
}
const FIELDS = 'clientId description scopes expandedScopes expires disabled deleteOnExpiration created lastModified lastDateUsed lastRotated';

/** `YYYY-MM-DDTHH:mm` in local time, as datetime-local inputs want it. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function ClientEditor({ clientId }: { clientId?: string }) {
  const creating = clientId === undefined;
  const router = useRouter();
  const me = useCredentials();
  const state = useQuery<{ client: Client | null }>(`query Client($clientId: String!) { client(clientId: $clientId) { ${FIELDS} } }`, { clientId: clientId ?? '' }, { skip: creating || !clientId });
  const client = state.data?.client;
  const [id, setId] = useState(me ? `${me.clientId}/` : '');
  const [description, setDescription] = useState('');
  const [scopes, setScopes] = useState('');
  const [expires, setExpires] = useState(() => toLocalInput(new Date(Date.now() + 365 * 86_400_000).toISOString()));
  const [deleteOnExpiration, setDeleteOnExpiration] = useState(false);
  const [token, setToken] = useState<{ clientId: string; accessToken: string } | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (client) {
      setDescription(client.description);
      setScopes(client.scopes.join('\n'));
      setExpires(toLocalInput(client.expires));
      setDeleteOnExpiration(client.deleteOnExpiration);
    }
  }, [client]);

  const create = useMutation<{ createClient: Client & { accessToken: string } }>(
    `mutation CreateClient($clientId: String!, $client: ClientInput!) { createClient(clientId: $clientId, client: $client) { ${FIELDS} accessToken } }`,
  );
  const update = useMutation<{ updateClient: Client }>(`mutation UpdateClient($clientId: String!, $client: ClientUpdateInput!) { updateClient(clientId: $clientId, client: $client) { ${FIELDS} } }`);
  const reset = useMutation<{ resetAccessToken: Client & { accessToken: string } }>(
    `mutation ResetAccessToken($clientId: String!) { resetAccessToken(clientId: $clientId) { ${FIELDS} accessToken } }`,
  );
  const enable = useMutation<{ enableClient: Client }>(`mutation EnableClient($clientId: String!) { enableClient(clientId: $clientId) { ${FIELDS} } }`);
  const disable = useMutation<{ disableClient: Client }>(`mutation DisableClient($clientId: String!) { disableClient(clientId: $clientId) { ${FIELDS} } }`);
  const remove = useMutation<{ deleteClient: boolean }>(`mutation DeleteClient($clientId: String!) { deleteClient(clientId: $clientId) }`);

  if (token) return <NewToken token={token} created={creating} onDone={() => {
    setToken(undefined);
    if (creating) router.push(`/clients/edit?id=${encodeURIComponent(token.clientId)}`);
  }} />;

  if (!creating) {
    if (!clientId) return <Empty>No client given. Pick one from the <Link href="/clients">client list</Link>.</Empty>;
    if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
    if (state.loading || !state.data) return <Loading what="Loading the client" />;
    if (!client)
      return (
        <Empty>
          There is no client <code>{clientId}</code>. <Link href="/clients">All clients</Link>
        </Empty>
      );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setSaved(false);
    const input = { description, scopes: parseScopes(scopes), expires: new Date(expires).toISOString(), deleteOnExpiration };
    if (creating) {
      const data = await create.run({ clientId: id.trim(), client: input });
      if (data) setToken({ clientId: data.createClient.clientId, accessToken: data.createClient.accessToken });
    } else {
      const data = await update.run({ clientId: clientId!, client: input });
      if (data) {
        state.setData(() => ({ client: data.updateClient }));
        setSaved(true);
      }
    }
  };
  const error = create.error ?? update.error ?? reset.error ?? enable.error ?? disable.error ?? remove.error;

  return (
    <form onSubmit={submit}>
      <div className="page-head">
        <h1>
          {creating ? (
            'Create client'
          ) : (
            <>
              Client <span className="mono">{clientId}</span>
            </>
          )}
        </h1>
        <Link href="/clients">All clients</Link>
      </div>
      {client && (
        <dl className="kv card" style={{ marginBottom: 12 }}>
          <dt>Status</dt>
          <dd data-testid="client-status">{client.disabled ? <span className="badge state-failed">disabled</span> : <span className="badge state-completed">enabled</span>}</dd>
          <dt>Created</dt>
          <dd>
            <Time value={client.created} />
          </dd>
          <dt>Last used</dt>
          <dd>
            <Time value={client.lastDateUsed} />
          </dd>
          <dt>Token last reset</dt>
          <dd>
            <Time value={client.lastRotated} />
          </dd>
        </dl>
      )}
      {creating && (
        <>
          <label htmlFor="clientId">Client id</label>
          <input id="clientId" className="mono" required value={id} onChange={(e) => setId(e.target.value)} />
          <div className="field-hint">
            Needs <code>auth:create-client:&lt;clientId&gt;</code> and every scope you give it. Your own clients usually live under your id.
          </div>
        </>
      )}
      <label htmlFor="description">Description</label>
      <textarea id="description" value={description} onChange={(e) => setDescription(e.target.value)} style={{ minHeight: 60, fontFamily: 'inherit' }} />
      <div className="grid-2">
        <div>
          <label htmlFor="expires">Expires</label>
          <input id="expires" type="datetime-local" required value={expires} onChange={(e) => setExpires(e.target.value)} />
        </div>
        <div>
          <label className="checkbox" style={{ marginTop: 34 }}>
            <input type="checkbox" checked={deleteOnExpiration} onChange={(e) => setDeleteOnExpiration(e.target.checked)} /> Delete the client once it expires
          </label>
        </div>
      </div>
      <ScopesEditor id="client-scopes" value={scopes} onChange={setScopes} expansionTitle="What this client can do" />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.running || update.running}>
          {creating ? 'Create client' : 'Save changes'}
        </button>
        {client && (
          <>
            <ConfirmButton
              label="Reset token"
              confirm="The old token stops working at once."
              onConfirm={async () => {
                const data = await reset.run({ clientId: client.clientId });
                if (data) setToken({ clientId: client.clientId, accessToken: data.resetAccessToken.accessToken });
              }}
            />
            {client.disabled ? (
              <button
                type="button"
                onClick={async () => {
                  const data = await enable.run({ clientId: client.clientId });
                  if (data) state.setData(() => ({ client: data.enableClient }));
                }}
              >
                Enable
              </button>
            ) : (
              <button
                type="button"
                onClick={async () => {
                  const data = await disable.run({ clientId: client.clientId });
                  if (data) state.setData(() => ({ client: data.disableClient }));
                }}
              >
                Disable
              </button>
            )}
            <ConfirmButton
              label="Delete"
              confirm={`Delete client ${client.clientId}?`}
              onConfirm={async () => {
                if (await remove.run({ clientId: client.clientId })) router.push('/clients');
              }}
            />
          </>
        )}
        {saved && (
          <span className="success" role="status" style={{ padding: '4px 10px' }}>
            Saved.
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

function NewToken({ token, created, onDone }: { token: { clientId: string; accessToken: string }; created: boolean; onDone: () => void }) {
  return (
    <div className="stack" style={{ maxWidth: 760 }}>
      <h1>{created ? 'Client created' : 'Access token reset'}</h1>
      <div className="notice" role="status">
        <strong>This is the only time the access token is shown.</strong> Copy it now and keep it somewhere safe; if it is lost, reset it.
      </div>
      <dl className="kv">
        <dt>Client id</dt>
        <dd className="mono">{token.clientId}</dd>
      </dl>
      <div className="token-box" data-testid="new-token">
        {token.accessToken}
      </div>
      <div className="row">
        <CopyButton text={token.accessToken} label="Copy access token" className="primary" />
        <button type="button" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}
