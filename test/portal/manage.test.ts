// Secrets, hooks and worker pools pages, the explorer (queries and subscriptions) and the
// reference search, in a real browser. Skipped without TEST_BROWSER (see support.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { createTask } from '../support/tasks';
import { BROWSER, BUILD_TIMEOUT_MS, eventually, hasText, ROOT_AUTH, screenshot, startPortalStack, visible, type PortalStack } from './support';

describe.skipIf(!BROWSER).each(databaseKinds)('secrets, hooks, pools, explorer and reference on %s', (kind) => {
  let s: PortalStack;
  let ops: Set<string>;
  beforeAll(async () => {
    s = await startPortalStack(kind);
    const schema = await s.t.ok(`{ __schema { queryType { fields { name } } mutationType { fields { name } } } }`);
    ops = new Set([...schema.__schema.queryType.fields, ...schema.__schema.mutationType.fields].map((f: { name: string }) => f.name));
  }, BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await s?.close();
    await expectNoOpenSockets();
  });

  it('creates a secret and keeps its value hidden until asked for', async (ctx) => {
    if (!ops.has('setSecret')) return ctx.skip('secrets are not on this gateway yet');
    const page = await s.open('/secrets/new', { auth: ROOT_AUTH });
    await page.getByLabel('Name').fill('project/portal/db-password');
    await page.getByTestId('secret-value').fill('{ "password": "correct horse battery staple" }');
    await page.getByRole('button', { name: 'Create secret' }).click();
    await page.waitForURL(/\/secrets\/view\?name=project%2Fportal%2Fdb-password/);
    await visible(page.getByTestId('secret-hidden'));
    expect(await page.content()).not.toContain('correct horse');
    await page.getByRole('button', { name: 'Show value' }).click();
    expect(await page.getByTestId('secret-value').inputValue()).toContain('correct horse battery staple');
    await page.goto(`${s.portal.url}/secrets`);
    await hasText(page.getByTestId('secret-list'), 'project/portal/db-password');
    if (kind === 'sqlite') await screenshot(page, 'secrets');
    await page.context().close();
  });

  it('shows a hook’s next fires, triggers it with a payload, and lists the fire with its task', async (ctx) => {
    if (!ops.has('createHook')) return ctx.skip('hooks are not on this gateway yet');
    await s.t.ok(`mutation { createRole(roleId: "hook-id:portal-tests/*", role: { scopes: ["queue:create-task:lowest:portal-tests/*", "queue:scheduler-id:-"] }) { roleId } }`, {}, s.t.root);
    const hook = {
      metadata: { name: 'nightly portal', owner: 'me@example.com' },
      schedule: ['0 30 2 * * *'],
      triggerSchema: { type: 'object', properties: { message: { type: 'string', default: 'hi' } }, additionalProperties: false },
      task: {
        taskQueueId: 'portal-tests/hooks',
        created: { $eval: 'now' },
        deadline: { $fromNow: '1 hour', from: { $eval: 'now' } },
        metadata: { name: 'from the hook', owner: 'me@example.com', source: 'https://example.com' },
        payload: { message: '${payload.message}' },
      },
    };
    await s.t.ok(`mutation ($hook: HookInput!) { createHook(hookGroupId: "portal-tests", hookId: "nightly", hook: $hook) { hookId } }`, { hook }, s.t.root);
    const page = await s.open('/hooks/view?group=portal-tests&id=nightly', { auth: ROOT_AUTH });
    await hasText(page.getByTestId('next-fires'), '02:30:00');
    await page.getByLabel('Payload (checked against the trigger schema)').fill('{ "message": "from the portal" }');
    await page.getByRole('button', { name: 'Trigger now' }).click();
    await hasText(page.getByTestId('triggered'), 'Created task');
    await hasText(page.getByTestId('last-fires'), 'triggerHook', 20_000);
    await hasText(page.getByTestId('last-fires'), 'pending', 20_000);
    // A payload the schema refuses is shown as the gateway's error.
    await page.getByLabel('Payload (checked against the trigger schema)').fill('{ "message": 42 }');
    await page.getByRole('button', { name: 'Trigger now' }).click();
    await visible(page.locator('[data-code="BAD_USER_INPUT"]'));
    if (kind === 'sqlite') await screenshot(page, 'hook');
    await page.goto(`${s.portal.url}/hooks`);
    await hasText(page.getByTestId('hook-list'), 'nightly');
    await page.context().close();
  });

  it('shows a worker pool’s capacity, workers by state and errors', async (ctx) => {
    if (!ops.has('createWorkerPool')) return ctx.skip('worker pools are not on this gateway yet');
    await s.t.ok(
      `mutation ($pool: WorkerPoolInput!) { createWorkerPool(workerPoolId: "portal-tests/builder", pool: $pool) { workerPoolId } }`,
      { pool: { providerId: 'local', description: 'Builds for the portal tests', owner: 'me@example.com', config: { minCapacity: 0, maxCapacity: 3, launchConfigs: [{ launchConfigId: 'small', costPerHour: 0.02 }] } } },
      s.t.root,
    );
    await createTask(s.t, { taskQueueId: 'portal-tests/builder' });
    const page = await s.open('/pools', { auth: ROOT_AUTH });
    await hasText(page.getByTestId('pool-list'), 'portal-tests/builder');
    await page.getByRole('link', { name: 'portal-tests/builder' }).click();
    await hasText(page.getByTestId('pool-capacity'), '1 pending');
    await hasText(page.getByTestId('worker-states'), 'running');
    await visible(page.getByTestId('pool-errors'));
    if (kind === 'sqlite') await screenshot(page, 'worker-pool');
    await page.context().close();
  });

  it('runs queries and subscriptions in the explorer with the signed-in credentials', async () => {
    const task = await createTask(s.t);
    const query = `query { whoAmI { clientId } task(taskId: "${task.taskId}") { status { state } } }`;
    const page = await s.open(`/explorer?query=${encodeURIComponent(query)}`, { auth: ROOT_AUTH });
    const run = page.locator('.graphiql-execute-button');
    const result = page.locator('.result-window');
    // GraphiQL shows its button before its editors are ready: press it until an answer shows.
    const execute = () =>
      eventually(
        async () => {
          await run.click();
          await new Promise((resolve) => setTimeout(resolve, 1000));
          return result.innerText();
        },
        (text) => text.trim().length > 0,
        30_000,
        'GraphiQL shows an answer',
      );
    await visible(run, 30_000);
    await execute();
    // Monaco shows spaces as non-breaking ones: match any space.
    await hasText(result, /"clientId":\s*"root"/, 20_000);
    await hasText(page.locator('.result-window'), /"state":\s*"pending"/);
    if (kind === 'sqlite') await screenshot(page, 'explorer', false);

    // A subscription streams into the result pane: cancel and rerun the task until a change shows
    // (the subscription is live a moment after it is sent, and GraphiQL may need a second press).
    const subscription = `subscription { taskStatusChanged(taskId: "${task.taskId}") { taskId state } }`;
    await page.goto(`${s.portal.url}/explorer?query=${encodeURIComponent(subscription)}`);
    await visible(run, 30_000);
    let canceled = false;
    await eventually(
      async () => {
        if (!(await result.innerText()).trim() && !(await page.locator('.graphiql-execute-button[aria-label*="Stop"], .graphiql-execute-button[aria-label*="stop"]').count())) await run.click();
        await new Promise((resolve) => setTimeout(resolve, 700));
        await s.t.gql(`mutation ($t: ID!) { ${canceled ? 'rerunTask' : 'cancelTask'}(taskId: $t) { state } }`, { t: task.taskId }, s.t.root);
        canceled = !canceled;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return result.innerText();
      },
      (text) => /"state":\s*"(exception|pending)"/.test(text) && text.includes(task.taskId),
      30_000,
      'the subscription result shows a status change of the task',
    );
    await page.context().close();
  });

  it('searches the reference and opens what it finds with Enter', async () => {
    const page = await s.open('/reference');
    await page.getByLabel('Search the API reference').fill('claimWork');
    await hasText(page.getByTestId('reference-results'), 'claimWork');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/reference\/Mutation#claimWork$/);
    await hasText(page.locator('#claimWork'), 'workerGroup');
    if (kind === 'sqlite') await screenshot(page, 'reference', false);
    await page.context().close();
  });

  it('shows the docs with runnable samples filled with fresh values', async () => {
    const page = await s.open('/docs/hello-world');
    const sample = page.locator('[data-variables]').first();
    await hasText(sample, /"taskId": "[A-Za-z0-9_-]{22}"/);
    expect(await sample.innerText()).not.toContain('{{');
    if (kind === 'sqlite') await screenshot(page, 'docs-hello-world');
    await page.context().close();
  });
});
