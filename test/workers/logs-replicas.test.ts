// Live logs across two gateway processes on one database and Redis: a worker streams through one,
// subscribers on the other get every line once, in order, and the same log is served by both.
// Needs TEST_REDIS_URL (CI sets it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type GatewayChild, type Replicas } from '../gateway/child';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { ROOT_TOKEN, type TestGateway } from '../support/gateway';
import { gql, gqlOk, wsClient } from '../support/graphql';
import { uniqueQueue } from '../support/tasks';
import { createWorkTask, killWorkers, makeWorkerClient, nodeCommand, readLog, spawnWorker, taskLines, waitForTask } from './worker-process';

const redisUrl = process.env.TEST_REDIS_URL;

/** The helpers need only the URL and root credentials of the gateway they talk to. */
function handle(gateway: GatewayChild): TestGateway {
  const url = gateway.url;
  const root = `root:${ROOT_TOKEN}`;
  return { url, root, gql: (q, v, a, h) => gql(url, q, v, a, h), ok: (q, v, a) => gqlOk(url, q, v, a ?? root) } as TestGateway;
}

describe.skipIf(!redisUrl).each(databaseKinds)('live logs across two gateway processes on %s and Redis', (kind) => {
  let replicas: Replicas;
  let a: GatewayChild;
  let b: GatewayChild;

  beforeAll(async () => {
    replicas = await startReplicas(kind, redisUrl!);
    ({ a, b } = replicas);
  }, 120_000);

  afterAll(async () => {
    await killWorkers();
    await replicas?.stop();
    await expectNoOpenSockets();
  });

  it('streams lines appended through one gateway to subscribers of the other', async () => {
    const ta = handle(a);
    const pool = uniqueQueue();
    const worker = spawnWorker(ta, { pool, client: await makeWorkerClient(ta, pool) });
    const script = `let i = 0; const timer = setInterval(() => { console.log('line ' + i); if (++i === 200) clearInterval(timer); }, 10);`;
    const task = await createWorkTask(ta, pool, { command: nodeCommand(script) });

    const client = wsClient(b.url);
    const messages: { fromLine: number; lines: string[] }[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        client.subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
          { query: 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 0) { fromLine lines } }', variables: { t: task.taskId } },
          { next: ({ data }) => data && messages.push(data.taskLog), error: reject, complete: resolve },
        );
      });
    } finally {
      await client.dispose();
    }
    await waitForTask(ta, task.taskId).catch((error) => {
      throw new Error(`${error.message}\n${worker.output().slice(-3000)}`);
    });
    let next = 0;
    for (const message of messages) {
      expect(message.fromLine).toBe(next);
      next += message.lines.length;
    }
    const lines = messages.flatMap((m) => m.lines);
    expect(taskLines(lines.join('\n'))).toEqual(Array.from({ length: 200 }, (_, i) => `line ${i}`));
    expect(lines.map((l) => `${l}\n`).join('')).toBe(await readLog(handle(b), task.taskId));
  });
});
