import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireClients } from '../../cron/auth/expire-clients';
import { databaseKinds } from '../support/databases';
import { inDays, makeClient, uniqueId } from '../support/factories';
import { errorCode } from '../support/graphql';
import { ROOT_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';

describe.each(databaseKinds)('clients on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers currentScopes ["*"] for the root client', async () => {
    const data = await t.ok('{ currentScopes }', {}, t.root);
    expect(data.currentScopes).toEqual(['*']);
  });

  it('gives a caller without credentials the anonymous role', async () => {
    const data = await t.ok('{ currentScopes whoAmI { clientId } }');
    expect(data.currentScopes).toEqual(['assume:anonymous', 'queue:get-artifact:public/*']);
    expect(data.whoAmI.clientId).toBeNull();
  });

  it('shows a new client its access token once and stores only a hash', async () => {
    const client = await makeClient(t, { scopes: ['queue:get-artifact:private/*'] });
    expect(client.accessToken).toMatch(/^[\w-]{43}$/);
    const read = await t.ok('query ($id: String!) { client(clientId: $id) { clientId scopes } }', { id: client.clientId }, t.root);
    expect(read.client).toEqual({ clientId: client.clientId, scopes: ['queue:get-artifact:private/*'] });
    const rows = await t.core.db.query(`SELECT * FROM clients WHERE client_id = ?`, [client.clientId]);
    expect(JSON.stringify(rows)).not.toContain(client.accessToken);
    expect(rows[0].access_token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('authenticates a new client with its token and expands its scopes', async () => {
    const client = await makeClient(t, { scopes: ['secrets:get:x'] });
    const data = await t.ok('{ currentScopes }', {}, client.auth);
    expect(data.currentScopes).toEqual(['assume:anonymous', 'queue:get-artifact:public/*', 'secrets:get:x']);
  });

  it('refuses a wrong token, an unknown client and a malformed header with UNAUTHENTICATED', async () => {
    const client = await makeClient(t);
    for (const auth of [`${client.clientId}:wrong`, 'nobody:whatever', '!!!not-base64-json']) {
      const result = await t.gql('{ currentScopes }', {}, auth);
      expect(result.status).toBe(401);
      expect(errorCode(result)).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a second client with the same id with CONFLICT', async () => {
    const client = await makeClient(t);
    const again = await t.gql(
      'mutation ($c: ClientInput!) { createClient(clientId: "' + client.clientId + '", client: $c) { clientId } }',
      { c: { expires: inDays(1) } },
      t.root,
    );
    expect(errorCode(again)).toBe('CONFLICT');
  });

  it('rejects a client id with characters outside the allowed set', async () => {
    const result = await t.gql('mutation ($c: ClientInput!) { createClient(clientId: "a b", client: $c) { clientId } }', { c: { expires: inDays(1) } }, t.root);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('clientId');
  });

  it('reserves client ids starting with taskgate: for the platform’s own credentials', async () => {
    const result = await t.gql('mutation ($c: ClientInput!) { createClient(clientId: "taskgate:queue", client: $c) { clientId } }', { c: { expires: inDays(1) } }, t.root);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect(result.errors![0].message).toContain('reserved');
  });

  it('replaces the token on reset: the old one stops working, the new one works', async () => {
    const client = await makeClient(t);
    const data = await t.ok('mutation ($id: String!) { resetAccessToken(clientId: $id) { accessToken lastRotated } }', { id: client.clientId }, t.root);
    const fresh = data.resetAccessToken.accessToken;
    expect(fresh).not.toBe(client.accessToken);
    expect(errorCode(await t.gql('{ currentScopes }', {}, client.auth))).toBe('UNAUTHENTICATED');
    expect((await t.gql('{ currentScopes }', {}, `${client.clientId}:${fresh}`)).errors).toBeUndefined();
  });

  it('stops a disabled client from authenticating until it is enabled again', async () => {
    const client = await makeClient(t);
    await t.ok('mutation ($id: String!) { disableClient(clientId: $id) { disabled } }', { id: client.clientId }, t.root);
    const refused = await t.gql('{ currentScopes }', {}, client.auth);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors![0].message).toContain('disabled');
    await t.ok('mutation ($id: String!) { enableClient(clientId: $id) { disabled } }', { id: client.clientId }, t.root);
    expect((await t.gql('{ currentScopes }', {}, client.auth)).errors).toBeUndefined();
  });

  it('refuses an expired client', async () => {
    const client = await makeClient(t, { expires: new Date(Date.now() - 1000).toISOString() });
    const result = await t.gql('{ currentScopes }', {}, client.auth);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
    expect(result.errors![0].message).toContain('expired');
  });

  it('updates scopes and description, keeping what is left out', async () => {
    const client = await makeClient(t, { scopes: ['a:1'], description: 'first' });
    const data = await t.ok(
      'mutation ($id: String!, $c: ClientUpdateInput!) { updateClient(clientId: $id, client: $c) { scopes description } }',
      { id: client.clientId, c: { scopes: ['a:2'] } },
      t.root,
    );
    expect(data.updateClient).toEqual({ scopes: ['a:2'], description: 'first' });
  });

  it('deletes a client, and deleting it again succeeds', async () => {
    const client = await makeClient(t);
    for (let i = 0; i < 2; i++) {
      const data = await t.ok('mutation ($id: String!) { deleteClient(clientId: $id) }', { id: client.clientId }, t.root);
      expect(data.deleteClient).toBe(true);
    }
    expect((await t.ok('query ($id: String!) { client(clientId: $id) { clientId } }', { id: client.clientId })).client).toBeNull();
    expect(errorCode(await t.gql('{ currentScopes }', {}, client.auth))).toBe('UNAUTHENTICATED');
  });

  it('returns NOT_FOUND when updating a client that does not exist', async () => {
    const result = await t.gql('mutation { disableClient(clientId: "no-such-client") { disabled } }', {}, t.root);
    expect(errorCode(result)).toBe('NOT_FOUND');
  });

  it('pages clients forward and backward by prefix, with totalCount', async () => {
    const prefix = uniqueId('page');
    const ids = ['a', 'b', 'c', 'd', 'e'].map((x) => `${prefix}/${x}`);
    for (const clientId of ids) await makeClient(t, { clientId });
    const query = `query ($p: String, $first: Int, $after: String, $last: Int, $before: String) {
      clients(prefix: $p, first: $first, after: $after, last: $last, before: $before) {
        nodes { clientId } totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const first = (await t.ok(query, { p: `${prefix}/`, first: 2 })).clients;
    expect(first.nodes.map((n: any) => n.clientId)).toEqual(ids.slice(0, 2));
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await t.ok(query, { p: `${prefix}/`, first: 2, after: first.pageInfo.endCursor })).clients;
    expect(second.nodes.map((n: any) => n.clientId)).toEqual(ids.slice(2, 4));
    expect(second.pageInfo.hasPreviousPage).toBe(true);
    const back = (await t.ok(query, { p: `${prefix}/`, last: 2, before: second.pageInfo.startCursor })).clients;
    expect(back.nodes.map((n: any) => n.clientId)).toEqual(ids.slice(0, 2));
    const tooMany = await t.gql(query, { p: prefix, first: 1001 });
    expect(errorCode(tooMany)).toBe('BAD_USER_INPUT');
  });

  it('treats % and _ in a prefix literally', async () => {
    const base = uniqueId('lit');
    await makeClient(t, { clientId: `${base}_x` });
    await makeClient(t, { clientId: `${base}ax` });
    const data = await t.ok('query ($p: String) { clients(prefix: $p) { nodes { clientId } } }', { p: `${base}_` });
    expect(data.clients.nodes.map((n: any) => n.clientId)).toEqual([`${base}_x`]);
  });

  it('deletes expired clients marked deleteOnExpiration in the cron job, and only those', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    const doomed = await makeClient(t, { expires: past, deleteOnExpiration: true });
    const kept = await makeClient(t, { expires: past, deleteOnExpiration: false });
    const alive = await makeClient(t, { deleteOnExpiration: true });
    expect(await expireClients(t.core)).toBeGreaterThanOrEqual(1);
    const read = async (id: string) => (await t.ok('query ($id: String!) { client(clientId: $id) { clientId } }', { id })).client;
    expect(await read(doomed.clientId)).toBeNull();
    expect(await read(kept.clientId)).not.toBeNull();
    expect(await read(alive.clientId)).not.toBeNull();
  });

  it('keeps root working with the configured token across restarts', async () => {
    const data = await t.ok('{ whoAmI { clientId scopes } }', {}, `root:${ROOT_TOKEN}`);
    expect(data.whoAmI).toEqual({ clientId: 'root', scopes: ['*'] });
  });
});

describe.each(databaseKinds)('audit history on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  const HISTORY = `query ($type: String!, $id: String!) {
    auditHistory(entityType: $type, entityId: $id) { nodes { action clientId at } totalCount } }`;

  it('records who created, changed and deleted a client, without any value', async () => {
    const client = await makeClient(t, { scopes: ['x:1'] });
    await t.ok('mutation ($id: String!) { resetAccessToken(clientId: $id) { clientId } }', { id: client.clientId }, t.root);
    await t.ok('mutation ($id: String!) { deleteClient(clientId: $id) }', { id: client.clientId }, t.root);
    const data = await t.ok(HISTORY, { type: 'client', id: client.clientId }, t.root);
    expect(data.auditHistory.nodes.map((n: any) => [n.action, n.clientId])).toEqual([
      ['created', 'root'],
      ['reset-access-token', 'root'],
      ['deleted', 'root'],
    ]);
    const rows = await t.core.db.query('SELECT * FROM audit_entries');
    expect(JSON.stringify(rows)).not.toContain(client.accessToken);
  });

  it('records role changes, and needs auth:audit-history to read them', async () => {
    const roleId = uniqueId('audited');
    await t.ok('mutation ($id: String!) { createRole(roleId: $id, role: { scopes: [] }) { roleId } }', { id: roleId }, t.root);
    await t.ok('mutation ($id: String!) { updateRole(roleId: $id, role: { scopes: ["a"] }) { roleId } }', { id: roleId }, t.root);
    const data = await t.ok(HISTORY, { type: 'role', id: roleId }, t.root);
    expect(data.auditHistory.nodes.map((n: any) => n.action)).toEqual(['created', 'updated']);
    const stranger = await makeClient(t);
    expect(errorCode(await t.gql(HISTORY, { type: 'role', id: roleId }, stranger.auth))).toBe('INSUFFICIENT_SCOPES');
    expect(errorCode(await t.gql(HISTORY, { type: 'planet', id: 'x' }, t.root))).toBe('BAD_USER_INPUT');
  });

  it('audits deleting a role but not deleting one that is gone, and refuses a roleId no role can have', async () => {
    // Found by the fuzz test: deleteRole audited any id, and on MySQL one longer than the audit
    // column failed as an internal error.
    const DELETE = 'mutation ($id: String!) { deleteRole(roleId: $id) }';
    const roleId = uniqueId('deleted');
    await t.ok('mutation ($id: String!) { createRole(roleId: $id, role: { scopes: [] }) { roleId } }', { id: roleId }, t.root);
    await t.ok(DELETE, { id: roleId }, t.root);
    expect((await t.ok(DELETE, { id: roleId }, t.root)).deleteRole).toBe(true);
    const data = await t.ok(HISTORY, { type: 'role', id: roleId }, t.root);
    expect(data.auditHistory.nodes.map((n: any) => n.action)).toEqual(['created', 'deleted']);
    const tooLong = await t.gql(DELETE, { id: 'r'.repeat(600) }, t.root);
    expect(errorCode(tooLong)).toBe('BAD_USER_INPUT');
    expect(tooLong.errors![0].extensions!.details).toMatchObject({ field: 'roleId' });
  });
});
