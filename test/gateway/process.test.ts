// The gateway program as operators run it: bad configuration and an unreachable database end it
// with one clear message, the first start prints the root token, health endpoints answer, and
// SIGTERM drains in-flight requests, closes WebSockets with 1001 and exits 0.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { ROOT_TOKEN } from '../support/gateway';
import { gql, wsClient, wsQuery, wsSubscribe } from '../support/graphql';
import { freePort, killChildren, spawnGateway, STACK_FRAME, waitUntilListening, type GatewayChild } from './child';

describe('the gateway process', () => {
  const databases: TestDatabase[] = [];

  /** Env for a child on a fresh SQLite file and a data folder of its own. */
  async function freshEnv(overrides: Record<string, string> = {}): Promise<Record<string, string>> {
    const database = await createTestDatabase('sqlite');
    databases.push(database);
    const dataDir = database.config.kind === 'sqlite' ? `${database.config.file}.data` : '';
    return { DATABASE_URL: database.url, DATA_DIR: dataDir, GATEWAY_PORT: String(await freePort()), LOG_LEVEL: 'warn', ...overrides };
  }

  afterAll(async () => {
    await killChildren();
    await Promise.all(databases.map((d) => d.drop()));
  });

  describe('start-up failures', () => {
    afterEach(async () => {
      await killChildren();
    });

    it('exits 1 naming every bad variable, without a stack trace', async () => {
      const child = spawnGateway({
        GATEWAY_PORT: 'abc',
        DATABASE_URL: 'postgres://db/taskgate',
        PUBSUB_URL: 'http://x',
        LOG_LEVEL: 'loud',
        ROOT_ACCESS_TOKEN: 'short',
      });
      expect((await child.exited).code).toBe(1);
      const stderr = child.stderr();
      expect(stderr).toMatch(/^gateway: Invalid configuration:/);
      for (const name of ['GATEWAY_PORT', 'DATABASE_URL', 'PUBSUB_URL', 'LOG_LEVEL', 'ROOT_ACCESS_TOKEN']) expect(stderr).toContain(name);
      expect(stderr).not.toMatch(STACK_FRAME);
      expect(child.stdout()).toBe('');
    });

    it('exits 1 with one line saying the database refused the connection', async () => {
      const child = spawnGateway({ ...(await freshEnv()), DATABASE_URL: 'mysql://root@127.0.0.1:1/test' });
      expect((await child.exited).code).toBe(1);
      const lines = child.stderr().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('database');
      expect(lines[0]).toContain('mysql://127.0.0.1:1/test');
      expect(lines[0]).toContain('connection refused');
      expect(child.stderr()).not.toMatch(STACK_FRAME);
    });

    it('exits 1 with a clear line when the port is taken', async () => {
      const env = await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN });
      const first = spawnGateway(env);
      await waitUntilListening(first);
      const second = spawnGateway({ ...env });
      expect((await second.exited).code).toBe(1);
      expect(second.stderr()).toContain('port already in use');
      expect(second.stderr()).not.toMatch(STACK_FRAME);
    });
  });

  describe('the root client', () => {
    afterEach(async () => {
      await killChildren();
    });

    it('prints a generated root token on the first start only, and the token works', async () => {
      const env = await freshEnv();
      const first = spawnGateway(env);
      await waitUntilListening(first);
      const printed = [...first.stdout().matchAll(/accessToken: (\S+)/g)].map((m) => m[1]);
      expect(printed).toHaveLength(1);
      const token = printed[0];
      expect(first.stdout().match(/Root client created/g)).toHaveLength(1);
      const scopes = await gql(first.url, '{ currentScopes }', {}, `root:${token}`);
      expect(scopes.data).toEqual({ currentScopes: ['*'] });
      first.process.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);

      const second = spawnGateway(env);
      await waitUntilListening(second);
      expect(second.stdout()).not.toContain('accessToken');
      expect(second.stdout()).not.toContain(token);
      expect((await gql(second.url, '{ currentScopes }', {}, `root:${token}`)).data).toEqual({ currentScopes: ['*'] });
      second.process.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
    });

    it('prints no token when ROOT_ACCESS_TOKEN is set, and root uses that one', async () => {
      const child = spawnGateway(await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN }));
      await waitUntilListening(child);
      expect(child.stdout()).not.toContain('accessToken');
      expect((await gql(child.url, '{ currentScopes }', {}, `root:${ROOT_TOKEN}`)).data).toEqual({ currentScopes: ['*'] });
    });
  });

  it('starts three gateways at once on one new SQLite file: one migrates, the others wait for it (CI saw two race)', async () => {
    const env = await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN });
    const children = await Promise.all([0, 1, 2].map(async () => spawnGateway({ ...env, GATEWAY_PORT: String(await freePort()) })));
    await Promise.all(children.map((child) => waitUntilListening(child)));
    for (const child of children) expect((await gql(child.url, '{ currentScopes }', {}, `root:${ROOT_TOKEN}`)).data).toEqual({ currentScopes: ['*'] });
    await killChildren();
  }, 120_000);

  describe('a running gateway', () => {
    let child: GatewayChild;
    beforeAll(async () => {
      child = spawnGateway(await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN }));
      await waitUntilListening(child);
    });
    afterAll(async () => {
      await killChildren();
    });

    it('answers /healthz 200', async () => {
      const response = await fetch(`http://127.0.0.1:${child.port}/healthz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
    });

    it('answers /readyz 200 while the database is reachable', async () => {
      const response = await fetch(`http://127.0.0.1:${child.port}/readyz`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true, database: 'reachable' });
    });

    it('serves Prometheus metrics on /metrics', async () => {
      const response = await fetch(`http://127.0.0.1:${child.port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('process_cpu_user_seconds_total');
    });
  });

  describe('graceful shutdown', () => {
    afterEach(async () => {
      await killChildren();
    });

    it('on SIGTERM finishes the request in flight, closes WebSockets with 1001 and exits 0', async () => {
      const child = spawnGateway(await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN }));
      await waitUntilListening(child);

      const ws = wsClient(child.url, `root:${ROOT_TOKEN}`);
      try {
        const wsClosed = new Promise<{ code: number; reason: string }>((resolve) => {
          ws.on('closed', (event) => resolve(event as { code: number; reason: string }));
        });
        const subscription = wsSubscribe(ws, 'subscription { roleChanged { roleId } }');
        expect((await wsQuery(ws, '{ currentScopes }')).data).toEqual({ currentScopes: ['*'] });

        // A request the server is reading (it said 100 Continue) whose body is still arriving
        // when the signal comes.
        const slow = await SlowRequest.start(child.port, JSON.stringify({ query: '{ currentScopes }' }), `root:${ROOT_TOKEN}`);
        child.process.kill('SIGTERM');

        expect(await wsClosed).toMatchObject({ code: 1001 });
        subscription.stop();
        const response = await slow.finish();
        expect(response.status).toBe(200);
        expect(JSON.parse(response.body).data).toEqual({ currentScopes: ['*'] });

        expect(await child.exited).toEqual({ code: 0, signal: null });
        expect(child.stderr()).not.toMatch(STACK_FRAME);
      } finally {
        await ws.dispose();
      }
    });

    it.each(databaseKinds)('on SIGTERM after serving requests on %s exits 0 at once (Apollo’s own signal handler once raced ours and hung)', async (kind) => {
      const database = await createTestDatabase(kind);
      databases.push(database);
      const child = spawnGateway({ ...(await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN })), DATABASE_URL: database.url });
      await waitUntilListening(child);
      for (let i = 0; i < 5; i++) expect((await gql(child.url, '{ currentScopes }', {}, `root:${ROOT_TOKEN}`)).data).toEqual({ currentScopes: ['*'] });
      child.process.kill('SIGTERM');
      // Past the 30 s shutdown deadline the process exits 1 with "shutdown did not finish in time".
      expect(await child.exited).toEqual({ code: 0, signal: null });
    }, 60_000);

    it('refuses new connections once it has stopped', async () => {
      const child = spawnGateway(await freshEnv({ ROOT_ACCESS_TOKEN: ROOT_TOKEN }));
      await waitUntilListening(child);
      child.process.kill('SIGTERM');
      expect((await child.exited).code).toBe(0);
      await expect(fetch(`http://127.0.0.1:${child.port}/healthz`)).rejects.toThrow();
    });
  });
});

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** An HTTP POST sent by hand over a raw socket: headers and half the body now, the rest later. */
class SlowRequest {
  private received = '';
  private readonly ended: Promise<void>;

  private constructor(
    private readonly socket: net.Socket,
    private readonly rest: Buffer,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (this.received += chunk));
    this.ended = new Promise((resolve, reject) => {
      socket.once('end', () => resolve());
      socket.once('error', reject);
    });
  }

  /**
   * Sends the headers with `Expect: 100-continue` and waits for `100 Continue`, so the server
   * has taken the request in hand; then sends half the body.
   */
  static async start(port: number, body: string, auth: string): Promise<SlowRequest> {
    const bytes = Buffer.from(body, 'utf8');
    const half = Math.floor(bytes.length / 2);
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const request = new SlowRequest(socket, bytes.subarray(half));
    socket.write(
      [
        'POST /graphql HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Content-Type: application/json',
        `Content-Length: ${bytes.length}`,
        `Authorization: Bearer ${auth}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        '',
      ].join('\r\n'),
    );
    await request.until(CONTINUE);
    request.received = request.received.slice(CONTINUE.length);
    await new Promise<void>((resolve, reject) => socket.write(bytes.subarray(0, half), (e) => (e ? reject(e) : resolve())));
    return request;
  }

  private async until(text: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.received.startsWith(text)) {
      if (Date.now() > deadline) throw new Error(`expected ${JSON.stringify(text)}, got ${JSON.stringify(this.received)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Sends the rest of the body and reads the whole response. */
  async finish(): Promise<{ status: number; body: string }> {
    this.socket.write(this.rest);
    try {
      await this.ended;
    } finally {
      this.socket.destroy();
    }
    const [head, ...body] = this.received.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    let text = body.join('\r\n\r\n');
    if (/transfer-encoding: chunked/i.test(head)) text = dechunk(text);
    return { status, body: text };
  }
}

function dechunk(text: string): string {
  let out = '';
  let rest = text;
  for (;;) {
    const newline = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, newline), 16);
    if (!size) return out;
    out += rest.slice(newline + 2, newline + 2 + size);
    rest = rest.slice(newline + 2 + size + 2);
  }
}
