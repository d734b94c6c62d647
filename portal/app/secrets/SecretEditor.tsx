'use client';
// One secret: its name and expiry, the value hidden until asked for, set (create or replace) and delete.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ConfirmButton } from '@/components/ConfirmButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { gql } from '@/lib/graphql';
import { useMutation, useQuery } from '@/lib/hooks';

interface SecretInfo {
  name: string;
  expires: string;
  created: string;
  lastModified: string;
}

function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function SecretEditor({ name }: { name?: string }) {
  const creating = name === undefined;
  const router = useRouter();
  // The value is not asked for here: it is read only when the user presses "Show value".
  const state = useQuery<{ secret: SecretInfo | null }>(`query SecretInfo($name: String!) { secret(name: $name) { name expires created lastModified } }`, { name: name ?? '' }, { skip: creating || !name });
  const [newName, setNewName] = useState('');
  const [value, setValue] = useState<string | undefined>(creating ? '{\n  "token": ""\n}' : undefined);
  const [expires, setExpires] = useState(() => toLocalInput(new Date(Date.now() + 365 * 86_400_000).toISOString()));
  const [revealError, setRevealError] = useState<unknown>();
  const [jsonError, setJsonError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const set = useMutation<{ setSecret: SecretInfo }>(`mutation SetSecret($name: String!, $secret: SecretInput!) { setSecret(name: $name, secret: $secret) { name expires created lastModified } }`);
  const remove = useMutation<{ deleteSecret: boolean }>(`mutation DeleteSecret($name: String!) { deleteSecret(name: $name) }`);

  if (!creating) {
    if (!name) return <Empty>No secret given. Pick one from the <Link href="/secrets">list</Link>.</Empty>;
    if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
    if (!state.data) return <Loading what="Loading the secret" />;
    if (!state.data.secret)
      return (
        <Empty>
          There is no secret <code>{name}</code> (or it expired). <Link href="/secrets">All secrets</Link>
        </Empty>
      );
  }
  const info = state.data?.secret;

  const reveal = async () => {
    setRevealError(undefined);
    try {
      const data = await gql<{ secret: { secret: unknown; expires: string } | null }>(`query SecretValue($name: String!) { secret(name: $name) { secret expires } }`, { name });
      if (data.secret) {
        setValue(JSON.stringify(data.secret.secret, null, 2));
        setExpires(toLocalInput(data.secret.expires));
      }
    } catch (error) {
      setRevealError(error);
    }
  };

  return (
    <form
      onSubmit={async (event) => {
        event.preventDefault();
        setJsonError(undefined);
        setSaved(false);
        let parsed: unknown;
        try {
          parsed = JSON.parse(value ?? '');
        } catch (e) {
          setJsonError(`The value is not valid JSON: ${(e as Error).message}`);
          return;
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
          setJsonError('The value must be a JSON object.');
          return;
        }
        const target = creating ? newName.trim() : name!;
        const data = await set.run({ name: target, secret: { secret: parsed, expires: new Date(expires).toISOString() } });
        if (data && creating) router.push(`/secrets/view?name=${encodeURIComponent(target)}`);
        else if (data) {
          state.setData(() => ({ secret: data.setSecret }));
          setSaved(true);
        }
      }}
    >
      <div className="page-head">
        <h1>
          {creating ? (
            'New secret'
          ) : (
            <>
              Secret <span className="mono">{name}</span>
            </>
          )}
        </h1>
        <Link href="/secrets">All secrets</Link>
      </div>
      {info && (
        <p className="small muted">
          Created <Time value={info.created} /> · last set <Time value={info.lastModified} /> · expires <Time value={info.expires} />
        </p>
      )}
      {creating && (
        <>
          <label htmlFor="secret-name">Name</label>
          <input id="secret-name" className="mono" required value={newName} onChange={(e) => setNewName(e.target.value)} placeholder="project/hello/api-token" />
          <div className="field-hint">
            Needs <code>secrets:set:&lt;name&gt;</code>.
          </div>
        </>
      )}
      <label htmlFor="secret-value">Value (a JSON object)</label>
      {value === undefined ? (
        <div className="card row" data-testid="secret-hidden">
          <span className="muted">The value is hidden.</span>
          <button type="button" onClick={reveal}>
            Show value
          </button>
        </div>
      ) : (
        <>
          <textarea id="secret-value" value={value} onChange={(e) => setValue(e.target.value)} spellCheck={false} data-testid="secret-value" />
          {!creating && (
            <button type="button" className="link small" onClick={() => setValue(undefined)}>
              Hide value
            </button>
          )}
        </>
      )}
      {revealError !== undefined && <ErrorPanel error={revealError} title="The value cannot be shown" />}
      <label htmlFor="secret-expires">Expires</label>
      <input id="secret-expires" type="datetime-local" required value={expires} onChange={(e) => setExpires(e.target.value)} style={{ maxWidth: 320 }} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={set.running || value === undefined} title={value === undefined ? 'Show the value to change it' : undefined}>
          {creating ? 'Create secret' : 'Save'}
        </button>
        {!creating && (
          <ConfirmButton
            label="Delete"
            confirm={`Delete secret ${name}?`}
            onConfirm={async () => {
              if (await remove.run({ name: name! })) router.push('/secrets');
            }}
          />
        )}
        {saved && (
          <span className="success" role="status" style={{ padding: '4px 10px' }}>
            Saved.
          </span>
        )}
      </div>
      {jsonError && (
        <div className="alert" role="alert" style={{ marginTop: 10 }}>
          {jsonError}
        </div>
      )}
      {(set.error || remove.error) && (
        <div style={{ marginTop: 10 }}>
          <ErrorPanel error={set.error ?? remove.error} />
        </div>
      )}
    </form>
  );
}
