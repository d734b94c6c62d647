// The task, log and group inspectors in a real browser, against a real gateway and a real worker:
// the hello-world tutorial's task with its log lines arriving live, a 100,000-line log, and a
// 10,000-task group. Skipped without TEST_BROWSER (see support.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractBlocks } from '../../portal/lib/samples';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { claim, createTask, makeTask, newTaskId, STATUS_FIELDS, uniqueQueue } from '../support/tasks';
import { killWorkers, makeWorkerClient, spawnWorker, tempArtifactsUrl } from '../workers/worker-process';
import type { WebSocketRoute } from 'playwright-core';
import { BROWSER, BUILD_TIMEOUT_MS, eventually, hasText, ROOT_AUTH, screenshot, startPortalStack, visible, WAIT_MS, type PortalStack } from './support';

const HELLO = path.resolve(__dirname, '..', '..', 'portal', 'content', 'hello-world.mdx');

/** The task definition of the hello-world tutorial, as its variables block gives it. */
function helloWorldTask(): Record<string, unknown> {
  const block = extractBlocks(fs.readFileSync(HELLO, 'utf8')).find((b) => b.meta.variables && b.text.includes('"task"'));
  if (!block) throw new Error('the hello-world tutorial has no task definition');
  const now = Date.now();
  const text = block.text.replace('{{now}}', new Date(now).toISOString()).replace('{{now+1h}}', new Date(now + 3600_000).toISOString());
  return JSON.parse(text.replace(/\{\{slug:\w+\}\}/g, 'X')).task;
}

describe.skipIf(!BROWSER).each(databaseKinds)('task, log and group pages on %s', (kind) => {
  let s: PortalStack;
  const artifacts = tempArtifactsUrl();
  beforeAll(async () => {
    s = await startPortalStack(kind, { env: { ARTIFACTS_URL: artifacts.url, GRAPHQL_MAX_BODY_BYTES: '16777216' } });
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await killWorkers();
    await s?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  it('runs the hello-world tutorial’s task from the portal and shows its log lines as they arrive', async () => {
    const queue = uniqueQueue();
    const task = { ...helloWorldTask(), taskQueueId: queue };
    const page = await s.open('/tasks', { auth: ROOT_AUTH });
    await page.getByLabel('Definition (JSON)').fill(JSON.stringify(task, null, 2));
    await page.getByRole('button', { name: 'Create task' }).click();
    await page.waitForURL(/\/tasks\/[A-Za-z0-9_-]{22}$/);
    const taskId = page.url().split('/').pop()!;
    await hasText(page.getByTestId('task-state'), 'pending');
    await page.getByRole('link', { name: 'Log of run 0' }).click();
    await page.waitForURL(/\/runs\/0\/log$/);
    // No worker yet: the page is open and live before the first line exists.
    await hasText(page.getByTestId('empty'), 'Waiting for the first line');
    expect(await page.getByTestId('log-phase').getAttribute('data-phase')).toBe('live');

    const worker = spawnWorker(s.t, { pool: queue, client: await makeWorkerClient(s.t, queue) });
    await hasText(page.getByTestId('log-lines'), 'hello world', 30_000);
    await hasText(page.getByTestId('log-phase'), 'complete', 30_000);
    await hasText(page.getByTestId('log-lines'), 'done');
    if (kind === 'sqlite') await screenshot(page, 'log-viewer');
    // The raw log is the same file.
    const raw = await page.request.get(new URL((await page.getByTestId('raw-log').getAttribute('href'))!, s.portal.url).toString());
    expect(await raw.text()).toContain('hello world');

    // task → artifact: the tutorial's file downloads through the portal.
    await page.goto(`${s.portal.url}/tasks/${taskId}`);
    await hasText(page.getByTestId('task-state'), 'completed');
    const link = page.locator('[data-artifact="public/hello.txt"]');
    await visible(link);
    const file = await page.request.get(new URL((await link.getAttribute('href'))!, s.portal.url).toString());
    expect(await file.text()).toContain('hello from Taskgate');
    if (kind === 'sqlite') await screenshot(page, 'task');
    // task → group
    await page.getByRole('link', { name: `Group ${taskId}` }).first().click();
    await page.waitForURL(new RegExp(`/groups/${taskId}$`));
    await hasText(page.getByTestId('group-tasks'), 'hello world');
    worker.process.kill('SIGTERM');
    await worker.exited;
    await page.context().close();
  }, 120_000);

  it('shows live status changes and runs the cancel and rerun actions', async () => {
    const queue = uniqueQueue();
    const created = await createTask(s.t, { taskQueueId: queue, metadata: { name: 'to be claimed', owner: 'me@example.com', source: 'https://example.com' } });
    const page = await s.open(`/tasks/${created.taskId}`, { auth: ROOT_AUTH });
    await hasText(page.getByTestId('task-state'), 'pending');
    await hasText(page.getByTestId('live-status'), 'live');
    await claim(s.t, queue);
    await hasText(page.getByTestId('task-state'), 'running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await hasText(page.getByTestId('task-state'), 'exception');
    await hasText(page.getByTestId('runs'), 'canceled');
    await page.getByRole('button', { name: 'Rerun' }).click();
    await hasText(page.getByTestId('task-state'), 'pending');
    const status = await s.t.ok(`query ($t: ID!) { task(taskId: $t) { status { ${STATUS_FIELDS} } } }`, { t: created.taskId });
    expect(status.task.status.runs.map((r: any) => r.reasonCreated)).toEqual(['scheduled', 'rerun']);
    await page.context().close();
  }, 120_000);

  it('follows a 100,000-line log: all lines, the end in view, line links, and new lines as they come', async () => {
    const queue = uniqueQueue();
    const created = await createTask(s.t, { taskQueueId: queue });
    const [c] = await claim(s.t, queue);
    const append = (fromLine: number, lines: string[]) =>
      s.t.ok(`mutation ($t: ID!, $r: Int!, $f: Int!, $l: [String!]!) { appendTaskLog(taskId: $t, runId: $r, fromLine: $f, lines: $l) }`, { t: created.taskId, r: c.runId, f: fromLine, l: lines }, c.auth);
    for (let from = 0; from < 100_000; from += 10_000) {
      await append(from, Array.from({ length: 10_000 }, (_, i) => `line ${from + i} of a long build log`));
    }
    const page = await s.open(`/tasks/${created.taskId}/runs/${c.runId}/log`, { auth: ROOT_AUTH });
    await hasText(page.getByTestId('line-count'), '100,000 lines', 30_000);
    // Following: the last line is in view, and only the lines in view are in the page.
    await hasText(page.getByTestId('log-lines'), 'line 99999 of a long build log');
    expect(await page.locator('[data-testid="log-lines"] [role="listitem"]').count()).toBeLessThan(200);
    await append(100_000, ['a fresh line', 'and another']);
    await hasText(page.getByTestId('line-count'), '100,002 lines');
    await hasText(page.getByTestId('log-lines'), 'and another');
    if (kind === 'sqlite') await screenshot(page, 'log-100k', false);

    // A line link opens scrolled to that line, highlighted.
    await page.goto(`${s.portal.url}/tasks/${created.taskId}/runs/${c.runId}/log#L50001`);
    await hasText(page.getByTestId('line-count'), '100,002 lines', 30_000);
    const target = page.locator('#L50001');
    await visible(target);
    expect(await target.getAttribute('class')).toContain('target');
    expect(await target.innerText()).toContain('line 50000 of a long build log');
    // Clicking a line number makes it the link.
    await page.locator('#L50003 a.ln').click();
    expect(new URL(page.url()).hash).toBe('#L50003');
    await s.t.gql(`mutation ($t: ID!, $r: Int!) { reportCompleted(taskId: $t, runId: $r) { state } }`, { t: created.taskId, r: c.runId }, c.auth);
    await hasText(page.getByTestId('log-phase'), 'complete');
    await page.context().close();
  }, 120_000);

  it('opens a 10,000-task group: counts filter, search by name, a virtualized list, and live updates', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const ids: string[] = [];
    for (let batch = 0; batch < 5; batch++) {
      const tasks = Array.from({ length: 2000 }, (_, i) => {
        const n = batch * 2000 + i;
        const taskId = newTaskId();
        ids.push(taskId);
        return { taskId, task: makeTask({ taskQueueId: queue, taskGroupId, metadata: { name: `shard ${String(n).padStart(5, '0')}`, owner: 'me@example.com', source: 'https://example.com' }, payload: {} }) };
      });
      await s.t.ok(`mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId } }`, { tasks }, s.t.root);
    }
    const page = await s.open(`/groups/${taskGroupId}`, { auth: ROOT_AUTH });
    const progress = page.getByTestId('group-progress');
    await eventually(() => progress.getAttribute('data-loaded'), (v) => v === 'true', 60_000, 'all 10,000 tasks loaded');
    await hasText(progress, '10,000 shown');
    await hasText(page.getByTestId('state-filters').locator('[data-state="all"]'), '10,000');
    await hasText(page.getByTestId('state-filters').locator('[data-state="pending"]'), '10,000');
    // Virtualized: a few dozen rows in the page, not 10,000.
    expect(await page.locator('[data-testid="group-tasks"] [role="listitem"]').count()).toBeLessThan(100);
    if (kind === 'sqlite') await screenshot(page, 'group-10000', false);

    // Search by name.
    await page.getByLabel('Search tasks by name').fill('shard 09999');
    await hasText(progress, '1 shown');
    await hasText(page.getByTestId('group-tasks'), 'shard 09999');
    await page.getByLabel('Search tasks by name').fill('');

    // Live: claiming and completing two tasks moves them, and the counts follow.
    const claims = await claim(s.t, queue, { tasks: 2 });
    for (const c of claims) await s.t.gql(`mutation ($t: ID!, $r: Int!) { reportCompleted(taskId: $t, runId: $r) { state } }`, { t: c.task.taskId, r: c.runId }, c.auth);
    await hasText(page.getByTestId('state-filters').locator('[data-state="completed"]'), /completed\s+2/);
    await hasText(page.getByTestId('state-filters').locator('[data-state="pending"]'), '9,998');
    // The counts are filters.
    await page.getByTestId('state-filters').locator('[data-state="completed"]').click();
    await hasText(progress, '2 shown');
    const rows = await page.getByTestId('group-tasks').innerText();
    expect(rows).toContain('completed');
    expect(rows).not.toContain('pending');

    // Keyboard: the rows are links reached with the arrow keys.
    await page.getByTestId('state-filters').locator('[data-state="all"]').click();
    await page.locator('[data-testid="group-tasks"] a').first().focus();
    await page.keyboard.press('End');
    await eventually(() => page.evaluate(() => (globalThis as any).document.activeElement?.innerText ?? ''), (text) => text.includes('shard'), 5000, 'a row has the focus');
    expect(ids).toHaveLength(10_000);
    await page.context().close();
  }, 120_000);

  it('catches up on changes made while its live connection was down', async () => {
    const queue = uniqueQueue();
    const taskGroupId = newTaskId();
    const tasks = Array.from({ length: 3 }, (_, i) => ({
      taskId: newTaskId(),
      task: makeTask({ taskQueueId: queue, taskGroupId, metadata: { name: `step ${i}`, owner: 'me@example.com', source: 'https://example.com' } }),
    }));
    await s.t.ok(`mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId } }`, { tasks }, s.t.root);
    const page = await s.open(`/groups/${taskGroupId}`, { auth: ROOT_AUTH });
    // The page's WebSockets go through the test, which can then drop them.
    const sockets: { page: WebSocketRoute; server: WebSocketRoute }[] = [];
    await page.context().routeWebSocket(/\/graphql/, (ws) => {
      sockets.push({ page: ws, server: ws.connectToServer() });
    });
    await page.reload();
    await eventually(() => page.getByTestId('group-progress').getAttribute('data-loaded'), (v) => v === 'true', WAIT_MS, 'the group loaded');
    await hasText(page.getByTestId('group-live'), 'live');
    // Past the check the page makes once after loading, so only a reconnection can catch up.
    await new Promise((resolve) => setTimeout(resolve, 2500));

    // Every socket the page opened so far (a sign-in may have replaced its first client).
    const dropped = sockets.length;
    expect(dropped).toBeGreaterThan(0);
    for (const socket of sockets) {
      await socket.server.close({ code: 1012, reason: 'dropped by the test' }).catch(() => undefined);
      await socket.page.close({ code: 1012, reason: 'dropped by the test' }).catch(() => undefined);
    }
    // graphql-ws waits over a second before its first retry: the change below happens unseen.
    const [c] = await claim(s.t, queue);
    await s.t.ok(`mutation ($t: ID!, $r: Int!) { reportCompleted(taskId: $t, runId: $r) { state } }`, { t: c.task.taskId, r: c.runId }, c.auth);
    await eventually(async () => sockets.length, (n) => n > dropped, 20_000, 'the page reconnected');
    await hasText(page.getByTestId('state-filters').locator('[data-state="completed"]'), /completed\s+1/, 20_000);
    await hasText(page.getByTestId('state-filters').locator('[data-state="pending"]'), /pending\s+2/);
    await page.context().close();
  }, 120_000);

  it('draws the group’s dependency graph', async () => {
    const queue = uniqueQueue();
    const root = newTaskId();
    const child = newTaskId();
    const meta = (name: string) => ({ name, owner: 'me@example.com', source: 'https://example.com' });
    await s.t.ok(
      `mutation ($tasks: [TaskGraphEntry!]!) { createTaskGraph(tasks: $tasks) { taskId } }`,
      {
        tasks: [
          { taskId: root, task: makeTask({ taskQueueId: queue, taskGroupId: root, metadata: meta('compile') }) },
          { taskId: child, task: makeTask({ taskQueueId: queue, taskGroupId: root, dependencies: [root], metadata: meta('package') }) },
        ],
      },
      s.t.root,
    );
    const page = await s.open(`/groups/${root}`, { auth: ROOT_AUTH });
    await page.getByRole('tab', { name: 'Graph' }).click();
    const graph = page.getByTestId('group-graph');
    await hasText(graph, 'compile');
    await hasText(graph, 'package');
    expect(await graph.locator('path[marker-end]').count()).toBe(1);
    if (kind === 'sqlite') await screenshot(page, 'group-graph', false);
    await page.context().close();
  }, 120_000);
});
