'use client';
// Create or change a worker pool: its whole definition as JSON (WorkerPoolInput).
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { ErrorPanel } from '@/components/States';
import { useMutation } from '@/lib/hooks';

export interface PoolDefinition {
  providerId: string;
  description: string;
  owner: string;
  config: {
    minCapacity: number;
    maxCapacity: number;
    scalingRatio: number;
    launchConfigs: { launchConfigId: string; capacityPerInstance: number; initialWeight: number; maxCapacity: number; costPerHour: number | null; env: Record<string, unknown> }[];
    lifecycle: { registrationTimeout: number; queueInactivityTimeout: number; reregistrationTimeout: number };
  };
}

const EXAMPLE = {
  providerId: 'local',
  description: 'What the pool is for',
  owner: 'me@example.com',
  config: { minCapacity: 0, maxCapacity: 4, scalingRatio: 1, launchConfigs: [{ launchConfigId: 'default', capacityPerInstance: 1, initialWeight: 1 }] },
};

function toInput(pool: PoolDefinition) {
  return {
    providerId: pool.providerId,
    description: pool.description,
    owner: pool.owner,
    config: {
      minCapacity: pool.config.minCapacity,
      maxCapacity: pool.config.maxCapacity,
      scalingRatio: pool.config.scalingRatio,
      launchConfigs: pool.config.launchConfigs.map((lc) => ({ ...lc, costPerHour: lc.costPerHour ?? undefined })),
      lifecycle: pool.config.lifecycle,
    },
  };
}

export function PoolEditor({ workerPoolId, initial, onSaved }: { workerPoolId?: string; initial?: PoolDefinition; onSaved?: () => void }) {
  const router = useRouter();
  const creating = workerPoolId === undefined;
  const [id, setId] = useState('');
  const [text, setText] = useState(JSON.stringify(initial ? toInput(initial) : EXAMPLE, null, 2));
  const [parseError, setParseError] = useState<string | undefined>();
  const create = useMutation<{ createWorkerPool: { workerPoolId: string } }>(`mutation CreatePool($id: String!, $pool: WorkerPoolInput!) { createWorkerPool(workerPoolId: $id, pool: $pool) { workerPoolId } }`);
  const update = useMutation<{ updateWorkerPool: { workerPoolId: string } }>(`mutation UpdatePool($id: String!, $pool: WorkerPoolInput!) { updateWorkerPool(workerPoolId: $id, pool: $pool) { workerPoolId } }`);
  return (
    <form
      className="card"
      onSubmit={async (event) => {
        event.preventDefault();
        setParseError(undefined);
        let pool: unknown;
        try {
          pool = JSON.parse(text);
        } catch (e) {
          setParseError(`Not valid JSON: ${(e as Error).message}`);
          return;
        }
        if (creating) {
          const data = await create.run({ id: id.trim(), pool });
          if (data) router.push(`/pools/view?id=${encodeURIComponent(data.createWorkerPool.workerPoolId)}`);
        } else if (await update.run({ id: workerPoolId, pool })) onSaved?.();
      }}
    >
      <h2>{creating ? 'New worker pool' : 'Edit the pool'}</h2>
      {creating && (
        <>
          <label htmlFor="pool-id">Worker pool id (also its task queue)</label>
          <input id="pool-id" className="mono" required value={id} onChange={(e) => setId(e.target.value)} placeholder="proj-hello/builder" />
        </>
      )}
      <label htmlFor="pool-definition">Definition (WorkerPoolInput as JSON)</label>
      <textarea id="pool-definition" value={text} onChange={(e) => setText(e.target.value)} rows={18} spellCheck={false} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={create.running || update.running}>
          {creating ? 'Create pool' : 'Save'}
        </button>
      </div>
      {parseError && (
        <div className="alert" role="alert">
          {parseError}
        </div>
      )}
      {(create.error || update.error) && <ErrorPanel error={create.error ?? update.error} />}
    </form>
  );
}
