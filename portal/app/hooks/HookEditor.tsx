'use client';
// One hook: schedule with its next fires, the template editor, trigger with a payload, the last
// fires with how their tasks ended, the webhook token, delete. Also creates a new hook.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { ConfirmButton } from '@/components/ConfirmButton';
import { CopyButton } from '@/components/CopyButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { StateBadge } from '@/components/StateBadge';
import { Time } from '@/components/Time';
import { useMutation, useQuery } from '@/lib/hooks';

interface Hook {
  hookGroupId: string;
  hookId: string;
  metadata: { name: string; description: string; owner: string; emailOnError: boolean };
  schedule: string[];
  task: Record<string, unknown>;
  triggerSchema: Record<string, unknown>;
  nextScheduledDates: string[];
  hasTriggerToken: boolean;
  created: string;
  lastModified: string;
}
interface Fire {
  firedAt: string;
  firedBy: string;
  result: string;
  taskId: string;
  taskState: string | null;
  error: string | null;
  scheduledFor: string | null;
  clientId: string | null;
  missedFires: number;
}
const HOOK_FIELDS = 'hookGroupId hookId metadata { name description owner emailOnError } schedule task triggerSchema nextScheduledDates(count: 5) hasTriggerToken created lastModified';

const TEMPLATE = {
  taskQueueId: 'local/default',
  created: { $eval: 'now' },
  deadline: { $fromNow: '1 hour', from: { $eval: 'now' } },
  metadata: { name: 'fired by ${firedBy}', description: '', owner: 'me@example.com', source: 'https://example.com/hooks' },
  payload: { command: ['sh', '-c', 'echo hello from a hook'], maxRunTime: 60 },
};

function parseObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${what} must be a JSON object`);
  return value as Record<string, unknown>;
}

export function HookEditor({ hookGroupId, hookId }: { hookGroupId?: string; hookId?: string }) {
  const creating = hookGroupId === undefined;
  const router = useRouter();
  const state = useQuery<{ hook: Hook | null }>(`query Hook($g: String!, $h: String!) { hook(hookGroupId: $g, hookId: $h) { ${HOOK_FIELDS} } }`, { g: hookGroupId ?? '', h: hookId ?? '' }, { skip: creating || !hookGroupId || !hookId });
  const hook = state.data?.hook;
  const [group, setGroup] = useState('');
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [description, setDescription] = useState('');
  const [emailOnError, setEmailOnError] = useState(false);
  const [schedule, setSchedule] = useState('');
  const [template, setTemplate] = useState(JSON.stringify(TEMPLATE, null, 2));
  const [triggerSchema, setTriggerSchema] = useState(JSON.stringify({ type: 'object', properties: {}, additionalProperties: false }, null, 2));
  const [formError, setFormError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!hook) return;
    setName(hook.metadata.name);
    setOwner(hook.metadata.owner);
    setDescription(hook.metadata.description);
    setEmailOnError(hook.metadata.emailOnError);
    setSchedule(hook.schedule.join('\n'));
    setTemplate(JSON.stringify(hook.task, null, 2));
    setTriggerSchema(JSON.stringify(hook.triggerSchema, null, 2));
  }, [hook]);

  const create = useMutation<{ createHook: Hook }>(`mutation CreateHook($g: String!, $h: String!, $hook: HookInput!) { createHook(hookGroupId: $g, hookId: $h, hook: $hook) { ${HOOK_FIELDS} } }`);
  const update = useMutation<{ updateHook: Hook }>(`mutation UpdateHook($g: String!, $h: String!, $hook: HookInput!) { updateHook(hookGroupId: $g, hookId: $h, hook: $hook) { ${HOOK_FIELDS} } }`);
  const remove = useMutation<{ deleteHook: boolean }>(`mutation DeleteHook($g: String!, $h: String!) { deleteHook(hookGroupId: $g, hookId: $h) }`);

  if (!creating) {
    if (!hookGroupId || !hookId) return <Empty>No hook given. Pick one from the <Link href="/hooks">list</Link>.</Empty>;
    if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
    if (!state.data) return <Loading what="Loading the hook" />;
    if (!hook)
      return (
        <Empty>
          There is no hook <code>{`${hookGroupId}/${hookId}`}</code>. <Link href="/hooks">All hooks</Link>
        </Empty>
      );
  }

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    setSaved(false);
    let input;
    try {
      input = {
        metadata: { name, owner, description, emailOnError },
        schedule: schedule
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        task: parseObject(template, 'The task template'),
        triggerSchema: parseObject(triggerSchema, 'The trigger schema'),
      };
    } catch (e) {
      setFormError((e as Error).message);
      return;
    }
    if (creating) {
      const data = await create.run({ g: group.trim(), h: id.trim(), hook: input });
      if (data) router.push(`/hooks/view?group=${encodeURIComponent(group.trim())}&id=${encodeURIComponent(id.trim())}`);
    } else {
      const data = await update.run({ g: hookGroupId!, h: hookId!, hook: input });
      if (data) {
        state.setData(() => ({ hook: data.updateHook }));
        setSaved(true);
      }
    }
  };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>
          {creating ? (
            'New hook'
          ) : (
            <>
              Hook <span className="mono">{`${hookGroupId}/${hookId}`}</span>
            </>
          )}
        </h1>
        <Link href="/hooks">All hooks</Link>
      </div>
      {hook && (
        <div className="grid-2">
          <section className="card" aria-labelledby="schedule-title">
            <h2 id="schedule-title">Schedule</h2>
            {hook.schedule.length === 0 ? (
              <p className="muted">No schedule: the hook fires only when triggered.</p>
            ) : (
              <>
                <ul className="scope-list">
                  {hook.schedule.map((s) => (
                    <li key={s}>{s} (UTC)</li>
                  ))}
                </ul>
                <h3>Next fires</h3>
                <ol data-testid="next-fires">
                  {hook.nextScheduledDates.map((d) => (
                    <li key={d}>
                      {d.replace('T', ' ').replace(/\.\d+Z$/, 'Z')} (<Time value={d} />)
                    </li>
                  ))}
                </ol>
              </>
            )}
            <p className="small muted">
              Tasks are created with the scopes of role{' '}
              <Link href={`/roles/edit?id=${encodeURIComponent(`hook-id:${hook.hookGroupId}/${hook.hookId}`)}`}>
                hook-id:{hook.hookGroupId}/{hook.hookId}
              </Link>
              .
            </p>
          </section>
          <Trigger hook={hook} onFired={() => state.reload()} />
        </div>
      )}
      {hook && <LastFires hookGroupId={hook.hookGroupId} hookId={hook.hookId} />}
      <form className="card" onSubmit={submit} aria-labelledby="definition-title">
        <h2 id="definition-title">{creating ? 'Definition' : 'Edit the definition'}</h2>
        {creating && (
          <div className="grid-2">
            <div>
              <label htmlFor="hook-group">Hook group</label>
              <input id="hook-group" className="mono" required value={group} onChange={(e) => setGroup(e.target.value)} placeholder="project-hello" />
            </div>
            <div>
              <label htmlFor="hook-id">Hook id</label>
              <input id="hook-id" className="mono" required value={id} onChange={(e) => setId(e.target.value)} placeholder="nightly" />
            </div>
          </div>
        )}
        <div className="grid-2">
          <div>
            <label htmlFor="hook-name">Name</label>
            <input id="hook-name" required value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div>
            <label htmlFor="hook-owner">Owner (email)</label>
            <input id="hook-owner" required value={owner} onChange={(e) => setOwner(e.target.value)} />
          </div>
        </div>
        <label htmlFor="hook-description">Description</label>
        <textarea id="hook-description" value={description} onChange={(e) => setDescription(e.target.value)} style={{ minHeight: 50, fontFamily: 'inherit' }} />
        <label className="checkbox">
          <input type="checkbox" checked={emailOnError} onChange={(e) => setEmailOnError(e.target.checked)} /> Email the owner when a fire fails
        </label>
        <label htmlFor="hook-schedule">Schedule (cron, UTC, one per line)</label>
        <textarea id="hook-schedule" value={schedule} onChange={(e) => setSchedule(e.target.value)} style={{ minHeight: 60 }} placeholder="0 0 3 * * *" />
        <div className="field-hint">5 fields (m h dom mon dow) or 6 with seconds first.</div>
        <div className="grid-2">
          <div>
            <label htmlFor="hook-template">Task template (JSON-e)</label>
            <textarea id="hook-template" value={template} onChange={(e) => setTemplate(e.target.value)} rows={18} spellCheck={false} data-testid="hook-template" />
            <div className="field-hint">
              Context: <code>firedBy</code>, <code>taskId</code>, <code>now</code>, and <code>payload</code> for triggers.
            </div>
          </div>
          <div>
            <label htmlFor="hook-schema">Trigger schema (JSON Schema)</label>
            <textarea id="hook-schema" value={triggerSchema} onChange={(e) => setTriggerSchema(e.target.value)} rows={18} spellCheck={false} />
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={create.running || update.running}>
            {creating ? 'Create hook' : 'Save'}
          </button>
          {!creating && (
            <ConfirmButton
              label="Delete"
              confirm={`Delete hook ${hookGroupId}/${hookId} and its fire history?`}
              onConfirm={async () => {
                if (await remove.run({ g: hookGroupId!, h: hookId! })) router.push('/hooks');
              }}
            />
          )}
          {saved && (
            <span className="success" role="status" style={{ padding: '4px 10px' }}>
              Saved.
            </span>
          )}
        </div>
        {formError && (
          <div className="alert" role="alert" style={{ marginTop: 10 }}>
            {formError}
          </div>
        )}
        {(create.error || update.error || remove.error) && (
          <div style={{ marginTop: 10 }}>
            <ErrorPanel error={create.error ?? update.error ?? remove.error} />
          </div>
        )}
      </form>
    </div>
  );
}

function Trigger({ hook, onFired }: { hook: Hook; onFired: () => void }) {
  const [payload, setPayload] = useState('{}');
  const [parseError, setParseError] = useState<string | undefined>();
  const trigger = useMutation<{ triggerHook: { taskId: string; state: string } | null }>(
    `mutation TriggerHook($g: String!, $h: String!, $payload: JSON) { triggerHook(hookGroupId: $g, hookId: $h, payload: $payload) { taskId state } }`,
  );
  const reset = useMutation<{ resetTriggerToken: { token: string; path: string } }>(`mutation ResetTriggerToken($g: String!, $h: String!) { resetTriggerToken(hookGroupId: $g, hookId: $h) { token path } }`);
  return (
    <section className="card" aria-labelledby="trigger-title">
      <h2 id="trigger-title">Trigger</h2>
      <label htmlFor="trigger-payload">Payload (checked against the trigger schema)</label>
      <textarea id="trigger-payload" value={payload} onChange={(e) => setPayload(e.target.value)} style={{ minHeight: 80 }} spellCheck={false} />
      <div className="form-actions">
        <button
          type="button"
          className="primary"
          disabled={trigger.running}
          onClick={async () => {
            setParseError(undefined);
            let value: unknown;
            try {
              value = JSON.parse(payload);
            } catch (e) {
              setParseError(`The payload is not valid JSON: ${(e as Error).message}`);
              return;
            }
            if (await trigger.run({ g: hook.hookGroupId, h: hook.hookId, payload: value })) onFired();
          }}
        >
          Trigger now
        </button>
      </div>
      {parseError && (
        <div className="alert" role="alert">
          {parseError}
        </div>
      )}
      {trigger.error && <ErrorPanel error={trigger.error} />}
      {trigger.data && (
        <p className="success" role="status" data-testid="triggered">
          {trigger.data.triggerHook ? (
            <>
              Created task <Link href={`/tasks/${trigger.data.triggerHook.taskId}`}>{trigger.data.triggerHook.taskId}</Link> ({trigger.data.triggerHook.state}).
            </>
          ) : (
            'The template rendered to null: no task.'
          )}
        </p>
      )}
      <h3>Webhook</h3>
      <p className="small muted">
        {hook.hasTriggerToken ? 'A token exists; resetting it stops the old one at once.' : 'No token yet.'} POST JSON to the path with no other credentials.
      </p>
      <ConfirmButton label={hook.hasTriggerToken ? 'Reset token' : 'Make token'} confirm="Make a new webhook token?" onConfirm={() => void reset.run({ g: hook.hookGroupId, h: hook.hookId })} />
      {reset.error && <ErrorPanel error={reset.error} />}
      {reset.data && (
        <div className="stack" style={{ marginTop: 8 }}>
          <div className="notice small">Shown once: copy the path now.</div>
          <div className="token-box small">{`${typeof window === 'undefined' ? '' : window.location.origin}${reset.data.resetTriggerToken.path}`}</div>
          <CopyButton text={`${window.location.origin}${reset.data.resetTriggerToken.path}`} label="Copy webhook URL" />
        </div>
      )}
    </section>
  );
}

function LastFires({ hookGroupId, hookId }: { hookGroupId: string; hookId: string }) {
  const state = useQuery<{ hookLastFires: { nodes: Fire[] } }>(
    `query LastFires($g: String!, $h: String!) { hookLastFires(hookGroupId: $g, hookId: $h, last: 20) { nodes { firedAt firedBy result taskId taskState error scheduledFor clientId missedFires } } }`,
    { g: hookGroupId, h: hookId },
  );
  // Tasks move on after a fire: refresh their outcomes every few seconds while the page is open.
  const reload = state.reload;
  useEffect(() => {
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <section className="card" aria-labelledby="fires-title">
      <h2 id="fires-title">Last fires</h2>
      {state.error ? (
        <ErrorPanel error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.hookLastFires.nodes.length === 0 ? (
        <p className="muted">Not fired yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="last-fires">
            <thead>
              <tr>
                <th>Fired</th>
                <th>By</th>
                <th>Result</th>
                <th>Task</th>
                <th>Task outcome</th>
              </tr>
            </thead>
            <tbody>
              {[...state.data.hookLastFires.nodes].reverse().map((fire) => (
                <tr key={`${fire.firedAt}-${fire.taskId}`}>
                  <td>
                    <Time value={fire.firedAt} />
                    {fire.missedFires > 0 && <div className="small muted">{fire.missedFires} missed fires folded in</div>}
                  </td>
                  <td className="small">
                    {fire.firedBy}
                    {fire.clientId ? ` (${fire.clientId})` : ''}
                  </td>
                  <td className="small">
                    {fire.result}
                    {fire.error && <div style={{ color: 'var(--danger)' }}>{fire.error}</div>}
                  </td>
                  <td className="mono small">{fire.result === 'created' ? <Link href={`/tasks/${fire.taskId}`}>{fire.taskId}</Link> : '—'}</td>
                  <td>{fire.taskState ? <StateBadge state={fire.taskState} /> : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
