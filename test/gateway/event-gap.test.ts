// Redis drops and comes back: events published meanwhile are lost to subscribers, so the gateway
// closes its WebSockets with 1013 and clients resume from their last-seen position; commands
// committed while Redis is away answer at once. Needs TEST_REDIS_URL (CI sets it).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { wsClient, wsSubscribe } from '../support/graphql';
import { claim, createTask, uniqueQueue } from '../support/tasks';
import { expectNoOpenSockets } from './leaks';
import { TcpProxy } from './tcp-proxy';

const redisUrl = process.env.TEST_REDIS_URL;
const RESUME = 'subscription ($id: ID!, $since: Int) { taskStatusChanged(taskId: $id, since: $since) { state changes } }';

describe.skipIf(!redisUrl)('an event bus that drops and comes back', () => {
  let proxy: TcpProxy;
  let t: TestGateway;
  const clients: Client[] = [];

  beforeAll(async () => {
    const redis = new URL(redisUrl!);
    proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    t = await startTestGateway('sqlite', { env: { PUBSUB_URL: `redis://127.0.0.1:${proxy.port}` } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await t?.close();
    await proxy?.close();
    await expectNoOpenSockets();
  });

  it('answers commands while Redis is away, then closes sockets with 1013 so subscribers resume', async () => {
    const queue = uniqueQueue();
    const task = await createTask(t, { taskQueueId: queue });
    let closeCode: number | undefined;
    const client = createClient({
      url: t.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${t.root}` },
      retryAttempts: 0,
      on: { closed: (event) => (closeCode ??= (event as { code: number }).code) },
    });
    clients.push(client);
    const before = wsSubscribe(client, RESUME, { id: task.taskId, since: 0 });
    expect((await before.waitFor(1))[0].data!.taskStatusChanged).toEqual({ state: 'pending', changes: 1 });

    await proxy.cut();
    // The claim commits and answers although its event cannot reach Redis now.
    const [claimed] = await claim(t, queue);
    expect(claimed.runId).toBe(0);
    await proxy.restore();

    const deadline = Date.now() + 20_000;
    while (closeCode === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closeCode).toBe(1013);

    // Resuming from the last status seen finds the change the bus may have dropped.
    const again = wsClient(t.url, t.root);
    clients.push(again);
    const after = wsSubscribe(again, RESUME, { id: task.taskId, since: 1 });
    expect((await after.waitFor(1))[0].data!.taskStatusChanged).toEqual({ state: 'running', changes: 2 });
    after.stop();
  });
});
