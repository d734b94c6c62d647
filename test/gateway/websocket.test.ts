// graphql-ws on the gateway's own port and path: the same credentials, limits and error codes
// as HTTP, and subscriptions fed by the core's events.
import { getIntrospectionQuery } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { databaseKinds } from '../support/databases';
import { makeRole, uniqueId } from '../support/factories';
import { wsClient, wsQuery, wsSubscribe, type Auth } from '../support/graphql';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { expectNoOpenSockets } from './leaks';

const ANONYMOUS_SCOPES = ['assume:anonymous', 'queue:get-artifact:public/*'];

/** What the client sees when the server closes the socket. */
interface CloseInfo {
  code: number;
  reason: string;
}

describe.each(databaseKinds)('GraphQL over WebSocket on %s', (kind) => {
  let t: TestGateway;
  const clients: Client[] = [];

  /** A graphql-ws client that is disposed after the test, whatever happens. */
  function open(auth?: Auth): Client {
    const client = wsClient(t.url, auth);
    clients.push(client);
    return client;
  }

  /** Resolves with the close code and reason the first time the client's socket closes. */
  function closedOnce(client: Client): Promise<CloseInfo> {
    return new Promise((resolve) => {
      const off = client.on('closed', (event) => {
        off();
        const { code, reason } = event as CloseInfo;
        resolve({ code, reason: String(reason) });
      });
    });
  }

  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(async () => {
    await t?.close();
    await expectNoOpenSockets();
  });

  it('answers a query with root credentials in connectionParams with ["*"]', async () => {
    const result = await wsQuery(open(t.root), '{ currentScopes }');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ currentScopes: ['*'] });
  });

  it('gives a socket without credentials the anonymous scopes', async () => {
    const result = await wsQuery(open(), '{ currentScopes whoAmI { clientId } }');
    expect(result.data).toEqual({ currentScopes: ANONYMOUS_SCOPES, whoAmI: { clientId: null } });
  });

  it('runs several operations on one socket, each with the socket’s credentials', async () => {
    const client = open(t.root);
    const results = await Promise.all([wsQuery(client, '{ currentScopes }'), wsQuery(client, '{ whoAmI { clientId } }')]);
    expect(results.map((r) => r.data)).toEqual([{ currentScopes: ['*'] }, { whoAmI: { clientId: 'root' } }]);
  });

  it('closes the socket with 4403 and a reason naming UNAUTHENTICATED for a wrong token', async () => {
    const client = open('root:not-the-root-token');
    const closed = closedOnce(client);
    const refusal = await wsQuery(client, '{ currentScopes }').then(
      () => 'answered',
      (error: CloseInfo) => error,
    );
    expect(refusal).toMatchObject({ code: 4403 });
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toMatch(/^UNAUTHENTICATED: /);
  });

  it('closes the socket with 4403 for malformed credentials', async () => {
    for (const auth of ['!!!not-base64-json', 'nobody:whatever']) {
      const client = open(auth);
      const closed = closedOnce(client);
      await expect(wsQuery(client, '{ currentScopes }')).rejects.toMatchObject({ code: 4403 });
      expect((await closed).reason).toContain('UNAUTHENTICATED');
    }
  });

  it('refuses an operation too deep with TOO_COMPLEX, and the socket stays usable', async () => {
    const client = open();
    const deep = '{ __type(name: "Client") { ' + 'ofType { '.repeat(48) + 'name' + ' }'.repeat(48) + ' } }';
    const errors = await wsQuery(client, deep).then(
      () => [],
      (e: { message: string; extensions?: { code?: string; details?: any } }[]) => e,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0].extensions?.code).toBe('TOO_COMPLEX');
    expect(errors[0].message).toBe('the operation is 50 levels deep; the limit is 16');
    expect(errors[0].extensions?.details).toMatchObject({ depth: 50, maxDepth: 16 });
    expect((await wsQuery(client, '{ currentScopes }')).data).toEqual({ currentScopes: ANONYMOUS_SCOPES });
  });

  it('refuses a field repeated thousands of times with TOO_COMPLEX', async () => {
    const errors = await wsQuery(open(), '{ ' + '__typename '.repeat(9000) + '}').then(
      () => [],
      (e: { message: string; extensions?: { code?: string } }[]) => e,
    );
    expect(errors.map((e) => e.extensions?.code)).toEqual(['TOO_COMPLEX']);
  });

  it('refuses an unknown field with BAD_USER_INPUT', async () => {
    const errors = await wsQuery(open(), '{ noSuchField }').then(
      () => [],
      (e: { message: string; extensions?: { code?: string } }[]) => e,
    );
    expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(errors[0].message).toContain('noSuchField');
  });

  it('refuses a subscription with a bad @skip argument with BAD_USER_INPUT instead of closing with 4500', async () => {
    const client = open();
    for (const query of ['subscription { roleChanged @skip(if: 5) { roleId } }', 'subscription { roleChanged @include(if: $nope) { roleId } }']) {
      const errors = await wsQuery(client, query).then(
        () => [],
        (e: { message: string; extensions?: { code?: string } }[]) => e,
      );
      expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
    expect((await wsQuery(client, '{ currentScopes }')).data).toEqual({ currentScopes: ANONYMOUS_SCOPES });
  });

  it('refuses a document nested too deeply to parse with BAD_USER_INPUT instead of closing with 4500', async () => {
    const client = open();
    const deep = [`{ a(x: ${'['.repeat(4000)}1${']'.repeat(4000)}) }`, `{ ${'a { '.repeat(4000)}b${' }'.repeat(4000)} }`];
    for (const query of deep) {
      const errors = await wsQuery(client, query).then(
        () => [],
        (e: { message: string; extensions?: { code?: string } }[]) => e,
      );
      expect(errors.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(errors[0].message).toContain('too deeply to parse');
    }
    expect((await wsQuery(client, '{ currentScopes }')).data).toEqual({ currentScopes: ANONYMOUS_SCOPES });
  });

  it('refuses a variable of the wrong type with BAD_USER_INPUT, as over HTTP', async () => {
    const result = await wsQuery(open(), 'query ($s: [String!]!) { expandScopes(scopes: $s) }', { s: [1, { a: 2 }] });
    // One error per bad element, as graphql-js reports them.
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(result.errors?.[0].message).toContain('$s');
  });

  it('refuses a mutation the socket’s caller may not make with INSUFFICIENT_SCOPES', async () => {
    const result = await wsQuery(open(), 'mutation { createRole(roleId: "ws-anon", role: { scopes: [] }) { roleId } }');
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['INSUFFICIENT_SCOPES']);
    expect(result.errors?.[0].extensions?.details?.missing).toEqual(['auth:create-role:ws-anon']);
  });

  it('delivers roleChanged after a createRole made over HTTP', async () => {
    const prefix = `${uniqueId('ws-role')}/`;
    const subscription = wsSubscribe(open(t.root), 'subscription ($p: String) { roleChanged(prefix: $p) { roleId change } }', { p: prefix });
    try {
      // The subscription is live once the server has subscribed to the event bus, which the
      // client is not told: create roles until one is seen, then check the next change exactly.
      const created: string[] = [];
      for (let attempt = 0; attempt < 50 && subscription.events.length === 0; attempt++) {
        const roleId = `${prefix}${attempt}`;
        await makeRole(t, roleId, []);
        created.push(roleId);
        await subscription.waitFor(1, 200).catch(() => undefined);
      }
      expect(subscription.errors).toEqual([]);
      const [first] = await subscription.waitFor(1);
      expect(first.data?.roleChanged.change).toBe('created');
      expect(created).toContain(first.data?.roleChanged.roleId);

      const seen = subscription.events.length;
      const other = `${uniqueId('ws-other')}/x`;
      await makeRole(t, other, []);
      const roleId = created[created.length - 1];
      await t.ok('mutation ($id: String!) { updateRole(roleId: $id, role: { scopes: ["a:b"] }) { roleId } }', { id: roleId }, t.root);
      const events = await subscription.waitFor(seen + 1);
      expect(events[events.length - 1].data).toEqual({ roleChanged: { roleId, change: 'updated' } });
      // The role outside the prefix was filtered out.
      expect(events.map((e) => e.data?.roleChanged.roleId)).not.toContain(other);
    } finally {
      subscription.stop();
    }
  });

  it('closes a socket that sends a frame over the size limit with 1009, as the client’s error, and keeps serving', async () => {
    const printed = vi.spyOn(console, 'error');
    try {
      const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(9 * 1024 * 1024) } }));
      expect(await closed).toBe(1009);
      // graphql-ws prints such errors as internal ones, with a stack trace, unless the gateway
      // handles them itself.
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
    expect((await wsQuery(open(), '{ currentScopes }')).data).toEqual({ currentScopes: ANONYMOUS_SCOPES });
  });

  it.each(['connection_ack', 'next', 'error'])('closes a socket whose client sends %s (a server’s message) with 4400, not 4500', async (type) => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, String(reason)])));
    socket.send(JSON.stringify({ type: 'connection_init' }));
    socket.send(JSON.stringify({ type, id: 'a', payload: {} }));
    const [code, reason] = await closed;
    expect(code).toBe(4400);
    expect(reason).toContain(type);
  });

  it('takes a client that leaves while its answers are backed up for gone, not for an internal error', async () => {
    const logged = vi.spyOn(t.core.log, 'error');
    try {
      const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('open', resolve));
      const acked = new Promise((resolve) => socket.once('message', resolve));
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await acked;
      // The client stops reading: the full introspection answers (hundreds of KB each) fill the
      // socket buffers, so the server's writes wait; then the client goes away under them.
      (socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const query = getIntrospectionQuery({ descriptions: true });
      for (let i = 0; i < 40; i++) socket.send(JSON.stringify({ type: 'subscribe', id: `q${i}`, payload: { query } }));
      await new Promise((resolve) => setTimeout(resolve, 1500));
      socket.terminate();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it('closes every socket with 1001 when the gateway shuts down', async () => {
    const own = await startTestGateway(kind, { database: t.database });
    const client = wsClient(own.url, t.root);
    clients.push(client);
    const closed = closedOnce(client);
    const subscription = wsSubscribe(client, 'subscription { roleChanged { roleId } }');
    expect((await wsQuery(client, '{ currentScopes }')).data).toEqual({ currentScopes: ['*'] });
    await own.close();
    expect(await closed).toEqual({ code: 1001, reason: 'gateway shutting down' });
    subscription.stop();
  });
});
