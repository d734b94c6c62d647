// Two gateway processes sharing one database and one Redis: what happens through one is seen by
// subscribers and long-polling claimers on the other. Needs TEST_REDIS_URL (CI sets it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { gql, gqlOk, wsClient, wsSubscribe } from '../support/graphql';
import { ROOT_TOKEN } from '../support/gateway';
import { CLAIM_WORK, CREATE_TASK, makeTask, newTaskId, uniqueQueue } from '../support/tasks';
import { startReplicas, type GatewayChild, type Replicas } from '../gateway/child';

const redisUrl = process.env.TEST_REDIS_URL;
const root = `root:${ROOT_TOKEN}`;

describe.skipIf(!redisUrl).each(databaseKinds)('two gateway processes on one %s database and Redis', (kind) => {
  let replicas: Replicas;
  let a: GatewayChild;
  let b: GatewayChild;

  beforeAll(async () => {
    replicas = await startReplicas(kind, redisUrl!);
    ({ a, b } = replicas);
  }, 120_000);

  afterAll(async () => {
    await replicas?.stop();
  });

  it('delivers a status change made through one gateway to a subscriber on the other', async () => {
    const queue = uniqueQueue();
    const taskId = newTaskId();
    await gqlOk(a.url, CREATE_TASK, { taskId, task: makeTask({ taskQueueId: queue }) }, root);
    const client = wsClient(b.url, root);
    try {
      const sub = wsSubscribe(client, 'subscription ($t: ID!) { taskStatusChanged(taskId: $t) { state } }', { t: taskId });
      // The subscription is live once the server has subscribed to Redis, which the protocol does
      // not announce: claim, then keep making harmless changes until one is seen.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await gqlOk(a.url, CLAIM_WORK, { q: queue, g: 'g', w: 'w1', n: 1 }, root)).claimWork).toHaveLength(1);
      const priorities = ['high', 'low'];
      for (let i = 0; i < 20 && sub.events.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (sub.events.length) break;
        await gqlOk(a.url, 'mutation ($t: ID!, $p: String!) { changeTaskPriority(taskId: $t, priority: $p) { state } }', { t: taskId, p: priorities[i % 2] }, root);
      }
      const [event] = await sub.waitFor(1);
      expect(event.data!.taskStatusChanged.state).toBe('running');
      sub.stop();
    } finally {
      await client.dispose();
    }
  });

  it('wakes a claimer long-polling on one gateway when a task is created through the other', async () => {
    const queue = uniqueQueue();
    const taskId = newTaskId();
    const polling = gql(b.url, CLAIM_WORK, { q: queue, g: 'g', w: 'w2', n: 1 }, root);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await gqlOk(a.url, CREATE_TASK, { taskId, task: makeTask({ taskQueueId: queue }) }, root);
    const result = await polling;
    expect(result.errors).toBeUndefined();
    expect(result.data!.claimWork.map((c: any) => c.task.taskId)).toEqual([taskId]);
  });
});
