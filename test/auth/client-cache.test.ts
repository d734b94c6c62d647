// Gateways authenticate from client rows kept AUTH_CACHE_SECONDS: a change made through the API
// must still take effect at once, on the gateway that made it and, through Redis, on the others.
// The long cache (300 s) in most tests means only the invalidation can explain what they see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { makeClient, uniqueId } from '../support/factories';
import { errorCode } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';

const LONG_CACHE = { AUTH_CACHE_SECONDS: '300' };
const CURRENT = '{ currentScopes }';

async function refusedWithin(t: TestGateway, auth: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (errorCode(await t.gql(CURRENT, {}, auth)) === 'UNAUTHENTICATED') return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(databaseKinds)('the client cache on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: LONG_CACHE });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('authenticates from the kept row: a change made behind the API’s back is not read on each request', async () => {
    expect(t.core.clients.keeping).toBe(true);
    const client = await makeClient(t);
    expect((await t.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await t.core.db.query('UPDATE clients SET disabled = 1 WHERE client_id = ?', [client.clientId]);
    expect((await t.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
  });

  it('refuses a client at once once it is disabled, though it authenticated a moment before', async () => {
    const client = await makeClient(t);
    expect((await t.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await t.ok('mutation ($id: String!) { disableClient(clientId: $id) { disabled } }', { id: client.clientId }, t.root);
    const refused = await t.gql(CURRENT, {}, client.auth);
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.errors![0].message).toContain('disabled');
  });

  it('refuses the old token at once after a reset, and a deleted client at once', async () => {
    const client = await makeClient(t);
    expect((await t.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await t.ok('mutation ($id: String!) { resetAccessToken(clientId: $id) { accessToken } }', { id: client.clientId }, t.root);
    expect(errorCode(await t.gql(CURRENT, {}, client.auth))).toBe('UNAUTHENTICATED');

    const other = await makeClient(t);
    expect((await t.gql(CURRENT, {}, other.auth)).errors).toBeUndefined();
    await t.ok('mutation ($id: String!) { deleteClient(clientId: $id) }', { id: other.clientId }, t.root);
    expect(errorCode(await t.gql(CURRENT, {}, other.auth))).toBe('UNAUTHENTICATED');
  });

  it('answers with a client’s new scopes at once after an update', async () => {
    const scope = `cache-test:${uniqueId('s')}`;
    const client = await makeClient(t, { scopes: ['cache-test:before'] });
    expect((await t.ok(CURRENT, {}, client.auth)).currentScopes).toContain('cache-test:before');
    await t.ok('mutation ($id: String!, $s: [String!]) { updateClient(clientId: $id, client: { scopes: $s }) { clientId } }', { id: client.clientId, s: [scope] }, t.root);
    const scopes: string[] = (await t.ok(CURRENT, {}, client.auth)).currentScopes;
    expect(scopes).toContain(scope);
    expect(scopes).not.toContain('cache-test:before');
  });
});

describe.each(databaseKinds)('a short client cache on %s', (kind) => {
  let t: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { AUTH_CACHE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('notices a client disabled behind the API’s back once AUTH_CACHE_SECONDS have passed', async () => {
    const client = await makeClient(t);
    expect((await t.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await t.core.db.query('UPDATE clients SET disabled = 1 WHERE client_id = ?', [client.clientId]);
    expect(await refusedWithin(t, client.auth, 15_000)).toBe(true);
  });
});

const redisUrl = process.env.TEST_REDIS_URL;

describe.skipIf(!redisUrl).each(databaseKinds)('client changes across gateways through Redis on %s', (kind) => {
  let a: TestGateway;
  let b: TestGateway;
  beforeAll(async () => {
    a = await startTestGateway(kind, { env: { PUBSUB_URL: redisUrl!, ...LONG_CACHE } });
    b = await startTestGateway(kind, { database: a.database, env: { PUBSUB_URL: redisUrl!, ...LONG_CACHE } });
    // Each keeps rows once its Redis subscription is live; before then there is nothing to drop.
    const deadline = Date.now() + 20_000;
    while (!(a.core.clients.keeping && b.core.clients.keeping) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.core.clients.keeping && b.core.clients.keeping).toBe(true);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('refuses on one gateway a client disabled through the other, long before its cache would expire', async () => {
    const client = await makeClient(a);
    expect((await b.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await a.ok('mutation ($id: String!) { disableClient(clientId: $id) { disabled } }', { id: client.clientId }, a.root);
    // The cache keeps rows 300 s here: only the event can have told b.
    expect(await refusedWithin(b, client.auth, 20_000)).toBe(true);
  });

  it('refuses on one gateway a client deleted through the other', async () => {
    const client = await makeClient(a);
    expect((await b.gql(CURRENT, {}, client.auth)).errors).toBeUndefined();
    await a.ok('mutation ($id: String!) { deleteClient(clientId: $id) }', { id: client.clientId }, a.root);
    expect(await refusedWithin(b, client.auth, 20_000)).toBe(true);
  });
});
