// The database goes away and comes back while the gateway runs: requests fail at once with a
// clear, retryable error (never a driver message), readiness turns 503 while liveness stays 200,
// and service resumes by itself once the database is back — no restart.
//
// MySQL/MariaDB only: SQLite is an embedded file inside the gateway process, it cannot become
// unreachable. Without TEST_MYSQL_URL there is no server to put a proxy in front of.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_UNAVAILABLE_MESSAGE } from '../../gateway/errors';
import { createTestDatabase, type TestDatabase } from '../support/databases';
import { CREATE_ROLE, uniqueId } from '../support/factories';
import { wsClient, wsQuery, type GraphqlResponse } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { expectNoOpenSockets } from './leaks';
import { TcpProxy } from './tcp-proxy';

/** Generous: a hung request fails the test here instead of at the test timeout. */
const REQUEST_TIMEOUT_MS = 15_000;

describe.skipIf(!process.env.TEST_MYSQL_URL)('a gateway whose database goes away (mysql)', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestGateway;

  beforeAll(async () => {
    database = await createTestDatabase('mysql');
    const server = new URL(database.url);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 3306) });
    const proxied = new URL(database.url);
    proxied.port = String(proxy.port);
    // Open while the gateway starts: start-up connects and migrates.
    t = await startTestGateway('mysql', {
      database: { ...database, url: proxied.toString(), config: { kind: 'mysql', url: proxied.toString() } },
      // Short, so the "server stops answering" case fails well inside the test's patience.
      // No authentication cache: every request here looks its credentials up in the database.
      env: { DATABASE_QUERY_TIMEOUT_SECONDS: '2', AUTH_CACHE_SECONDS: '0' },
    });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.close();
    await database?.drop();
    await expectNoOpenSockets();
  });

  async function post(query: string, variables: Record<string, unknown> = {}, auth?: string): Promise<GraphqlResponse> {
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { ...((await response.json()) as GraphqlResponse), status: response.status };
  }

  async function status(path: string): Promise<number> {
    return (await fetch(new URL(path, t.url), { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })).status;
  }

  /** Calls `attempt` until it stops throwing, for at most `ms`. */
  async function eventually<T>(attempt: () => Promise<T>, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  function expectRetryable(result: GraphqlResponse) {
    expect(result.errors).toHaveLength(1);
    const [error] = result.errors!;
    expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.message).toBe(DATABASE_UNAVAILABLE_MESSAGE);
    expect(error.extensions?.details?.retryable).toBe(true);
    // Nothing of the driver leaks: no error code, address or port.
    expect(JSON.stringify(result)).not.toMatch(/ECONN|PROTOCOL_|127\.0\.0\.1|connect |mysql/i);
  }

  const operations: [string, string, () => string | undefined, () => Record<string, unknown>][] = [
    ['an authenticated query (the credentials are looked up)', '{ currentScopes }', () => t.root, () => ({})],
    ['an anonymous query that reads a table', 'query ($id: String!) { role(roleId: $id) { roleId } }', () => undefined, () => ({ id: 'x' })],
    ['a mutation', CREATE_ROLE, () => t.root, () => ({ roleId: uniqueId('outage'), role: { scopes: [] } })],
  ];

  it.each(operations)('answers %s with a retryable INTERNAL_SERVER_ERROR while the database is cut', async (_name, query, auth, variables) => {
    await proxy.cut();
    try {
      expectRetryable(await post(query, variables(), auth()));
      // And again, now that the pool knows its connections are gone.
      expectRetryable(await post(query, variables(), auth()));
    } finally {
      await proxy.restore();
    }
  });

  it('answers 503 for the request that could not even authenticate', async () => {
    await proxy.cut();
    try {
      expect((await post('{ currentScopes }', {}, t.root)).status).toBe(503);
    } finally {
      await proxy.restore();
    }
  });

  it('turns /readyz 503 while the database is cut and /healthz stays 200', async () => {
    expect(await status('/readyz')).toBe(200);
    await proxy.cut();
    try {
      expect(await status('/readyz')).toBe(503);
      expect(await status('/healthz')).toBe(200);
    } finally {
      await proxy.restore();
    }
    await eventually(async () => expect(await status('/readyz')).toBe(200));
  });

  it('fails a request with the retryable error when the database stops answering, and recovers after', async () => {
    expect((await post('{ currentScopes }', {}, t.root)).errors).toBeUndefined();
    proxy.freeze();
    try {
      expectRetryable(await post('query ($id: String!) { role(roleId: $id) { roleId } }', { id: 'anonymous' }, t.root));
    } finally {
      proxy.thaw();
    }
    await eventually(async () => {
      const result = await post('query ($id: String!) { role(roleId: $id) { roleId } }', { id: 'anonymous' }, t.root);
      expect(result.data).toEqual({ role: { roleId: 'anonymous' } });
    });
  });

  it('serves again by itself once the database is back, without a restart', async () => {
    await proxy.cut();
    expectRetryable(await post('{ currentScopes }', {}, t.root));
    await proxy.restore();

    const back = await eventually(async () => {
      const result = await post('{ currentScopes }', {}, t.root);
      expect(result.errors).toBeUndefined();
      return result;
    });
    expect(back.data).toEqual({ currentScopes: ['*'] });
    const roleId = uniqueId('after-outage');
    const created = await post(CREATE_ROLE, { roleId, role: { scopes: ['a:b'] } }, t.root);
    expect(created.errors).toBeUndefined();
    const read = await post('query ($id: String!) { role(roleId: $id) { roleId scopes } }', { id: roleId });
    expect(read.data).toEqual({ role: { roleId, scopes: ['a:b'] } });
  });

  it('tells a WebSocket connecting during the outage to try again later (1013), not that it is forbidden', async () => {
    await proxy.cut();
    const client = wsClient(t.url, t.root);
    try {
      const closed = new Promise<{ code: number; reason: string }>((resolve) => {
        client.on('closed', (event) => resolve(event as { code: number; reason: string }));
      });
      await expect(wsQuery(client, '{ currentScopes }')).rejects.toMatchObject({ code: 1013 });
      const { code, reason } = await closed;
      expect(code).toBe(1013);
      expect(reason).toBe(`INTERNAL_SERVER_ERROR: ${DATABASE_UNAVAILABLE_MESSAGE}`);
    } finally {
      await client.dispose();
      await proxy.restore();
    }
  });

  it('answers an open WebSocket with the retryable error during the outage, and serves it again after', async () => {
    const client = wsClient(t.url);
    try {
      const query = 'query ($id: String!) { role(roleId: $id) { roleId } }';
      expect((await wsQuery(client, query, { id: 'x' })).data).toEqual({ role: null });
      await proxy.cut();
      try {
        const result = await wsQuery(client, query, { id: 'x' });
        expectRetryable(result);
      } finally {
        await proxy.restore();
      }
      await eventually(async () => expect((await wsQuery(client, query, { id: 'x' })).errors).toBeUndefined());
    } finally {
      await client.dispose();
    }
  });
});
