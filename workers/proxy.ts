// The per-task proxy: a local HTTP server (127.0.0.1, a random port) that a task reaches through
// TASKCLUSTER_PROXY_URL to act with its task credentials without ever holding them.
//   GET /secrets/<name>                → {name, secret, expires}
//   GET /api/secrets/v1/secret/<name>  → {secret, expires}  (Taskcluster's path, for its clients)
// Every string value of a secret read this way is masked in the task's log from then on: the
// masker learns the values before the task receives them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, GatewayUnavailable, GraphqlError } from './graphql/client';
import { SECRET, type SecretResult } from './graphql/documents';
import type { Masker } from './lines';
import type { RunAccess } from './upload';

export interface TaskProxy {
  url: string;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { BAD_USER_INPUT: 400, UNAUTHENTICATED: 401, INSUFFICIENT_SCOPES: 403, NOT_FOUND: 404, EXPIRED: 410, RATE_LIMITED: 429 };

export async function startProxy(run: RunAccess, masker: Masker): Promise<TaskProxy> {
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((error) => answer(res, 500, { code: 'INTERNAL_SERVER_ERROR', message: describe(error) }));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const route = /^\/(?:secrets|api\/secrets\/v1\/secret)\/(.+)$/.exec(url.pathname);
    if (!route) return answer(res, 404, { code: 'NOT_FOUND', message: 'the proxy serves GET /secrets/<name> (and /api/secrets/v1/secret/<name>)' });
    if (req.method !== 'GET') return answer(res, 405, { code: 'BAD_USER_INPUT', message: 'only GET is supported' });
    let name: string;
    try {
      name = decodeURIComponent(route[1]);
    } catch {
      return answer(res, 400, { code: 'BAD_USER_INPUT', message: 'the secret name is not validly percent-encoded' });
    }
    try {
      const { secret } = await run.client.call<SecretResult>(SECRET, { name }, { auth: run.auth(), until: Date.now() + 60_000, signal: run.signal });
      if (!secret) return answer(res, 404, { code: 'NOT_FOUND', message: `there is no secret ${name} (or it expired)` });
      masker.add(secret.secret);
      const taskcluster = url.pathname.startsWith('/api/');
      return answer(res, 200, taskcluster ? { secret: secret.secret, expires: secret.expires } : secret);
    } catch (error) {
      if (error instanceof GraphqlError) return answer(res, STATUS[error.code] ?? 500, { code: error.code, message: error.message });
      if (error instanceof GatewayUnavailable) return answer(res, 502, { code: 'INTERNAL_SERVER_ERROR', message: describe(error) });
      throw error;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
