// Firing hooks on demand: triggerHook and the webhook. JSON-e renders the task exactly as the
// json-e package does for the same template and context; payloads are checked against the
// hook's triggerSchema; the task is created with the hook role's scopes; every fire is recorded
// with the current state of its task.
import jsone from 'json-e';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claimAndComplete, queueRowCounts } from '../support/tasks';
import { hookIds, hookQueue, hookRoleScopes, lastFires, makeHook, RESET_TOKEN, taskTemplate, TRIGGER_HOOK } from './support';

const TASK = `query ($taskId: ID!) { task(taskId: $taskId) {
  taskId taskQueueId schedulerId projectId taskGroupId dependencies requires routes priority retries
  created deadline expires scopes payload metadata { name description owner source } tags extra status { state } } }`;

describe.each(databaseKinds)('triggering hooks on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
    await expectNoOpenSockets();
  });

  async function trigger(g: string, h: string, payload?: unknown, auth = t.root) {
    return t.gql(TRIGGER_HOOK, { g, h, payload }, auth);
  }

  async function post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(new URL(path, t.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  }

  it('renders the template as the json-e package does for the same template and context', async () => {
    const queue = hookQueue();
    const template: Record<string, any> = {
      $let: { branch: { $eval: 'payload.branch' } },
      in: {
        taskQueueId: queue,
        created: { $fromNow: '0 seconds' },
        deadline: { $fromNow: '2 hours' },
        expires: { $fromNow: '3 days' },
        priority: { $if: 'payload.urgent', then: 'high', else: 'low' },
        retries: { $eval: 'len(payload.targets) + 1' },
        routes: { $map: { $eval: 'payload.targets' }, 'each(x)': 'index.hooks.${branch}.${x}' },
        tags: { firedBy: '${firedBy}', clientId: '${clientId}', branch: { $eval: 'uppercase(branch)' } },
        extra: {
          taskId: { $eval: 'taskId' },
          now: { $eval: 'now' },
          payload: { $json: { $eval: 'payload' } },
          sorted: { $sort: { $eval: 'payload.targets' } },
          merged: { $merge: [{ a: 1 }, { b: { $eval: 'payload.targets[0]' } }] },
          skipped: { $if: 'false', then: 'never' },
        },
        payload: { command: [['echo', '${branch}']], env: { N: { $eval: 'str(len(payload.targets))' } } },
        metadata: { name: 'build ${branch}', description: 'fired by ${firedBy}', owner: 'tests@example.com', source: 'https://example.com/${taskId}' },
      },
    };
    const { g, h } = hookIds();
    await makeHook(t, { queue, task: template, triggerSchema: { type: 'object' } }, { g, h });
    const client = await makeClient(t, { scopes: [`hooks:trigger-hook:${g}/*`] });
    // The hook role may use the routes; the client itself has no queue scopes at all.
    await t.ok('mutation ($id: String!, $r: RoleInput!) { updateRole(roleId: $id, role: $r) { roleId } }', {
      id: `hook-id:${g}/${h}`,
      r: { scopes: hookRoleScopes(queue, ['queue:route:index.hooks.*']) },
    }, t.root);
    const payload = { branch: 'main', urgent: true, targets: ['linux', 'mac', 'arm'] };
    const triggered = (await t.ok(TRIGGER_HOOK, { g, h, payload }, client.auth)).triggerHook;
    const [fire] = await lastFires(t, g, h);
    expect(fire).toMatchObject({ firedBy: 'triggerHook', taskId: triggered.taskId, clientId: client.clientId, result: 'created', taskState: 'pending' });

    const expected = jsone(template, { firedBy: 'triggerHook', taskId: triggered.taskId, now: fire.firedAt, payload, clientId: client.clientId });
    const { task } = await t.ok(TASK, { taskId: triggered.taskId });
    expect(task).toMatchObject({
      taskQueueId: expected.taskQueueId,
      created: expected.created,
      deadline: expected.deadline,
      expires: expected.expires,
      priority: expected.priority,
      retries: expected.retries,
      routes: expected.routes,
      tags: expected.tags,
      extra: expected.extra,
      payload: expected.payload,
      metadata: expected.metadata,
    });
    expect(expected.priority).toBe('high');
    expect(expected.extra.taskId).toBe(triggered.taskId);
  });

  describe('payloads and the triggerSchema', () => {
    const schema = {
      type: 'object',
      properties: {
        branch: { type: 'string', default: 'main' },
        count: { type: 'integer', minimum: 1, default: 3 },
        mode: { enum: ['fast', 'slow'] },
        owner: { type: 'object', properties: { email: { type: 'string' } }, required: ['email'] },
      },
      required: ['mode'],
      additionalProperties: false,
    };
    let ids: { g: string; h: string; queue: string };
    beforeAll(async () => {
      ids = await makeHook(t, { triggerSchema: schema, task: taskTemplate('x/y', { extra: { seen: { $eval: 'payload' } } }) });
      // The template's queue is fixed above; point it at the hook's own queue.
      await t.ok('mutation ($g: String!, $h: String!, $hook: HookInput!) { updateHook(hookGroupId: $g, hookId: $h, hook: $hook) { hookId } }', {
        g: ids.g,
        h: ids.h,
        hook: { metadata: { name: 'schema hook', owner: 'tests@example.com' }, triggerSchema: schema, task: taskTemplate(ids.queue, { extra: { seen: { $eval: 'payload' } } }) },
      }, t.root);
    });

    it('fills in the schema’s defaults before rendering', async () => {
      const { taskId } = (await t.ok(TRIGGER_HOOK, { g: ids.g, h: ids.h, payload: { mode: 'fast' } }, t.root)).triggerHook;
      const { task } = await t.ok(TASK, { taskId });
      expect(task.extra.seen).toEqual({ mode: 'fast', branch: 'main', count: 3 });
    });

    const rejections: [string, unknown, string, string][] = [
      ['a field of the wrong type', { mode: 'fast', count: 'three' }, 'payload.count', 'payload.count must be integer'],
      ['a value below the minimum', { mode: 'fast', count: 0 }, 'payload.count', 'payload.count must be >= 1'],
      ['a value outside the enum', { mode: 'medium' }, 'payload.mode', 'payload.mode must be equal to one of the allowed values: "fast", "slow"'],
      ['a missing required field', { branch: 'dev' }, 'payload.mode', 'payload.mode is required'],
      ['a missing nested field', { mode: 'fast', owner: {} }, 'payload.owner.email', 'payload.owner.email is required'],
      ['a field the schema does not list', { mode: 'fast', colour: 'red' }, 'payload.colour', 'payload.colour is not allowed'],
      ['a payload that is not an object', ['fast'], 'payload', 'payload must be object'],
    ];
    it.each(rejections)('refuses %s with BAD_USER_INPUT naming the field, and fires nothing', async (_name, payload, field, message) => {
      const before = await queueRowCounts(t);
      const firesBefore = (await lastFires(t, ids.g, ids.h)).length;
      const result = await trigger(ids.g, ids.h, payload);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.details.field).toBe(field);
      expect(result.errors![0].message).toContain(message);
      expect(await queueRowCounts(t)).toEqual(before);
      expect(await lastFires(t, ids.g, ids.h)).toHaveLength(firesBefore);
    });

    it('refuses any payload field by default (the closed default schema)', async () => {
      const { g, h } = await makeHook(t);
      const result = await trigger(g, h, { anything: 1 });
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.details.field).toBe('payload.anything');
      expect((await t.ok(TRIGGER_HOOK, { g, h }, t.root)).triggerHook.state).toBe('pending');
    });
  });

  it('creates no task when the template renders to null, and records the fire as no-task', async () => {
    const queue = hookQueue();
    const { g, h } = await makeHook(t, { queue, task: { $if: 'payload.build', then: taskTemplate(queue) }, triggerSchema: { type: 'object' } });
    const before = await queueRowCounts(t);
    const result = await t.ok(TRIGGER_HOOK, { g, h, payload: { build: false } }, t.root);
    expect(result.triggerHook).toBeNull();
    expect(await queueRowCounts(t)).toEqual(before);
    expect((await t.ok(TRIGGER_HOOK, { g, h, payload: { build: true } }, t.root)).triggerHook.taskQueueId).toBe(queue);
    const fires = await lastFires(t, g, h);
    expect(fires.map((f) => [f.result, f.taskState])).toEqual([
      ['no-task', null],
      ['created', 'pending'],
    ]);
  });

  it('refuses a template that does not render, recording the fire as an error', async () => {
    const { g, h } = await makeHook(t, { task: { $eval: 'nosuchvariable.x' } });
    const result = await trigger(g, h);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('nosuchvariable');
    const [fire] = await lastFires(t, g, h);
    expect(fire).toMatchObject({ result: 'error', taskState: null });
    expect(fire.error).toContain('nosuchvariable');
  });

  it('needs hooks:trigger-hook:<group>/<id>', async () => {
    const { g, h } = await makeHook(t);
    const stranger = await makeClient(t, { scopes: [`hooks:trigger-hook:${g}/other`] });
    const result = await trigger(g, h, {}, stranger.auth);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    expect(result.errors![0].extensions!.details.missing).toEqual([`hooks:trigger-hook:${g}/${h}`]);
    expect(errorCode(await trigger(g, 'no-such-hook'))).toBe('NOT_FOUND');
  });

  it('creates the task with the hook role’s scopes only: a role without them makes an error fire', async () => {
    const queue = hookQueue();
    const { g, h } = await makeHook(t, { queue, task: taskTemplate(queue, { scopes: ['secrets:get:very/secret'] }) });
    const result = await trigger(g, h);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    expect(result.errors![0].extensions!.details.missing).toEqual(['secrets:get:very/secret']);
    expect(result.errors![0].message).toContain(`hook-id:${g}/${h}`);
    const [fire] = await lastFires(t, g, h);
    expect(fire.result).toBe('error');
    expect(fire.error).toContain('secrets:get:very/secret');
    expect((await t.ok(TASK, { taskId: fire.taskId })).task).toBeNull();
  });

  it('shows each fire with the current state of its task', async () => {
    const { g, h, queue } = await makeHook(t);
    const { taskId } = (await t.ok(TRIGGER_HOOK, { g, h }, t.root)).triggerHook;
    expect((await lastFires(t, g, h))[0]).toMatchObject({ taskId, result: 'created', taskState: 'pending' });
    await claimAndComplete(t, queue);
    expect((await lastFires(t, g, h))[0]).toMatchObject({ taskId, result: 'created', taskState: 'completed' });
    const history = await t.gql('query ($g: String!, $h: String!) { hookLastFires(hookGroupId: $g, hookId: $h) { totalCount } }', { g, h });
    expect(errorCode(history)).toBe('INSUFFICIENT_SCOPES');
    expect(history.errors![0].extensions!.details.missing).toEqual([`hooks:list-last-fires:${g}/${h}`]);
  });

  describe('the webhook POST /hooks/<group>/<id>/trigger/<token>', () => {
    it('fires the hook with the JSON body as payload when the token is right', async () => {
      const { g, h, queue } = await makeHook(t, { triggerSchema: { type: 'object', properties: { n: { type: 'integer' } } } });
      const { token, path } = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      expect(path).toBe(`/hooks/${g}/${h}/trigger/${token}`);
      const answer = await post(path, { n: 7 });
      expect(answer.status).toBe(200);
      expect(answer.body.status).toMatchObject({ state: 'pending', taskQueueId: queue });
      const [fire] = await lastFires(t, g, h);
      expect(fire).toMatchObject({ firedBy: 'triggerHookWithToken', taskId: answer.body.status.taskId, clientId: null, result: 'created' });
      const bad = await post(path, { n: 'seven' });
      expect(bad.status).toBe(400);
      expect(bad.body.details.field).toBe('payload.n');
    });

    it('answers a wrong token and an unknown hook identically, revealing nothing', async () => {
      const { g, h } = await makeHook(t);
      const { token } = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      const { g: g2, h: h2 } = await makeHook(t); // exists, never given a token
      const answers = await Promise.all([
        post(`/hooks/${g}/${h}/trigger/${token.slice(1)}x`, {}),
        post(`/hooks/${g}/no-such-hook/trigger/${token}`, {}),
        post(`/hooks/no-such-group/${h}/trigger/${token}`, {}),
        post(`/hooks/${g2}/${h2}/trigger/${token}`, {}),
        post(`/hooks/${g2}/${h2}/trigger/`, {}),
      ]);
      const shapes = answers.map((a) => ({ status: a.status, code: a.body.code, message: a.body.message, keys: Object.keys(a.body).sort() }));
      for (const shape of shapes) expect(shape).toEqual(shapes[0]);
      expect(shapes[0].status).toBe(401);
      expect(shapes[0].code).toBe('UNAUTHENTICATED');
      expect(await lastFires(t, g, h)).toEqual([]);
    });

    it('stops taking the old token once it is reset', async () => {
      const { g, h } = await makeHook(t);
      const first = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      const second = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      expect((await post(first.path, {})).status).toBe(401);
      expect((await post(second.path, {})).status).toBe(200);
      expect((await t.ok('query ($g: String!, $h: String!) { hook(hookGroupId: $g, hookId: $h) { hasTriggerToken } }', { g, h })).hook.hasTriggerToken).toBe(true);
    });

    it('takes a hookId with slashes, as is or percent-encoded', async () => {
      const { g } = hookIds();
      const h = 'in-tree-action/abc123';
      await makeHook(t, {}, { g, h });
      const { token } = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      expect((await post(`/hooks/${g}/${h}/trigger/${token}`, {})).status).toBe(200);
      expect((await post(`/hooks/${g}/${encodeURIComponent(h)}/trigger/${token}`, {})).status).toBe(200);
      expect(await lastFires(t, g, h)).toHaveLength(2);
    });

    it('refuses a body that is not JSON with BAD_USER_INPUT', async () => {
      const { g, h } = await makeHook(t);
      const { path } = (await t.ok(RESET_TOKEN, { g, h }, t.root)).resetTriggerToken;
      const response = await fetch(new URL(path, t.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).code).toBe('BAD_USER_INPUT');
    });
  });
});
