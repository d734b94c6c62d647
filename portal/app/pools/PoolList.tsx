'use client';
import Link from 'next/link';
import { useEffect } from 'react';
import { Empty, ErrorPanel, Loading } from '@/components/States';
import { useQuery } from '@/lib/hooks';

interface PoolSummary {
  workerPoolId: string;
  providerId: string;
  description: string;
  config: { minCapacity: number; maxCapacity: number };
  stats: { pendingTasks: number; claimedTasks: number; currentCapacity: number; runningCount: number; requestedCount: number; stoppingCount: number };
}

export function PoolList() {
  const state = useQuery<{ workerPools: { nodes: PoolSummary[] } }>(
    `query WorkerPools { workerPools(first: 500) { nodes { workerPoolId providerId description config { minCapacity maxCapacity } stats { pendingTasks claimedTasks currentCapacity runningCount requestedCount stoppingCount } } } }`,
  );
  const reload = state.reload;
  useEffect(() => {
    const timer = setInterval(reload, 5000);
    return () => clearInterval(timer);
  }, [reload]);
  return (
    <div>
      <div className="page-head">
        <h1>Worker pools</h1>
        <Link className="button primary" href="/pools/new">
          New pool
        </Link>
      </div>
      <p className="muted" style={{ maxWidth: 760 }}>
        Each pool claims from the task queue of the same id; the provisioner starts and stops its workers to match the queue. Refreshed every 5
        seconds. See <Link href="/docs/worker-pools">worker pools and provisioning</Link>.
      </p>
      {state.error ? (
        <ErrorPanel error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading what="Loading worker pools" />
      ) : state.data.workerPools.nodes.length === 0 ? (
        <Empty>No worker pools yet.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="pool-list">
            <thead>
              <tr>
                <th>Pool</th>
                <th>Provider</th>
                <th>Pending</th>
                <th>Claimed</th>
                <th>Workers (req · run · stop)</th>
                <th>Capacity (now / min–max)</th>
              </tr>
            </thead>
            <tbody>
              {state.data.workerPools.nodes.map((pool) => (
                <tr key={pool.workerPoolId}>
                  <td className="mono">
                    <Link href={`/pools/view?id=${encodeURIComponent(pool.workerPoolId)}`}>{pool.workerPoolId}</Link>
                  </td>
                  <td>{pool.providerId}</td>
                  <td>{pool.stats.pendingTasks}</td>
                  <td>{pool.stats.claimedTasks}</td>
                  <td>
                    {pool.stats.requestedCount} · {pool.stats.runningCount} · {pool.stats.stoppingCount}
                  </td>
                  <td>
                    {pool.stats.currentCapacity} / {pool.config.minCapacity}–{pool.config.maxCapacity}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
