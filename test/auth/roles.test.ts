import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeClient, makeRole, uniqueId } from '../support/factories';
import { errorCode } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';

const UPDATE_ROLE = 'mutation ($id: String!, $role: RoleInput!) { updateRole(roleId: $id, role: $role) { scopes expandedScopes } }';

describe.each(databaseKinds)('roles on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('grants a role’s scopes to a client holding assume:<roleId>, recursively', async () => {
    const base = uniqueId('r');
    await makeRole(t, `${base}/inner`, ['secrets:get:inner']);
    await makeRole(t, `${base}/outer`, ['queue:x', `assume:${base}/inner`]);
    const client = await makeClient(t, { scopes: [`assume:${base}/outer`] });
    const data = await t.ok('{ currentScopes }', {}, client.auth);
    expect(data.currentScopes).toEqual(
      expect.arrayContaining([`assume:${base}/inner`, `assume:${base}/outer`, 'queue:x', 'secrets:get:inner']),
    );
  });

  it('expands parameterized roles, replacing <..> with the matched suffix', async () => {
    const base = uniqueId('project-admin');
    await makeRole(t, `${base}:*`, ['secrets:get:project/<..>/*', 'hooks:modify-hook:project-<..>/*']);
    const data = await t.ok('query ($s: [String!]!) { expandScopes(scopes: $s) }', { s: [`assume:${base}:fuzzball`] });
    expect(data.expandScopes).toEqual(
      expect.arrayContaining(['secrets:get:project/fuzzball/*', 'hooks:modify-hook:project-fuzzball/*']),
    );
    expect(data.expandScopes).not.toContain('secrets:get:project/<..>/*');
  });

  it('grants every role under a prefix to assume:<prefix>*', async () => {
    const base = uniqueId('team');
    await makeRole(t, `${base}/a`, ['x:a']);
    await makeRole(t, `${base}/b`, ['x:b']);
    const data = await t.ok('query ($s: [String!]!) { expandScopes(scopes: $s) }', { s: [`assume:${base}/*`] });
    expect(data.expandScopes).toEqual(expect.arrayContaining(['x:a', 'x:b']));
  });

  it('takes a role change into account at once for every client that assumes it', async () => {
    const roleId = uniqueId('live');
    await makeRole(t, roleId, ['a:1']);
    const client = await makeClient(t, { scopes: [`assume:${roleId}`] });
    expect((await t.ok('{ currentScopes }', {}, client.auth)).currentScopes).toContain('a:1');
    await t.ok(UPDATE_ROLE, { id: roleId, role: { scopes: ['a:2'] } }, t.root);
    const after = (await t.ok('{ currentScopes }', {}, client.auth)).currentScopes;
    expect(after).toContain('a:2');
    expect(after).not.toContain('a:1');
    await t.ok('mutation ($id: String!) { deleteRole(roleId: $id) }', { id: roleId }, t.root);
    expect((await t.ok('{ currentScopes }', {}, client.auth)).currentScopes).not.toContain('a:2');
  });

  it('refuses a change that would make roles depend on each other in a cycle', async () => {
    const base = uniqueId('cyc');
    await makeRole(t, `${base}/a`, [`assume:${base}/b`]);
    const created = await t.gql('mutation ($id: String!, $role: RoleInput!) { createRole(roleId: $id, role: $role) { roleId } }', {
      id: `${base}/b`,
      role: { scopes: [`assume:${base}/a`] },
    }, t.root);
    expect(errorCode(created)).toBe('BAD_USER_INPUT');
    expect(created.errors![0].message).toContain('cycle');
    expect(created.errors![0].extensions!.details.cycle).toEqual([`${base}/a`, `${base}/b`, `${base}/a`]);
    // Nothing was written.
    expect((await t.ok('query ($id: String!) { role(roleId: $id) { roleId } }', { id: `${base}/b` })).role).toBeNull();
  });

  it('refuses a cycle made through a star scope and through an update', async () => {
    const base = uniqueId('cyc2');
    await makeRole(t, `${base}/hub`, []);
    await makeRole(t, `${base}/leaf`, [`assume:${base}/hub`]);
    const result = await t.gql(UPDATE_ROLE, { id: `${base}/hub`, role: { scopes: [`assume:${base}/l*`] } }, t.root);
    expect(errorCode(result)).toBe('BAD_USER_INPUT');
    expect((await t.ok('query ($id: String!) { role(roleId: $id) { scopes } }', { id: `${base}/hub` })).role.scopes).toEqual([]);
  });

  it('refuses a scope ending in ** and a parameterized role that grants itself', async () => {
    const starstar = await t.gql('mutation { createRole(roleId: "bad-stars", role: { scopes: ["a:**"] }) { roleId } }', {}, t.root);
    expect(errorCode(starstar)).toBe('BAD_USER_INPUT');
    const base = uniqueId('selfparam');
    const self = await t.gql('mutation ($id: String!) { createRole(roleId: $id, role: { scopes: ["assume:' + base + 'x<..>"] }) { roleId } }', { id: `${base}*` }, t.root);
    expect(errorCode(self)).toBe('BAD_USER_INPUT');
  });

  it('refuses a second role with the same id and updates of a missing role', async () => {
    const roleId = uniqueId('dup');
    await makeRole(t, roleId, []);
    expect(errorCode(await t.gql('mutation ($id: String!) { createRole(roleId: $id, role: { scopes: [] }) { roleId } }', { id: roleId }, t.root))).toBe('CONFLICT');
    expect(errorCode(await t.gql(UPDATE_ROLE, { id: uniqueId('missing'), role: { scopes: [] } }, t.root))).toBe('NOT_FOUND');
  });

  it('lists roles by prefix with their expanded scopes, and reads several roles in one query', async () => {
    const base = uniqueId('list');
    await makeRole(t, `${base}/1`, ['s:1']);
    await makeRole(t, `${base}/2`, [`assume:${base}/1`]);
    const data = await t.ok(
      'query ($p: String, $a: String!, $b: String!) { roles(prefix: $p) { totalCount nodes { roleId expandedScopes } } a: role(roleId: $a) { roleId } b: role(roleId: $b) { roleId } }',
      { p: `${base}/`, a: `${base}/1`, b: `${base}/2` },
    );
    expect(data.roles.totalCount).toBe(2);
    expect(data.roles.nodes[1].expandedScopes).toEqual(expect.arrayContaining([`assume:${base}/1`, 's:1']));
    expect([data.a.roleId, data.b.roleId]).toEqual([`${base}/1`, `${base}/2`]);
  });

  it('has a default anonymous role that makes public artifacts readable', async () => {
    const data = await t.ok('{ role(roleId: "anonymous") { scopes } }');
    expect(data.role.scopes).toEqual(['queue:get-artifact:public/*']);
  });

  it('shows which roles and clients hold a scope in the scope inspector', async () => {
    const base = uniqueId('insp');
    await makeRole(t, `${base}-role`, [`inspect:${base}`]);
    const holder = await makeClient(t, { scopes: [`assume:${base}-role`] });
    await makeClient(t, { scopes: ['unrelated'] });
    const data = await t.ok('query ($s: String!) { scopeHolders(scope: $s) { roles clients truncated } }', { s: `inspect:${base}` }, t.root);
    expect(data.scopeHolders.roles).toEqual([`${base}-role`]);
    expect(data.scopeHolders.clients).toEqual(['root', holder.clientId].sort());
    expect(data.scopeHolders.truncated).toBe(false);
  });
});

describe.each(databaseKinds)('roles across two gateways on one %s database', (kind) => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    a = await startTestGateway(kind);
    b = await startTestGateway(kind, { database: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('sees a role change made through the other gateway within the refresh interval, without a shared event bus', async () => {
    const roleId = uniqueId('replica');
    await makeRole(a, roleId, ['r:1']);
    const client = await makeClient(a, { scopes: [`assume:${roleId}`] });
    // Warm b's cache, then change the role through a.
    expect((await b.ok('{ currentScopes }', {}, client.auth)).currentScopes).toContain('r:1');
    await a.ok(UPDATE_ROLE, { id: roleId, role: { scopes: ['r:2'] } }, a.root);
    const deadline = Date.now() + 15_000;
    let scopes: string[] = [];
    while (Date.now() < deadline) {
      scopes = (await b.ok('{ currentScopes }', {}, client.auth)).currentScopes;
      if (scopes.includes('r:2')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(scopes).toContain('r:2');
    expect(scopes).not.toContain('r:1');
  });
});
