'use client';
// One worker pool: capacity and what its queue asks for, workers by state, errors, config.
import Link from 'next/link';
import { useEffect, useState } from 'react';
import { ConfirmButton } from '@/components/ConfirmButton';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { Time } from '@/components/Time';
import { useMutation, useQuery } from '@/lib/hooks';
import { PoolEditor, type PoolDefinition } from './PoolEditor';

interface Pool extends PoolDefinition {
  workerPoolId: string;
  created: string;
  lastModified: string;
  stats: {
    pendingTasks: number;
    claimedTasks: number;
    currentCapacity: number;
    requestedCapacity: number;
    runningCapacity: number;
    stoppingCapacity: number;
    requestedCount: number;
    runningCount: number;
    stoppingCount: number;
    stoppedCount: number;
  };
}
interface Worker {
  workerGroup: string;
  workerId: string;
  state: string;
  capacity: number;
  launchConfigId: string | null;
  created: string;
  lastActive: string | null;
  stopReason: string | null;
}
interface PoolError {
  errorId: string;
  kind: string;
  title: string;
  description: string;
  launchConfigId: string | null;
  reported: string;
}

const WORKER_STATES = ['requested', 'running', 'stopping', 'stopped'] as const;
const POOL = `query Pool($id: String!, $state: String) {
  workerPool(workerPoolId: $id) {
    workerPoolId providerId description owner created lastModified
    config { minCapacity maxCapacity scalingRatio launchConfigs { launchConfigId capacityPerInstance initialWeight maxCapacity costPerHour env } lifecycle { registrationTimeout queueInactivityTimeout reregistrationTimeout } }
    stats { pendingTasks claimedTasks currentCapacity requestedCapacity runningCapacity stoppingCapacity requestedCount runningCount stoppingCount stoppedCount }
  }
  workers(workerPoolId: $id, state: $state, first: 500) { totalCount nodes { workerGroup workerId state capacity launchConfigId created lastActive stopReason } }
  workerPoolErrors(workerPoolId: $id, last: 20) { totalCount nodes { errorId kind title description launchConfigId reported } }
}`;

export function PoolInspector({ workerPoolId }: { workerPoolId: string }) {
  const [filter, setFilter] = useState<string | undefined>();
  const [editing, setEditing] = useState(false);
  const state = useQuery<{ workerPool: Pool | null; workers: { totalCount: number; nodes: Worker[] }; workerPoolErrors: { totalCount: number; nodes: PoolError[] } }>(
    POOL,
    { id: workerPoolId, state: filter ?? null },
    { skip: !workerPoolId },
  );
  const remove = useMutation<{ deleteWorkerPool: { providerId: string } }>(`mutation DeletePool($id: String!) { deleteWorkerPool(workerPoolId: $id) { providerId } }`);
  const reload = state.reload;
  useEffect(() => {
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [reload]);

  if (!workerPoolId) return <Empty>No pool given. Pick one from the <Link href="/pools">list</Link>.</Empty>;
  if (state.error && !state.data) return <ErrorPanel error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading what="Loading the pool" />;
  const pool = state.data.workerPool;
  if (!pool)
    return (
      <Empty>
        There is no worker pool <code>{workerPoolId}</code>. <Link href="/pools">All pools</Link>
      </Empty>
    );
  const s = pool.stats;
  const counts: Record<string, number> = { requested: s.requestedCount, running: s.runningCount, stopping: s.stoppingCount, stopped: s.stoppedCount };

  return (
    <div className="stack">
      <div className="page-head">
        <h1>
          Worker pool <span className="mono">{pool.workerPoolId}</span>
        </h1>
        <Link href="/pools">All pools</Link>
      </div>
      <p className="small muted">
        Provider <code>{pool.providerId}</code> · owner {pool.owner || '—'} · changed <Time value={pool.lastModified} /> · claims from the task queue <code>{pool.workerPoolId}</code>
      </p>
      {pool.description && <p>{pool.description}</p>}
      <div className="grid-2">
        <section className="card" aria-labelledby="capacity-title" data-testid="pool-capacity">
          <h2 id="capacity-title">Capacity</h2>
          <dl className="kv">
            <dt>Queue</dt>
            <dd>
              {s.pendingTasks} pending · {s.claimedTasks} claimed
            </dd>
            <dt>Capacity now</dt>
            <dd>
              {s.currentCapacity} (requested {s.requestedCapacity}, running {s.runningCapacity}, stopping {s.stoppingCapacity})
            </dd>
            <dt>Bounds</dt>
            <dd>
              min {pool.config.minCapacity} · max {pool.config.maxCapacity} · scaling ratio {pool.config.scalingRatio}
            </dd>
            <dt>Lifecycle</dt>
            <dd className="small">
              register within {pool.config.lifecycle.registrationTimeout} s · stop after {pool.config.lifecycle.queueInactivityTimeout} s idle · credentials last{' '}
              {pool.config.lifecycle.reregistrationTimeout} s
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="configs-title">
          <h2 id="configs-title">Launch configs</h2>
          <div className="table-wrap">
            <table className="small">
              <thead>
                <tr>
                  <th>Id</th>
                  <th>Capacity each</th>
                  <th>Weight</th>
                  <th>Max</th>
                  <th>Cost / h</th>
                </tr>
              </thead>
              <tbody>
                {pool.config.launchConfigs.map((lc) => (
                  <tr key={lc.launchConfigId}>
                    <td className="mono">{lc.launchConfigId}</td>
                    <td>{lc.capacityPerInstance}</td>
                    <td>{lc.initialWeight}</td>
                    <td>{lc.maxCapacity}</td>
                    <td>{lc.costPerHour ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      </div>
      <section className="card" aria-labelledby="workers-title">
        <h2 id="workers-title">Workers</h2>
        <div className="chips" role="group" aria-label="Workers by state" data-testid="worker-states">
          <button type="button" className="chip" aria-pressed={!filter} onClick={() => setFilter(undefined)}>
            all
          </button>
          {WORKER_STATES.map((ws) => (
            <button key={ws} type="button" className="chip" aria-pressed={filter === ws} onClick={() => setFilter(filter === ws ? undefined : ws)} data-state={ws}>
              {ws} <span className="count">{counts[ws]}</span>
            </button>
          ))}
        </div>
        {state.data.workers.nodes.length === 0 ? (
          <p className="muted">No {filter ?? ''} workers.</p>
        ) : (
          <div className="table-wrap">
            <table className="small" data-testid="workers">
              <thead>
                <tr>
                  <th>Worker</th>
                  <th>State</th>
                  <th>Capacity</th>
                  <th>Launch config</th>
                  <th>Requested</th>
                  <th>Last active</th>
                </tr>
              </thead>
              <tbody>
                {state.data.workers.nodes.map((w) => (
                  <tr key={`${w.workerGroup}/${w.workerId}`}>
                    <td className="mono">
                      {w.workerGroup}/{w.workerId}
                    </td>
                    <td>
                      {w.state}
                      {w.stopReason ? ` (${w.stopReason})` : ''}
                    </td>
                    <td>{w.capacity}</td>
                    <td className="mono">{w.launchConfigId ?? '—'}</td>
                    <td>
                      <Time value={w.created} />
                    </td>
                    <td>
                      <Time value={w.lastActive} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="errors-title" data-testid="pool-errors">
        <h2 id="errors-title">Errors ({state.data.workerPoolErrors.totalCount})</h2>
        {state.data.workerPoolErrors.nodes.length === 0 ? (
          <p className="muted">No errors in the last 7 days.</p>
        ) : (
          <ul>
            {[...state.data.workerPoolErrors.nodes].reverse().map((e) => (
              <li key={e.errorId}>
                <strong>{e.title}</strong> <span className="badge state-failed">{e.kind}</span> <Time value={e.reported} />
                {e.launchConfigId && <span className="small muted"> · config {e.launchConfigId}</span>}
                {e.description && <pre className="small">{e.description}</pre>}
              </li>
            ))}
          </ul>
        )}
      </section>
      <div className="form-actions">
        <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
          {editing ? 'Close the editor' : 'Edit the pool'}
        </button>
        <ConfirmButton
          label="Delete"
          confirm={`Delete pool ${pool.workerPoolId}? Its workers are stopped first.`}
          onConfirm={async () => {
            if (await remove.run({ id: pool.workerPoolId })) state.reload();
          }}
        />
      </div>
      {remove.error && <ErrorPanel error={remove.error} />}
      {editing && <PoolEditor workerPoolId={pool.workerPoolId} initial={pool} onSaved={() => state.reload()} />}
    </div>
  );
}
