// Hooks: create, read, change and delete them; the scopes each needs, and no escalation through
// a hook (its tasks run with role hook-id:<group>/<id>, which its author must be able to assume).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { makeClient } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { CREATE_HOOK, DELETE_HOOK, HOOK, hookIds, hookInput, hookQueue, makeHook, makeHookRole, RESET_TOKEN, UPDATE_HOOK } from './support';

const AUDIT = `query ($id: String!) { auditHistory(entityType: "hook", entityId: $id) { nodes { action clientId } } }`;
const HOOKS = `query ($g: String!, $first: Int, $after: String) {
  hooks(hookGroupId: $g, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { hookId } } }`;

async function hookRowCount(t: TestGateway): Promise<number> {
  const [row] = await t.core.db.query('SELECT COUNT(*) AS n FROM hooks');
  return Number(row.n);
}

describe.each(databaseKinds)('hooks on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
    await expectNoOpenSockets();
  });

  it('creates a hook and reads it back, with defaults: the closed trigger schema, emailOnError, no token, no schedule', async () => {
    const { g, h, queue, hook } = await makeHook(t);
    expect(hook).toMatchObject({
      hookGroupId: g,
      hookId: h,
      metadata: { name: 'a test hook', description: 'for tests', owner: 'tests@example.com', emailOnError: true },
      schedule: [],
      triggerSchema: { type: 'object', additionalProperties: false },
      nextScheduledDate: null,
      nextScheduledDates: [],
      hasTriggerToken: false,
    });
    expect(hook.task).toEqual(hookInput(queue).task);
    const anonymous = await t.ok(HOOK, { g, h });
    expect(anonymous.hook).toEqual(hook);
  });

  it('shows the next scheduled times of its cron strings, in UTC', async () => {
    const before = Date.now();
    const { hook } = await makeHook(t, { schedule: ['0 0 * * * *', '0 30 9 * * *'] });
    const dates = hook.nextScheduledDates.map((d: string) => new Date(d).getTime());
    expect(dates).toHaveLength(5);
    expect(hook.nextScheduledDate).toBe(hook.nextScheduledDates[0]);
    expect(dates[0]).toBeGreaterThan(before);
    for (let i = 0; i < 5; i++) {
      const d = new Date(dates[i]);
      expect(d.getUTCSeconds()).toBe(0);
      expect([0, 30]).toContain(d.getUTCMinutes());
      if (d.getUTCMinutes() === 30) expect(d.getUTCHours()).toBe(9);
      if (i) expect(dates[i]).toBeGreaterThan(dates[i - 1]);
    }
    const top = Math.ceil((before + 1) / 3_600_000) * 3_600_000;
    expect(dates[0]).toBeLessThanOrEqual(top);
    const ten = await t.ok(`query ($g: String!, $h: String!) { hook(hookGroupId: $g, hookId: $h) { nextScheduledDates(count: 10) } }`, {
      g: hook.hookGroupId,
      h: hook.hookId,
    });
    expect(ten.hook.nextScheduledDates).toHaveLength(10);
  });

  describe('refuses an invalid hook with BAD_USER_INPUT naming the field, and writes nothing', () => {
    const cases: [string, (queue: string) => Record<string, unknown>, string][] = [
      ['a cron string with a bad field', (q) => hookInput(q, { schedule: ['0 0 * * *', '0 61 * * *'] }), 'schedule[1]'],
      ['a cron string of 4 fields', (q) => hookInput(q, { schedule: ['* * * *'] }), 'schedule[0]'],
      ['an empty name', (q) => ({ ...hookInput(q), metadata: { name: '', owner: 'x@example.com' } }), 'metadata.name'],
      ['a triggerSchema that is not a JSON schema', (q) => hookInput(q, { triggerSchema: { type: 'objekt' } }), 'triggerSchema'],
    ];
    it.each(cases)('%s', async (_name, build, field) => {
      const { g, h } = hookIds();
      const before = await hookRowCount(t);
      const result = await t.gql(CREATE_HOOK, { g, h, hook: build(hookQueue()) }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.details.field).toBe(field);
      expect(await hookRowCount(t)).toBe(before);
    });

    it.each([
      ['a hookGroupId with a slash', 'a/b', 'h', 'hookGroupId'],
      ['a hookId starting with a slash', 'g', '/h', 'hookId'],
      ['a hookGroupId of 65 characters', 'g'.repeat(65), 'h', 'hookGroupId'],
    ])('%s', async (_name, g, h, field) => {
      const result = await t.gql(CREATE_HOOK, { g, h, hook: hookInput(hookQueue()) }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.details.field).toBe(field);
    });
  });

  it('answers an identical createHook with the hook, and a different one with CONFLICT', async () => {
    const { g, h, queue, hook } = await makeHook(t);
    const again = await t.ok(CREATE_HOOK, { g, h, hook: hookInput(queue) }, t.root);
    expect(again.createHook).toEqual(hook);
    const different = await t.gql(CREATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 0 * * *'] }) }, t.root);
    expect(errorCode(different)).toBe('CONFLICT');
  });

  it('lists a group’s hooks in hookId order, page by page, and every group', async () => {
    const g = `list-${process.pid}-${kind}`;
    for (const h of ['c', 'a', 'b/x', 'b']) await makeHook(t, {}, { g, h });
    const first = await t.ok(HOOKS, { g, first: 3 });
    expect(first.hooks.totalCount).toBe(4);
    expect(first.hooks.nodes.map((n: any) => n.hookId)).toEqual(['a', 'b', 'b/x']);
    expect(first.hooks.pageInfo.hasNextPage).toBe(true);
    const rest = await t.ok(HOOKS, { g, first: 3, after: first.hooks.pageInfo.endCursor });
    expect(rest.hooks.nodes.map((n: any) => n.hookId)).toEqual(['c']);
    const groups = (await t.ok('{ hookGroups }')).hookGroups;
    expect(groups).toContain(g);
    expect([...groups].sort()).toEqual(groups);
    expect(new Set(groups).size).toBe(groups.length);
  });

  it('updates a hook; an unchanged schedule keeps its next fire, a changed one starts over', async () => {
    const { g, h, queue, hook } = await makeHook(t, { schedule: ['0 0 0 1 1 *'] });
    const renamed = await t.ok(UPDATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 0 0 1 1 *'], metadata: { name: 'renamed', owner: 'o@example.com' } }) }, t.root);
    expect(renamed.updateHook.metadata.name).toBe('renamed');
    expect(renamed.updateHook.nextScheduledDate).toBe(hook.nextScheduledDate);
    const rescheduled = await t.ok(UPDATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 0 * * * *'] }) }, t.root);
    expect(new Date(rescheduled.updateHook.nextScheduledDate).getTime()).toBeLessThan(new Date(hook.nextScheduledDate).getTime());
    expect(new Date(rescheduled.updateHook.nextScheduledDate).getUTCMinutes()).toBe(0);
    const unscheduled = await t.ok(UPDATE_HOOK, { g, h, hook: hookInput(queue) }, t.root);
    expect(unscheduled.updateHook.nextScheduledDate).toBeNull();
  });

  it('answers NOT_FOUND when updating a hook that does not exist', async () => {
    const { g, h } = hookIds();
    const result = await t.gql(UPDATE_HOOK, { g, h, hook: hookInput(hookQueue()) }, t.root);
    expect(errorCode(result)).toBe('NOT_FOUND');
  });

  it('deletes a hook (and succeeds again when it is already gone)', async () => {
    const { g, h } = await makeHook(t);
    expect((await t.ok(DELETE_HOOK, { g, h }, t.root)).deleteHook).toBe(true);
    expect((await t.ok(HOOK, { g, h })).hook).toBeNull();
    expect((await t.ok(DELETE_HOOK, { g, h }, t.root)).deleteHook).toBe(true);
  });

  it('records who created, changed, reset the token of and deleted a hook — never the token', async () => {
    const { g } = hookIds('audited');
    const h = 'audited-hook';
    const queue = hookQueue();
    await makeHookRole(t, g, h, queue);
    const author = await makeClient(t, { scopes: [`hooks:modify-hook:${g}/*`, `assume:hook-id:${g}/*`, `hooks:reset-trigger-token:${g}/*`, `auth:audit-history:hook/*`] });
    await t.ok(CREATE_HOOK, { g, h, hook: hookInput(queue) }, author.auth);
    await t.ok(UPDATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 0 * * *'] }) }, author.auth);
    const { token } = (await t.ok(RESET_TOKEN, { g, h }, author.auth)).resetTriggerToken;
    await t.ok(DELETE_HOOK, { g, h }, t.root);
    const history = (await t.ok(AUDIT, { id: `${g}/${h}` }, author.auth)).auditHistory.nodes;
    expect(history.map((n: any) => [n.action, n.clientId])).toEqual([
      ['created', author.clientId],
      ['updated', author.clientId],
      ['reset-trigger-token', author.clientId],
      ['deleted', 'root'],
    ]);
    const rows = await t.core.db.query('SELECT * FROM audit_entries');
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  describe('scopes', () => {
    it('refuses createHook without hooks:modify-hook, naming the scope', async () => {
      const { g, h } = hookIds();
      const client = await makeClient(t, { scopes: [`assume:hook-id:${g}/*`] });
      const result = await t.gql(CREATE_HOOK, { g, h, hook: hookInput(hookQueue()) }, client.auth);
      expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
      expect(result.errors![0].extensions!.details.missing).toEqual([`hooks:modify-hook:${g}/${h}`]);
    });

    it('refuses to create or change a hook whose role the caller cannot assume: no escalation through hooks', async () => {
      const { g, h } = hookIds();
      const queue = hookQueue();
      // The hook's role can create tasks; the author cannot, and may not borrow the role.
      await makeHookRole(t, g, h, queue);
      const author = await makeClient(t, { scopes: [`hooks:modify-hook:${g}/*`] });
      const before = await hookRowCount(t);
      const created = await t.gql(CREATE_HOOK, { g, h, hook: hookInput(queue) }, author.auth);
      expect(errorCode(created)).toBe('INSUFFICIENT_SCOPES');
      expect(created.errors![0].extensions!.details.missing).toEqual([`assume:hook-id:${g}/${h}`]);
      expect(await hookRowCount(t)).toBe(before);

      await t.ok(CREATE_HOOK, { g, h, hook: hookInput(queue) }, t.root);
      const updated = await t.gql(UPDATE_HOOK, { g, h, hook: hookInput(queue, { task: { $eval: 'payload' } }) }, author.auth);
      expect(errorCode(updated)).toBe('INSUFFICIENT_SCOPES');
      expect(updated.errors![0].extensions!.details.missing).toEqual([`assume:hook-id:${g}/${h}`]);
      expect((await t.ok(HOOK, { g, h })).hook.task).toEqual(hookInput(queue).task);
    });

    it('lets a caller holding the management scope and the role create, change and delete', async () => {
      const { g, h } = hookIds();
      const queue = hookQueue();
      await makeHookRole(t, g, h, queue);
      const author = await makeClient(t, { scopes: [`hooks:modify-hook:${g}/*`, `assume:hook-id:${g}/*`] });
      await t.ok(CREATE_HOOK, { g, h, hook: hookInput(queue) }, author.auth);
      await t.ok(UPDATE_HOOK, { g, h, hook: hookInput(queue, { schedule: ['0 0 * * *'] }) }, author.auth);
      expect((await t.ok(DELETE_HOOK, { g, h }, author.auth)).deleteHook).toBe(true);
    });

    it('refuses deleteHook and resetTriggerToken without their scopes', async () => {
      const { g, h } = await makeHook(t);
      const stranger = await makeClient(t, { scopes: [] });
      const deleted = await t.gql(DELETE_HOOK, { g, h }, stranger.auth);
      expect(errorCode(deleted)).toBe('INSUFFICIENT_SCOPES');
      expect(deleted.errors![0].extensions!.details.missing).toEqual([`hooks:modify-hook:${g}/${h}`]);
      const reset = await t.gql(RESET_TOKEN, { g, h }, stranger.auth);
      expect(errorCode(reset)).toBe('INSUFFICIENT_SCOPES');
      expect(reset.errors![0].extensions!.details.missing).toEqual([`hooks:reset-trigger-token:${g}/${h}`]);
      expect((await t.ok(HOOK, { g, h })).hook).not.toBeNull();
    });
  });
});
