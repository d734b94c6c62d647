'use client';
// One task: definition, status and runs (live), artifacts with download links, dependencies and
// dependents, and the actions cancel, rerun and schedule.
import Link from 'next/link';
import { useEffect, useMemo, useState } from 'react';
import { ArtifactLink } from '@/components/ArtifactLink';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { StateBadge } from '@/components/StateBadge';
import { Time } from '@/components/Time';
import { useMutation, useQuery, useSubscription } from '@/lib/hooks';
import { rememberTask } from '@/lib/recent';
import { ARTIFACT_FIELDS, formatBytes, isResolved, isSlugid, logPath, STATUS_FIELDS, type Artifact, type TaskStatus } from '@/lib/tasks';

interface TaskDefinition {
  taskId: string;
  taskGroupId: string;
  taskQueueId: string;
  schedulerId: string;
  projectId: string;
  priority: string;
  retries: number;
  requires: string;
  created: string;
  deadline: string;
  expires: string;
  routes: string[];
  scopes: string[];
  dependencies: string[];
  metadata: { name: string; description: string; owner: string; source: string };
  payload: Record<string, unknown>;
  tags: Record<string, unknown>;
  extra: Record<string, unknown>;
  status: TaskStatus;
}

const TASK = `query TaskPage($taskId: ID!) {
  task(taskId: $taskId) {
    taskId taskGroupId taskQueueId schedulerId projectId priority retries requires created deadline expires routes scopes dependencies
    metadata { name description owner source } payload tags extra
    status { ${STATUS_FIELDS} }
  }
  dependents(taskId: $taskId, first: 200) { totalCount nodes { taskId state } }
}`;

interface Related {
  tasks: ({ taskId: string; metadata: { name: string }; status: { state: string } } | null)[];
}

export function TaskInspector({ taskId }: { taskId: string }) {
  const state = useQuery<{ task: TaskDefinition | null; dependents: { totalCount: number; nodes: { taskId: string; state: string }[] } }>(
    TASK,
    { taskId },
    { skip: !isSlugid(taskId) },
  );
  const task = state.data?.task;
  const [status, setStatus] = useState<TaskStatus | undefined>();
  useEffect(() => setStatus(task?.status), [task]);
  useEffect(() => {
    if (task) rememberTask({ taskId: task.taskId, name: task.metadata.name });
  }, [task]);

  const live = useSubscription<{ taskStatusChanged: TaskStatus }>(
    `subscription TaskStatus($taskId: ID!) { taskStatusChanged(taskId: $taskId) { ${STATUS_FIELDS} } }`,
    { taskId },
    (data) => setStatus(data.taskStatusChanged),
    !!task,
  );
  // The subscription is active on the gateway a moment after it is sent, and no answer says
  // when: read the status once more after that moment, so a change made in between is not missed.
  const loaded = !!task;
  const reload = state.reload;
  useEffect(() => {
    if (!loaded) return;
    const timer = setTimeout(reload, 1500);
    return () => clearTimeout(timer);
  }, [loaded, reload]);

  if (!isSlugid(taskId)) return <Empty>“{taskId}” is not a task id: task ids are 22-character slugids.</Empty>;
  if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading what="Loading the task" />;
  if (!task)
    return (
      <Empty>
        There is no task <code>{taskId}</code> (it may have expired). <Link href="/tasks">Find another</Link>
      </Empty>
    );
  const current = status ?? task.status;
  const latest = current.runs.at(-1);

  return (
    <div className="stack">
      <nav className="small muted" aria-label="Breadcrumbs">
        <Link href="/tasks">Tasks</Link> › <Link href={`/groups/${task.taskGroupId}`}>Group {task.taskGroupId}</Link> › {task.taskId}
      </nav>
      <div className="page-head">
        <h1>
          {task.metadata.name} <StateBadge state={current.state} />
        </h1>
        <span className="small muted" aria-live="polite" data-testid="live-status">
          {live.error ? `Live updates off: ${live.error.message}` : live.live ? '● live' : ''}
        </span>
      </div>
      <Actions taskId={task.taskId} status={current} onStatus={setStatus} />
      <div className="grid-2">
        <section className="card" aria-labelledby="summary-title">
          <h2 id="summary-title">Summary</h2>
          <dl className="kv">
            <dt>Task id</dt>
            <dd className="mono">{task.taskId}</dd>
            <dt>Group</dt>
            <dd className="mono">
              <Link href={`/groups/${task.taskGroupId}`}>{task.taskGroupId}</Link>
            </dd>
            <dt>Queue</dt>
            <dd className="mono">{task.taskQueueId}</dd>
            <dt>State</dt>
            <dd data-testid="task-state">
              <StateBadge state={current.state} />
            </dd>
            <dt>Priority</dt>
            <dd>{task.priority}</dd>
            <dt>Retries left</dt>
            <dd>
              {current.retriesLeft} of {task.retries}
            </dd>
            <dt>Created</dt>
            <dd>
              <Time value={task.created} />
            </dd>
            <dt>Deadline</dt>
            <dd>
              <Time value={current.deadline} />
            </dd>
            <dt>Expires</dt>
            <dd>
              <Time value={current.expires} />
            </dd>
            <dt>Owner</dt>
            <dd>{task.metadata.owner}</dd>
            {task.metadata.source && (
              <>
                <dt>Source</dt>
                <dd>
                  {/^https?:\/\//.test(task.metadata.source) ? (
                    <a href={task.metadata.source} rel="noopener noreferrer">
                      {task.metadata.source}
                    </a>
                  ) : (
                    task.metadata.source
                  )}
                </dd>
              </>
            )}
          </dl>
          {task.metadata.description && <p className="muted">{task.metadata.description}</p>}
        </section>
        <Runs taskId={task.taskId} status={current} />
      </div>
      <Artifacts taskId={task.taskId} runs={current.runs.map((r) => r.runId)} latest={latest?.runId} />
      <Related dependencies={task.dependencies} dependents={state.data.dependents} requires={task.requires} />
      <section className="card" aria-labelledby="definition-title">
        <h2 id="definition-title">Definition</h2>
        <pre tabIndex={0} data-testid="definition" style={{ maxHeight: 480 }}>
          {JSON.stringify(
            {
              taskQueueId: task.taskQueueId,
              schedulerId: task.schedulerId,
              projectId: task.projectId,
              taskGroupId: task.taskGroupId,
              dependencies: task.dependencies,
              requires: task.requires,
              routes: task.routes,
              priority: task.priority,
              retries: task.retries,
              created: task.created,
              deadline: task.deadline,
              expires: task.expires,
              scopes: task.scopes,
              payload: task.payload,
              metadata: task.metadata,
              tags: task.tags,
              extra: task.extra,
            },
            null,
            2,
          )}
        </pre>
      </section>
    </div>
  );
}

function Actions({ taskId, status, onStatus }: { taskId: string; status: TaskStatus; onStatus: (s: TaskStatus) => void }) {
  const action = (name: string) => `mutation ${name[0].toUpperCase() + name.slice(1)}($taskId: ID!) { ${name}(taskId: $taskId) { ${STATUS_FIELDS} } }`;
  const cancel = useMutation<{ cancelTask: TaskStatus }>(action('cancelTask'));
  const rerun = useMutation<{ rerunTask: TaskStatus }>(action('rerunTask'));
  const schedule = useMutation<{ scheduleTask: TaskStatus }>(action('scheduleTask'));
  const resolved = isResolved(status.state);
  const error = cancel.error ?? rerun.error ?? schedule.error;
  const latest = status.runs.at(-1);
  return (
    <div>
      <div className="row" role="group" aria-label="Task actions">
        {latest && (
          <Link className="button" href={logPath(taskId, latest.runId)}>
            Log of run {latest.runId}
          </Link>
        )}
        <button
          type="button"
          disabled={resolved || cancel.running}
          onClick={async () => {
            const d = await cancel.run({ taskId });
            if (d) onStatus(d.cancelTask);
          }}
          title="Resolves the task exception/canceled"
        >
          Cancel
        </button>
        <button
          type="button"
          disabled={!resolved || rerun.running}
          onClick={async () => {
            const d = await rerun.run({ taskId });
            if (d) onStatus(d.rerunTask);
          }}
          title="Adds a new run to a resolved task"
        >
          Rerun
        </button>
        <button
          type="button"
          disabled={status.state !== 'unscheduled' || schedule.running}
          onClick={async () => {
            const d = await schedule.run({ taskId });
            if (d) onStatus(d.scheduleTask);
          }}
          title="Makes an unscheduled task pending, whatever its dependencies"
        >
          Schedule now
        </button>
      </div>
      {error && (
        <div style={{ marginTop: 10 }}>
          <ErrorPanel error={error} />
        </div>
      )}
    </div>
  );
}

function Runs({ taskId, status }: { taskId: string; status: TaskStatus }) {
  return (
    <section className="card" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      {status.runs.length === 0 ? (
        <p className="muted">No run yet: the task waits for its dependencies (or to be scheduled).</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="runs">
            <thead>
              <tr>
                <th>Run</th>
                <th>State</th>
                <th>Why</th>
                <th>Worker</th>
                <th>Started</th>
                <th>Resolved</th>
              </tr>
            </thead>
            <tbody>
              {status.runs.map((run) => (
                <tr key={run.runId}>
                  <td>
                    <Link href={logPath(taskId, run.runId)} title={`Log of run ${run.runId}`}>
                      {run.runId}
                    </Link>
                  </td>
                  <td>
                    <StateBadge state={run.state} />
                  </td>
                  <td className="small">
                    {run.reasonCreated}
                    {run.reasonResolved ? ` → ${run.reasonResolved}` : ''}
                  </td>
                  <td className="small mono">{run.workerId ? `${run.workerGroup}/${run.workerId}` : '—'}</td>
                  <td className="small">
                    <Time value={run.started} />
                  </td>
                  <td className="small">
                    <Time value={run.resolved} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Artifacts({ taskId, runs, latest }: { taskId: string; runs: number[]; latest: number | undefined }) {
  const [chosen, setChosen] = useState<number | undefined>();
  const runId = chosen ?? latest;
  const state = useQuery<{ artifacts: { nodes: Artifact[] } }>(
    `query Artifacts($taskId: ID!, $runId: Int!) { artifacts(taskId: $taskId, runId: $runId, first: 1000) { nodes { ${ARTIFACT_FIELDS} } } }`,
    { taskId, runId: runId ?? 0 },
    { skip: runId === undefined },
  );
  useSubscription<{ artifactCreated: Artifact }>(
    `subscription ArtifactCreated($taskId: ID!) { artifactCreated(taskId: $taskId) { ${ARTIFACT_FIELDS} } }`,
    { taskId },
    (data) => {
      const artifact = data.artifactCreated;
      if (artifact.runId !== runId) return;
      state.setData((d) => d && { artifacts: { nodes: [...d.artifacts.nodes.filter((a) => a.name !== artifact.name), artifact].sort((a, b) => a.name.localeCompare(b.name)) } });
    },
    runId !== undefined,
  );
  return (
    <section className="card" aria-labelledby="artifacts-title">
      <div className="page-head" style={{ marginBottom: 0 }}>
        <h2 id="artifacts-title" style={{ margin: 0 }}>
          Artifacts
        </h2>
        {runs.length > 1 && (
          <label className="row small" style={{ fontWeight: 'normal' }}>
            Run
            <select value={runId} onChange={(e) => setChosen(Number(e.target.value))} style={{ width: 'auto' }}>
              {runs.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      {runId === undefined ? (
        <p className="muted">No run, no artifacts.</p>
      ) : state.error ? (
        <ErrorPanel error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading what="Loading artifacts" />
      ) : state.data.artifacts.nodes.length === 0 ? (
        <p className="muted">Run {runId} has no artifacts yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="artifacts">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Size</th>
                <th>Expires</th>
              </tr>
            </thead>
            <tbody>
              {state.data.artifacts.nodes.map((a) => (
                <tr key={a.name}>
                  <td className="mono">
                    {a.storageType === 'error' ? (
                      <span title={a.message ?? ''}>
                        {a.name} <span className="badge state-failed">{a.reason}</span>
                      </span>
                    ) : a.present ? (
                      <ArtifactLink path={a.downloadPath} name={a.name} />
                    ) : (
                      <span className="muted">{a.name} (uploading)</span>
                    )}
                    {a.name === 'public/logs/live.log' && (
                      <>
                        {' '}
                        · <Link href={logPath(taskId, runId)}>view</Link>
                      </>
                    )}
                  </td>
                  <td className="small">
                    {a.storageType}
                    {a.contentType ? ` · ${a.contentType}` : ''}
                  </td>
                  <td className="small">{formatBytes(a.contentLength)}</td>
                  <td className="small">
                    <Time value={a.expires} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Related({ dependencies, dependents, requires }: { dependencies: string[]; dependents: { totalCount: number; nodes: { taskId: string; state: string }[] }; requires: string }) {
  const ids = useMemo(() => [...dependencies.slice(0, 200), ...dependents.nodes.map((n) => n.taskId)], [dependencies, dependents]);
  const names = useQuery<Related>(`query Related($taskIds: [ID!]!) { tasks(taskIds: $taskIds) { taskId metadata { name } status { state } } }`, { taskIds: ids }, { skip: ids.length === 0 });
  const byId = new Map((names.data?.tasks ?? []).filter((t): t is NonNullable<typeof t> => !!t).map((t) => [t.taskId, t]));
  const item = (id: string, fallbackState?: string) => {
    const t = byId.get(id);
    return (
      <li key={id}>
        <Link href={`/tasks/${id}`}>{t?.metadata.name ?? id}</Link> {(t?.status.state ?? fallbackState) && <StateBadge state={t?.status.state ?? fallbackState!} />}
      </li>
    );
  };
  return (
    <section className="grid-2">
      <div className="card" data-testid="dependencies">
        <h2>Dependencies ({dependencies.length})</h2>
        {dependencies.length === 0 ? (
          <p className="muted">None: the task was pending as soon as it was created.</p>
        ) : (
          <>
            <p className="small muted">Pending once all of them have {requires === 'all-resolved' ? 'resolved' : 'completed'}.</p>
            <ul>{dependencies.slice(0, 200).map((id) => item(id))}</ul>
          </>
        )}
      </div>
      <div className="card" data-testid="dependents">
        <h2>Dependents ({dependents.totalCount})</h2>
        {dependents.totalCount === 0 ? <p className="muted">No task waits for this one.</p> : <ul>{dependents.nodes.map((n) => item(n.taskId, n.state))}</ul>}
      </div>
    </section>
  );
}
