// No escalation (DESIGN §2): creating or updating a client or role requires holding every scope
// it grants (for updates, every scope it adds), on every path — plain, star and parameterized.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { inDays, makeClient, makeRole, uniqueId } from '../support/factories';
import { errorCode } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';

const CREATE_CLIENT = 'mutation ($id: String!, $c: ClientInput!) { createClient(clientId: $id, client: $c) { clientId } }';
const UPDATE_CLIENT = 'mutation ($id: String!, $c: ClientUpdateInput!) { updateClient(clientId: $id, client: $c) { clientId } }';
const CREATE_ROLE = 'mutation ($id: String!, $r: RoleInput!) { createRole(roleId: $id, role: $r) { roleId } }';
const UPDATE_ROLE = 'mutation ($id: String!, $r: RoleInput!) { updateRole(roleId: $id, role: $r) { roleId } }';

describe.each(databaseKinds)('escalation on %s', (kind) => {
  let t: TestGateway;
  let p: string;
  /** A project owner: may manage clients and roles under its own prefix, and holds project scopes. */
  let owner: string;

  beforeAll(async () => {
    t = await startTestGateway(kind);
    p = uniqueId('proj');
    owner = (
      await makeClient(t, {
        scopes: [
          `auth:create-client:${p}/*`,
          `auth:update-client:${p}/*`,
          `auth:enable-client:${p}/*`,
          `auth:create-role:${p}*`,
          `auth:update-role:${p}*`,
          `secrets:get:${p}/*`,
        ],
      })
    ).auth;
  });
  afterAll(async () => {
    await t?.close();
  });

  const refusals: [string, () => [string, Record<string, unknown>]][] = [
    ['a client with a scope the caller lacks', () => [CREATE_CLIENT, { id: `${p}/c1`, c: { expires: inDays(1), scopes: ['secrets:get:other/x'] } }]],
    ['a client with a star scope wider than the caller’s', () => [CREATE_CLIENT, { id: `${p}/c2`, c: { expires: inDays(1), scopes: ['secrets:get:*'] } }]],
    ['a client assuming a role the caller cannot assume', () => [CREATE_CLIENT, { id: `${p}/c3`, c: { expires: inDays(1), scopes: ['assume:admin'] } }]],
    ['a client outside the caller’s prefix', () => [CREATE_CLIENT, { id: 'elsewhere/c', c: { expires: inDays(1), scopes: [] } }]],
    ['a role granting a scope the caller lacks', () => [CREATE_ROLE, { id: `${p}-r1`, r: { scopes: ['queue:create-task:*'] } }]],
    ['a role granting `*`', () => [CREATE_ROLE, { id: `${p}-r2`, r: { scopes: ['*'] } }]],
    [
      'a parameterized role whose <..> reaches beyond the caller’s scopes',
      () => [CREATE_ROLE, { id: `${p}-param:*`, r: { scopes: [`secrets:get:${p}<..>`] } }],
    ],
    ['a parameterized role turning its parameter into any queue scope', () => [CREATE_ROLE, { id: `${p}-bare:*`, r: { scopes: ['queue:<..>'] } }]],
    ['a star role granting what the caller lacks', () => [CREATE_ROLE, { id: `${p}-star*`, r: { scopes: ['hooks:trigger-hook:*'] } }]],
  ];

  it.each(refusals)('refuses %s with INSUFFICIENT_SCOPES', async (_name, make) => {
    const [query, variables] = make();
    const result = await t.gql(query, variables, owner);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    expect(result.errors![0].extensions!.details.missing.length).toBeGreaterThan(0);
  });

  it('allows what the caller does hold, including a parameterized role within its scopes', async () => {
    expect((await t.gql(CREATE_CLIENT, { id: `${p}/ok`, c: { expires: inDays(1), scopes: [`secrets:get:${p}/a`] } }, owner)).errors).toBeUndefined();
    const param = await t.gql(CREATE_ROLE, { id: `${p}-sub:*`, r: { scopes: [`secrets:get:${p}/<..>`] } }, owner);
    expect(param.errors).toBeUndefined();
  });

  it('refuses to add a scope through updateClient, but allows keeping and dropping scopes', async () => {
    const clientId = `${p}/upd`;
    await t.ok(CREATE_CLIENT, { id: clientId, c: { expires: inDays(1), scopes: ['rare:scope'] } }, t.root);
    const add = await t.gql(UPDATE_CLIENT, { id: clientId, c: { scopes: ['rare:scope', 'queue:claim-work:*'] } }, owner);
    expect(errorCode(add)).toBe('INSUFFICIENT_SCOPES');
    expect(add.errors![0].extensions!.details.missing).toEqual(['queue:claim-work:*']);
    // The owner lacks rare:scope, but keeping what the client already had is no escalation.
    expect((await t.gql(UPDATE_CLIENT, { id: clientId, c: { scopes: ['rare:scope'], description: 'kept' } }, owner)).errors).toBeUndefined();
    expect((await t.gql(UPDATE_CLIENT, { id: clientId, c: { scopes: [] } }, owner)).errors).toBeUndefined();
  });

  it('refuses to add a scope through updateRole, including by widening a parameterized scope', async () => {
    const roleId = `${p}-grow:*`;
    await t.ok(CREATE_ROLE, { id: roleId, r: { scopes: [`secrets:get:${p}/<..>`] } }, t.root);
    const widened = await t.gql(UPDATE_ROLE, { id: roleId, r: { scopes: ['secrets:get:<..>'] } }, owner);
    expect(errorCode(widened)).toBe('INSUFFICIENT_SCOPES');
  });

  it('refuses to enable a client whose scopes the caller does not hold', async () => {
    const clientId = `${p}/dis`;
    await t.ok(CREATE_CLIENT, { id: clientId, c: { expires: inDays(1), scopes: ['queue:*'] } }, t.root);
    await t.ok('mutation ($id: String!) { disableClient(clientId: $id) { disabled } }', { id: clientId }, t.root);
    const result = await t.gql('mutation ($id: String!) { enableClient(clientId: $id) { disabled } }', { id: clientId }, owner);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
  });

  it('names the roles that would grant a missing scope', async () => {
    const grantor = uniqueId('grantor');
    await makeRole(t, grantor, ['deploy:prod']);
    const caller = await makeClient(t, { scopes: [`auth:create-client:${p}/*`] });
    const result = await t.gql(CREATE_CLIENT, { id: `${p}/needs`, c: { expires: inDays(1), scopes: ['deploy:prod'] } }, caller.auth);
    expect(errorCode(result)).toBe('INSUFFICIENT_SCOPES');
    expect(result.errors![0].extensions!.details).toMatchObject({ missing: ['deploy:prod'], grantingRoles: expect.arrayContaining([grantor]) });
    expect(result.errors![0].message).toContain(`assume:${grantor}`);
  });

  it('lets a star role grant only what its creator held', async () => {
    const star = `${p}-gh*`;
    await t.ok(CREATE_ROLE, { id: star, r: { scopes: [`secrets:get:${p}/<..>`] } }, owner);
    const data = await t.ok('query ($s: [String!]!) { expandScopes(scopes: $s) }', { s: [`assume:${p}-ghrepo`] });
    expect(data.expandScopes).toContain(`secrets:get:${p}/repo`);
  });
});
