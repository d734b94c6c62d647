// A task that prints 50 MB: the worker streams it from disk and the gateway stores it in chunks,
// so neither holds it in memory — measured as each process's peak resident memory (VmHWM), not
// timed. A subscriber reading all of it from the start gets every line once, in order.
import fs from 'node:fs';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, killChildren, spawnGateway, waitUntilListening, type GatewayChild } from '../gateway/child';
import { expectNoOpenSockets } from '../gateway/leaks';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { CREDENTIALS_KEY, ROOT_TOKEN, SECRETS_KEYS, type TestGateway } from '../support/gateway';
import { gql, gqlOk, wsClient } from '../support/graphql';
import { uniqueQueue } from '../support/tasks';
import { createWorkTask, killWorkers, makeWorkerClient, nodeCommand, spawnWorker, tempArtifactsUrl, waitForTask } from './worker-process';

const MiB = 1024 * 1024;
const LINES = 500_000;
/** 500 writes of 1,000 lines of 99 `x` and a newline: 50,000,000 bytes. */
const PRINT_50MB = nodeCommand(`
  const chunk = ('x'.repeat(99) + '\\n').repeat(1000);
  let n = 0;
  const write = () => { while (n < ${LINES / 1000}) { n++; if (!process.stdout.write(chunk)) return process.stdout.once('drain', write); } };
  write();`);
const MAX_RSS = 300 * MiB;
/**
 * Each process also runs with a JavaScript heap too small to hold the log (an idle worker's heap
 * is ~20 MB, a gateway's ~40 MB; the log's 500,000 strings need ~60 MB more): one that kept it
 * would die of it, not merely grow.
 */
const WORKER_HEAP_MB = 48;
const GATEWAY_HEAP_MB = 80;

/** Peak resident memory of a process so far, from /proc. */
function peakRss(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match![1]) * 1024;
}

describe.each(databaseKinds)('a task printing 50 MB on %s', (kind) => {
  let database: TestDatabase;
  let gateway: GatewayChild;
  let t: TestGateway;
  const artifacts = tempArtifactsUrl();
  let client: Client | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const dataDir = fs.mkdtempSync(`${artifacts.url.slice('file:'.length)}-data`);
    gateway = spawnGateway({
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort()),
      ROOT_ACCESS_TOKEN: ROOT_TOKEN,
      CREDENTIALS_KEY,
      SECRETS_KEYS,
      ARTIFACTS_URL: artifacts.url,
      LOG_LEVEL: 'warn',
      NODE_OPTIONS: `--max-old-space-size=${GATEWAY_HEAP_MB}`,
    });
    await waitUntilListening(gateway);
    // The helpers only need the URL and the root credentials of the gateway they talk to.
    const url = gateway.url;
    t = {
      url,
      root: `root:${ROOT_TOKEN}`,
      gql: (query, variables, auth, headers) => gql(url, query, variables, auth, headers),
      ok: (query, variables, auth) => gqlOk(url, query, variables, auth ?? `root:${ROOT_TOKEN}`),
    } as TestGateway;
  });
  afterAll(async () => {
    await client?.dispose();
    await killWorkers();
    await killChildren();
    await database?.drop();
    fs.rmSync(`${artifacts.url.slice('file:'.length)}-data`, { recursive: true, force: true });
    artifacts.remove();
    await expectNoOpenSockets();
  });

  it('streams and stores it with bounded memory in the worker and the gateway', async () => {
    const pool = uniqueQueue();
    const worker = spawnWorker(t, { pool, client: await makeWorkerClient(t, pool), url: gateway.url, env: { NODE_OPTIONS: `--max-old-space-size=${WORKER_HEAP_MB}` } });
    const task = await createWorkTask(t, pool, { command: PRINT_50MB });

    // One subscriber follows the whole log from line 0, counting (not keeping) lines.
    client = wsClient(gateway.url);
    let next = 0;
    let xLines = 0;
    let problems = 0;
    const followed = new Promise<void>((resolve, reject) => {
      client!.subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
        { query: 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 0) { fromLine lines } }', variables: { t: task.taskId } },
        {
          next: ({ data }) => {
            if (!data || data.taskLog.fromLine !== next) problems++;
            else {
              next += data.taskLog.lines.length;
              for (const line of data.taskLog.lines) if (line.length === 99) xLines++;
            }
          },
          error: reject,
          complete: resolve,
        },
      );
    });

    const died = worker.exited.then(({ code, signal }) => {
      throw new Error(`the worker died (${signal ?? code}):\n${worker.output().slice(-3000)}`);
    });
    const done = await Promise.race([
      waitForTask(t, task.taskId, undefined, 240_000).catch((error) => {
        throw new Error(`${error.message}\n${worker.output().slice(-3000)}`);
      }),
      died,
    ]);
    died.catch(() => undefined);
    expect(done.state).toBe('completed');
    await followed;
    expect(problems).toBe(0);
    expect(xLines).toBe(LINES);

    const artifact = await fetch(`${new URL(gateway.url).origin}/artifacts/${task.taskId}/0/public/logs/live.log`);
    expect(artifact.status).toBe(200);
    let bytes = 0;
    let newlines = 0;
    for await (const chunk of artifact.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const byte of chunk) if (byte === 10) newlines++;
    }
    expect(bytes).toBeGreaterThan(50_000_000);
    expect(newlines).toBe(next);

    const workerPeak = peakRss(worker.process.pid!);
    const gatewayPeak = peakRss(gateway.process.pid!);
    console.log(`50 MB log on ${kind}: worker peak RSS ${(workerPeak / MiB).toFixed(0)} MiB, gateway peak RSS ${(gatewayPeak / MiB).toFixed(0)} MiB`);
    expect(workerPeak).toBeLessThan(MAX_RSS);
    expect(gatewayPeak).toBeLessThan(MAX_RSS);
  }, 300_000);
});
