import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { claim, createTask, report, status, uniqueQueue } from '../support/tasks';

describe.each(databaseKinds)('a task end to end on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('goes pending → running → completed through create, claim and report', async () => {
    const queue = uniqueQueue();
    const created = await createTask(t, { taskQueueId: queue });
    expect(created.state).toBe('pending');
    const [c] = await claim(t, queue);
    expect(c.task.taskId).toBe(created.taskId);
    expect(c.status.state).toBe('running');
    const done = await report(t, 'reportCompleted', created.taskId, c.runId, c.auth);
    expect(done.errors).toBeUndefined();
    expect((await status(t, created.taskId)).state).toBe('completed');
  });
});
