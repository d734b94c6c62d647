// Secrets through the gateway: set, read, list, delete; encrypted at rest; expiry; scopes per
// name pattern; audit entries without values; tasks reading secrets with their own credentials.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteExpiredSecrets } from '../../entities/secrets/expire';
import { databaseKinds } from '../support/databases';
import { makeClient, uniqueId } from '../support/factories';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { errorCode } from '../support/graphql';
import { claim, createTask, sleep, uniqueQueue } from '../support/tasks';
import {
  AUDIT,
  containsAny,
  DELETE_SECRET,
  GET_SECRET,
  inDays,
  inMs,
  LIST_SECRETS,
  plaintext,
  rawRow,
  SET_SECRET,
  SET_SECRET_READ_BACK,
  setSecret,
  tableBytes,
} from './support';

describe.each(databaseKinds)('secrets on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('round trip', () => {
    it('reads back exactly what was set, for a name with slashes', async () => {
      const name = `${uniqueId('project')}/ci/deploy-token`;
      const { value } = plaintext();
      const expires = inDays(30);
      const set = await setSecret(t, name, value, expires);
      expect(set.setSecret).toMatchObject({ name, expires });
      const read = await t.ok(GET_SECRET, { name }, t.root);
      expect(read.secret).toMatchObject({ name, secret: value, expires });
      expect(read.secret.created).toBe(read.secret.lastModified);
    });

    it('replaces the value when set again, keeping when it was first created', async () => {
      const name = uniqueId('replace');
      const first = await setSecret(t, name, { v: 1 });
      await sleep(5);
      const later = inDays(60);
      await setSecret(t, name, { v: 2, extra: ['x'] }, later);
      const read = (await t.ok(GET_SECRET, { name }, t.root)).secret;
      expect(read.secret).toEqual({ v: 2, extra: ['x'] });
      expect(read.expires).toBe(later);
      expect(read.created).toBe(first.setSecret.created);
      expect(Date.parse(read.lastModified)).toBeGreaterThan(Date.parse(read.created));
    });

    it('settles many first writes of one name at once: all succeed, one creates, one of their values stays', async () => {
      const name = uniqueId('race');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => t.gql(SET_SECRET, { name, secret: { secret: { writer: i }, expires: inDays(1) } }, t.root)),
      );
      expect(results.map((r) => r.errors)).toEqual(results.map(() => undefined));
      const actions = (await t.ok(AUDIT, { id: name }, t.root)).auditHistory.nodes.map((e: any) => e.action);
      expect(actions).toEqual(['created', ...Array(7).fill('updated')]);
      const value = (await t.ok(GET_SECRET, { name }, t.root)).secret.secret;
      expect([0, 1, 2, 3, 4, 5, 6, 7]).toContain(value.writer);
    });

    it('answers null for a secret that does not exist', async () => {
      expect((await t.ok(GET_SECRET, { name: uniqueId('nothing') }, t.root)).secret).toBeNull();
    });

    it('deletes a secret, after which it reads as null; deleting again succeeds', async () => {
      const name = uniqueId('gone');
      await setSecret(t, name, { a: 1 });
      expect((await t.ok(DELETE_SECRET, { name }, t.root)).deleteSecret).toBe(true);
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret).toBeNull();
      expect(await rawRow(t, name)).toBeUndefined();
      expect((await t.ok(DELETE_SECRET, { name }, t.root)).deleteSecret).toBe(true);
    });

    it('reads several secrets in one request', async () => {
      const a = uniqueId('batch-a');
      const b = uniqueId('batch-b');
      await setSecret(t, a, { which: 'a' });
      await setSecret(t, b, { which: 'b' });
      const data = await t.ok('query ($a: String!, $b: String!, $c: String!) { a: secret(name: $a) { secret } b: secret(name: $b) { secret } c: secret(name: $c) { name } }', {
        a,
        b,
        c: uniqueId('batch-none'),
      }, t.root);
      expect(data).toEqual({ a: { secret: { which: 'a' } }, b: { secret: { which: 'b' } }, c: null });
    });
  });

  describe('at rest', () => {
    it('stores only ciphertext: no column of the row holds the value or any part of it', async () => {
      const name = uniqueId('raw');
      const { value, needles } = plaintext('raw');
      await setSecret(t, name, value);
      const row = await rawRow(t, name);
      expect(row).toBeDefined();
      expect(row!.key_id).toBe('test');
      expect(Buffer.from(row!.iv)).toHaveLength(12);
      expect(Buffer.from(row!.auth_tag)).toHaveLength(16);
      expect(containsAny(await tableBytes(t, 'secrets'), needles)).toEqual([]);
      expect(containsAny(await tableBytes(t, 'secrets'), [JSON.stringify(value)])).toEqual([]);
    });

    it.runIf(kind === 'sqlite')('leaves no trace of the value in the database files on disk', async () => {
      const name = uniqueId('file');
      const { value, needles } = plaintext('file');
      await setSecret(t, name, value);
      const file = t.database.config.kind === 'sqlite' ? t.database.config.file : '';
      const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
      expect(bytes.length).toBeGreaterThan(0);
      expect(containsAny(bytes, [name])).toEqual([name]); // the search itself works: the name is stored in clear
      expect(containsAny(bytes, needles)).toEqual([]);
    });

    it('encrypts with a fresh IV on every write, so the same value twice gives different bytes', async () => {
      const name = uniqueId('iv');
      await setSecret(t, name, { same: 'value' });
      const first = await rawRow(t, name);
      await setSecret(t, name, { same: 'value' });
      const second = await rawRow(t, name);
      expect(Buffer.from(second!.iv).equals(Buffer.from(first!.iv))).toBe(false);
      expect(Buffer.from(second!.ciphertext).equals(Buffer.from(first!.ciphertext))).toBe(false);
    });

    it('fails clearly, without the value, when the stored ciphertext was changed', async () => {
      const name = uniqueId('tampered');
      const { value, needles } = plaintext('tamper');
      await setSecret(t, name, value);
      const row = await rawRow(t, name);
      const flipped = Buffer.from(row!.ciphertext);
      flipped[0] ^= 0x01;
      await t.core.db.query('UPDATE secrets SET ciphertext = ? WHERE name = ?', [flipped, name]);
      const result = await t.gql(GET_SECRET, { name }, t.root);
      expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors![0].message).toContain(`secret "${name}" cannot be decrypted`);
      expect(result.errors![0].extensions!.details).toMatchObject({ name, keyId: 'test', reason: 'authentication-failed' });
      expect(containsAny(JSON.stringify(result), needles)).toEqual([]);
    });

    it('refuses to open a ciphertext copied into another secret’s row', async () => {
      const source = uniqueId('moved-from');
      const target = uniqueId('moved-to');
      const { value, needles } = plaintext('moved');
      await setSecret(t, source, value);
      await setSecret(t, target, { harmless: true });
      const row = await rawRow(t, source);
      await t.core.db.query('UPDATE secrets SET iv = ?, auth_tag = ?, ciphertext = ? WHERE name = ?', [row!.iv, row!.auth_tag, row!.ciphertext, target]);
      const result = await t.gql(GET_SECRET, { name: target }, t.root);
      expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors![0].message).toContain('cannot be decrypted');
      expect(containsAny(JSON.stringify(result), needles)).toEqual([]);
      // The original still opens under its own name.
      expect((await t.ok(GET_SECRET, { name: source }, t.root)).secret.secret).toEqual(value);
    });
  });

  describe('expiry', () => {
    it('reads as not found once expired, is left out of listings, and the upkeep job deletes it', async () => {
      const prefix = uniqueId('expiring');
      const name = `${prefix}/soon`;
      const keeper = `${prefix}/later`;
      await setSecret(t, name, { short: 'lived' }, inMs(1500));
      await setSecret(t, keeper, { long: 'lived' });
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret.secret).toEqual({ short: 'lived' });
      await sleep(1700);
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret).toBeNull();
      expect((await t.ok(LIST_SECRETS, { prefix }, t.root)).secrets.nodes).toEqual([{ name: keeper }]);
      expect(await rawRow(t, name)).toBeDefined();

      expect(await deleteExpiredSecrets(t.core)).toBeGreaterThanOrEqual(1);
      expect(await rawRow(t, name)).toBeUndefined();
      expect(await rawRow(t, keeper)).toBeDefined();
      const history = (await t.ok(AUDIT, { id: name }, t.root)).auditHistory.nodes;
      expect(history.map((e: any) => [e.action, e.clientId])).toEqual([
        ['created', 'root'],
        ['expired', null],
      ]);
      expect(await deleteExpiredSecrets(t.core)).toBe(0);
    });

    it('creates an expired secret afresh when it is set again', async () => {
      const name = uniqueId('reborn');
      await setSecret(t, name, { n: 1 }, inMs(800));
      await sleep(1000);
      const set = await setSecret(t, name, { n: 2 });
      expect(set.setSecret.created).toBe(set.setSecret.lastModified);
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret.secret).toEqual({ n: 2 });
      const actions = (await t.ok(AUDIT, { id: name }, t.root)).auditHistory.nodes.map((e: any) => e.action);
      expect(actions).toEqual(['created', 'created']);
    });

    it('refuses an expiry in the past', async () => {
      const result = await t.gql(SET_SECRET, { name: uniqueId('past'), secret: { secret: { a: 1 }, expires: inMs(-1000) } }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].message).toContain('expires must be in the future');
      expect(result.errors![0].extensions!.details).toEqual({ field: 'expires' });
    });
  });

  describe('scopes', () => {
    it('reads under secrets:get:<pattern> and refuses names outside it, naming the missing scope', async () => {
      const base = uniqueId('project');
      await setSecret(t, `${base}/a/x`, { a: 'x' });
      await setSecret(t, `${base}/b/x`, { b: 'x' });
      const reader = await makeClient(t, { scopes: [`secrets:get:${base}/a/*`] });
      expect((await t.ok(GET_SECRET, { name: `${base}/a/x` }, reader.auth)).secret.secret).toEqual({ a: 'x' });
      const refused = await t.gql(GET_SECRET, { name: `${base}/b/x` }, reader.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      expect(refused.errors![0].extensions!.details.missing).toEqual([`secrets:get:${base}/b/x`]);
      expect(JSON.stringify(refused)).not.toContain('"b":"x"');
    });

    it('refuses a name outside the pattern the same way whether or not it exists', async () => {
      const base = uniqueId('hidden');
      await setSecret(t, `${base}/exists`, { a: 1 });
      const reader = await makeClient(t, { scopes: [`secrets:get:${base}/other/*`] });
      const existing = await t.gql(GET_SECRET, { name: `${base}/exists` }, reader.auth);
      const missing = await t.gql(GET_SECRET, { name: `${base}/missing` }, reader.auth);
      expect(errorCode(existing)).toBe('INSUFFICIENT_SCOPES');
      expect(errorCode(missing)).toBe('INSUFFICIENT_SCOPES');
      expect(existing.data).toEqual(missing.data);
    });

    it('names the role that would grant a missing scope', async () => {
      const base = uniqueId('granting');
      const roleId = `${base}-readers`;
      await t.ok('mutation ($id: String!, $role: RoleInput!) { createRole(roleId: $id, role: $role) { roleId } }', {
        id: roleId,
        role: { scopes: [`secrets:get:${base}/*`] },
      }, t.root);
      const nobody = await makeClient(t, { scopes: [] });
      const refused = await t.gql(GET_SECRET, { name: `${base}/x` }, nobody.auth);
      expect(refused.errors![0].extensions!.details.grantingRoles).toContain(roleId);
    });

    it('needs secrets:set:<name> to set and to delete', async () => {
      const base = uniqueId('writer');
      const writer = await makeClient(t, { scopes: [`secrets:set:${base}/mine/*`] });
      await setSecret(t, `${base}/mine/x`, { w: 1 }, inDays(1), writer.auth);
      const refused = await t.gql(SET_SECRET, { name: `${base}/theirs/x`, secret: { secret: { w: 1 }, expires: inDays(1) } }, writer.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      expect(refused.errors![0].extensions!.details.missing).toEqual([`secrets:set:${base}/theirs/x`]);
      expect(await rawRow(t, `${base}/theirs/x`)).toBeUndefined();

      await setSecret(t, `${base}/theirs/y`, { keep: true });
      const deleteRefused = await t.gql(DELETE_SECRET, { name: `${base}/theirs/y` }, writer.auth);
      expect(errorCode(deleteRefused)).toBe('INSUFFICIENT_SCOPES');
      expect(await rawRow(t, `${base}/theirs/y`)).toBeDefined();
      expect((await t.ok(DELETE_SECRET, { name: `${base}/mine/x` }, writer.auth)).deleteSecret).toBe(true);
    });

    it('does not hand a write-only client the value back from setSecret', async () => {
      const name = uniqueId('write-only');
      const writer = await makeClient(t, { scopes: [`secrets:set:${name}`] });
      const result = await t.gql(SET_SECRET_READ_BACK, { name, secret: { secret: { k: 'v' }, expires: inDays(1) } }, writer.auth);
      expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
      expect((result.errors![0] as { path?: string[] }).path).toEqual(['setSecret', 'secret']);
      // The write itself happened; only the read-back was refused.
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret.secret).toEqual({ k: 'v' });
      const both = await makeClient(t, { scopes: [`secrets:set:${name}`, `secrets:get:${name}`] });
      const echoed = await t.ok(SET_SECRET_READ_BACK, { name, secret: { secret: { k: 'w' }, expires: inDays(1) } }, both.auth);
      expect(echoed.setSecret.secret).toEqual({ k: 'w' });
    });

    it('lets a task read, with its own credentials, the secrets its scopes allow and no other', async () => {
      const base = uniqueId('task-secrets');
      await setSecret(t, `${base}/allowed/token`, { token: 'for-the-task' });
      await setSecret(t, `${base}/forbidden/token`, { token: 'not-for-the-task' });
      const queue = uniqueQueue();
      await createTask(t, { taskQueueId: queue, scopes: [`secrets:get:${base}/allowed/*`] });
      const [c] = await claim(t, queue);
      const read = await t.ok(GET_SECRET, { name: `${base}/allowed/token` }, c.auth);
      expect(read.secret.secret).toEqual({ token: 'for-the-task' });
      const refused = await t.gql(GET_SECRET, { name: `${base}/forbidden/token` }, c.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      expect(JSON.stringify(refused)).not.toContain('not-for-the-task');
    });
  });

  describe('listing', () => {
    it('needs secrets:list-secrets', async () => {
      const nobody = await makeClient(t, { scopes: [`secrets:get:*`] });
      const refused = await t.gql(LIST_SECRETS, {}, nobody.auth);
      expect(errorCode(refused)).toBe('INSUFFICIENT_SCOPES');
      expect(refused.errors![0].extensions!.details.missing).toEqual(['secrets:list-secrets']);
    });

    it('lists names only, in name order, under a prefix, a page at a time', async () => {
      const prefix = uniqueId('listed');
      const names = ['c', 'a/2', 'a/1', 'b'].map((n) => `${prefix}/${n}`);
      const values = names.map((n) => plaintext(n.replace(/\W/g, '')));
      for (const [i, name] of names.entries()) await setSecret(t, name, values[i].value);
      await setSecret(t, `${prefix}x/outside`, { a: 1 });
      const lister = await makeClient(t, { scopes: ['secrets:list-secrets'] });
      const first = (await t.ok(LIST_SECRETS, { prefix: `${prefix}/`, first: 3 }, lister.auth)).secrets;
      expect(first.nodes.map((n: any) => n.name)).toEqual([`${prefix}/a/1`, `${prefix}/a/2`, `${prefix}/b`]);
      expect(first.totalCount).toBe(4);
      expect(first.pageInfo.hasNextPage).toBe(true);
      const rest = (await t.ok(LIST_SECRETS, { prefix: `${prefix}/`, first: 3, after: first.pageInfo.endCursor }, lister.auth)).secrets;
      expect(rest.nodes.map((n: any) => n.name)).toEqual([`${prefix}/c`]);
      expect(rest.pageInfo.hasNextPage).toBe(false);
      // A lister sees no value, and asking for one is not even part of the schema.
      expect(containsAny(JSON.stringify([first, rest]), values.flatMap((v) => v.needles))).toEqual([]);
      const asked = await t.gql('{ secrets { nodes { name secret } } }', {}, lister.auth);
      expect(errorCode(asked)).toBe('BAD_USER_INPUT');
    });
  });

  describe('audit history', () => {
    it('records who created, changed and deleted a secret, and when, without its value', async () => {
      const name = uniqueId('audited');
      const writer = await makeClient(t, { scopes: [`secrets:set:${name}`] });
      const v1 = plaintext('audit1');
      const v2 = plaintext('audit2');
      await setSecret(t, name, v1.value, inDays(1), writer.auth);
      await setSecret(t, name, v2.value, inDays(2), t.root);
      await t.ok(DELETE_SECRET, { name }, writer.auth);
      await t.ok(DELETE_SECRET, { name }, writer.auth); // already gone: nothing to record
      const history = (await t.ok(AUDIT, { id: name }, t.root)).auditHistory.nodes;
      expect(history.map((e: any) => [e.entityType, e.entityId, e.action, e.clientId])).toEqual([
        ['secret', name, 'created', writer.clientId],
        ['secret', name, 'updated', 'root'],
        ['secret', name, 'deleted', writer.clientId],
      ]);
      for (const e of history) expect(Number.isNaN(Date.parse(e.at))).toBe(false);
      const needles = [...v1.needles, ...v2.needles];
      expect(containsAny(JSON.stringify(history), needles)).toEqual([]);
      expect(containsAny(await tableBytes(t, 'audit_entries'), needles)).toEqual([]);
    });

    it('writes no audit entry for a refused change', async () => {
      const name = uniqueId('refused-audit');
      const nobody = await makeClient(t, { scopes: [] });
      await t.gql(SET_SECRET, { name, secret: { secret: { a: 1 }, expires: inDays(1) } }, nobody.auth);
      expect((await t.ok(AUDIT, { id: name }, t.root)).auditHistory.nodes).toEqual([]);
    });
  });

  describe('input', () => {
    it.each([
      ['an empty name', ''],
      ['a name of 256 characters', 'n'.repeat(256)],
      ['a name with a non-ASCII character', 'caf\u00e9/key'],
      ['a name with a newline', 'a\nb'],
    ])('refuses %s', async (_what, name) => {
      const result = await t.gql(SET_SECRET, { name, secret: { secret: { a: 1 }, expires: inDays(1) } }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      expect(result.errors![0].extensions!.details).toEqual({ field: 'name' });
    });

    it('accepts a name of 255 printable ASCII characters, spaces and stars included', async () => {
      const name = `${uniqueId('long')} * ~!`.padEnd(255, 'x');
      await setSecret(t, name, { ok: true });
      expect((await t.ok(GET_SECRET, { name }, t.root)).secret.name).toBe(name);
    });

    it.each([
      ['an array', ['Hunter2Swordfish-array']],
      ['a string', 'Hunter2Swordfish-string'],
      ['a number', 424242.4242],
      ['null', null],
    ])('refuses %s as the value, without echoing it', async (what, value) => {
      const result = await t.gql(SET_SECRET, { name: uniqueId('bad-value'), secret: { secret: value, expires: inDays(1) } }, t.root);
      expect(errorCode(result)).toBe('BAD_USER_INPUT');
      if (value !== null) expect(result.errors![0].message).toContain(`got ${what}`);
      const text = JSON.stringify(result);
      expect(text).not.toContain('Hunter2Swordfish');
      expect(text).not.toContain('424242');
    });
  });
});
