// Whatever a client sends, the gateway answers with an error from the closed set, a clear
// message and no internals, quickly, and keeps serving afterwards.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { expectNoOpenSockets } from './leaks';

const CLOSED_SET = [
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'INSUFFICIENT_SCOPES',
  'NOT_FOUND',
  'CONFLICT',
  'EXPIRED',
  'TOO_COMPLEX',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
];

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  body: { data?: any; errors?: { message: string; extensions?: { code?: string; details?: any } }[]; extensions?: any };
}

/** Sends exactly what it is given, and checks what every answer must satisfy. */
async function send(url: string, init: RequestInit): Promise<RawResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  for (const error of body.errors ?? []) {
    expect(CLOSED_SET).toContain(error.extensions?.code);
    expect(typeof error.message).toBe('string');
    expect(error.extensions).not.toHaveProperty('stacktrace');
    expect(error.extensions).not.toHaveProperty('exception');
  }
  // No stack frame, no source path, whatever the error.
  expect(text).not.toMatch(/\bat .+\(.*:\d+:\d+\)|node_modules|\.ts:\d+/);
  return { status: response.status, headers: response.headers, text, body };
}

/** Writes raw bytes on a new connection and returns all the server sent before closing it. */
function rawRequest(port: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(request);
  });
}

function postJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function onlyError(response: RawResponse) {
  expect(response.body.data ?? null).toBeNull();
  expect(response.body.errors).toHaveLength(1);
  return response.body.errors![0];
}

/** `{ __type(name: "Client") { ofType { ofType { … name } } } }`, `levels` fields deep. */
function deepIntrospection(levels: number): string {
  return '{ __type(name: "Client") { ' + 'ofType { '.repeat(levels - 2) + 'name' + ' }'.repeat(levels - 2) + ' } }';
}

function aliases(count: number): string {
  return '{ ' + Array.from({ length: count }, (_, i) => `a${i}: currentScopes`).join(' ') + ' }';
}

describe.each(databaseKinds)('bad input over HTTP on %s', (kind) => {
  let t: TestGateway;
  let cheap: TestGateway;
  beforeAll(async () => {
    t = await startTestGateway(kind);
    // A second gateway with a tiny cost budget, for operations that are cheap to parse but
    // over budget; it shares the first one's database.
    cheap = await startTestGateway(kind, { database: t.database, env: { GRAPHQL_MAX_COST: '100' } });
  });
  afterAll(async () => {
    await cheap?.close();
    await t?.close();
    await expectNoOpenSockets();
  });

  it('answers a body that is not JSON with 400 BAD_USER_INPUT', async () => {
    const response = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "{ currentScopes }"' });
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('not valid JSON');
  });

  it('answers JSON that is not an object (a bare string) with 400 BAD_USER_INPUT', async () => {
    const response = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '"{ currentScopes }"' });
    expect(response.status).toBe(400);
    expect(onlyError(response).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('answers a query for an unknown field with BAD_USER_INPUT naming the field', async () => {
    const response = await send(t.url, postJson({ query: '{ noSuchField }' }));
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('Cannot query field "noSuchField"');
  });

  it('answers a syntax error with BAD_USER_INPUT', async () => {
    const response = await send(t.url, postJson({ query: '{ currentScopes ' }));
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('Syntax Error');
  });

  it('refuses a 10 MB body with 413 BAD_USER_INPUT', async () => {
    const body = JSON.stringify({ query: '{ currentScopes }', variables: { padding: 'x'.repeat(10 * 1024 * 1024) } });
    const response = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(413);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('larger than the limit');
  });

  it('refuses an operation 50 levels deep with TOO_COMPLEX, giving the depth and the limit', async () => {
    const response = await send(t.url, postJson({ query: deepIntrospection(50) }));
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('TOO_COMPLEX');
    expect(error.message).toBe('the operation is 50 levels deep; the limit is 16');
    expect(error.extensions?.details).toMatchObject({ depth: 50, maxDepth: 16 });
  });

  it('accepts an introspection query within the depth limit', async () => {
    const response = await send(t.url, postJson({ query: deepIntrospection(12) }));
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.data.__type).toEqual({ ofType: null });
  });

  it('refuses a deep operation hidden in nested fragments with TOO_COMPLEX', async () => {
    const fragments = Array.from({ length: 20 }, (_, i) =>
      i < 19 ? `fragment T${i} on __Type { ofType { ...T${i + 1} } }` : `fragment T${i} on __Type { name }`,
    );
    const response = await send(t.url, postJson({ query: `{ __type(name: "Client") { ...T0 } } ${fragments.join(' ')}` }));
    expect(onlyError(response).extensions?.code).toBe('TOO_COMPLEX');
  });

  it('refuses an alias bomb over the token limit with BAD_USER_INPUT, before validating it', async () => {
    const started = Date.now();
    const response = await send(t.url, postJson({ query: aliases(5000) }));
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toMatch(/more th.t 10000 tokens/);
    // Generous: the point is "not minutes", on a shared two-core machine.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses the same field repeated thousands of times with TOO_COMPLEX and a clear message', async () => {
    for (const query of ['{ ' + '__typename '.repeat(9000) + '}', '{ ' + 'a: currentScopes '.repeat(3000) + '}']) {
      const started = Date.now();
      const response = await send(t.url, postJson({ query }));
      expect(response.status).toBe(400);
      const error = onlyError(response);
      expect(error.extensions?.code).toBe('TOO_COMPLEX');
      expect(error.message).toContain('too many fields share one response name');
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });

  it('refuses thousands of aliases under the token limit but over the cost limit with TOO_COMPLEX', async () => {
    const response = await send(cheap.url, postJson({ query: aliases(3000) }));
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('TOO_COMPLEX');
    expect(error.message).toBe('the operation costs 3000; the limit is 100 (ask for smaller pages)');
    expect(error.extensions?.details).toEqual({ depth: 1, maxDepth: 16, cost: 3000, maxCost: 100 });
  });

  it('prices a page by its size: 60 roles cost over 100, 10 roles do not', async () => {
    const query = 'query ($n: Int) { roles(first: $n) { nodes { roleId } } }';
    const over = await send(cheap.url, postJson({ query, variables: { n: 60 } }));
    expect(onlyError(over).extensions?.code).toBe('TOO_COMPLEX');
    const within = await send(cheap.url, postJson({ query, variables: { n: 10 } }));
    expect(within.body.errors).toBeUndefined();
    expect(within.body.extensions.cost).toEqual({ requested: 21, limit: 100 });
  });

  it('refuses a batched array of operations with 400 BAD_USER_INPUT', async () => {
    const response = await send(t.url, postJson([{ query: '{ currentScopes }' }, { query: '{ currentScopes }' }]));
    expect(response.status).toBe(400);
    expect(onlyError(response).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a POST without a query with 400 BAD_USER_INPUT', async () => {
    for (const body of [{}, { query: '' }, { query: 42 }, { variables: { a: 1 } }]) {
      const response = await send(t.url, postJson(body));
      expect(response.status).toBe(400);
      expect(onlyError(response).extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuses a GET without a query with 400 BAD_USER_INPUT', async () => {
    const response = await send(t.url, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('non-empty `query`');
  });

  it('refuses a mutation sent by GET', async () => {
    const query = encodeURIComponent('mutation { deleteRole(roleId: "x") }');
    const response = await send(`${t.url}?query=${query}`, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(onlyError(response).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content-type', {}],
  ])('blocks a simple cross-site request (%s) as CSRF with BAD_USER_INPUT', async (_name, headers) => {
    const response = await send(t.url, { method: 'POST', headers, body: JSON.stringify({ query: 'mutation { deleteRole(roleId: "x") }' }) });
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('Cross-Site Request Forgery');
  });

  it('blocks a GET query without a preflight header as CSRF', async () => {
    const response = await send(`${t.url}?query=${encodeURIComponent('{ currentScopes }')}`, { method: 'GET' });
    expect(response.status).toBe(400);
    expect(onlyError(response).message).toContain('Cross-Site Request Forgery');
  });

  it('refuses a variable of the wrong type with BAD_USER_INPUT naming the variable', async () => {
    for (const scopes of [5, { a: 1 }, [1, 2], null]) {
      const response = await send(t.url, postJson({ query: 'query ($s: [String!]!) { expandScopes(scopes: $s) }', variables: { s: scopes } }));
      expect(response.status).toBe(400);
      expect(response.body.data ?? null).toBeNull();
      // [1, 2] is two mistakes, reported one each.
      expect(response.body.errors!.length).toBeGreaterThanOrEqual(1);
      for (const error of response.body.errors!) {
        expect(error.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error.message).toContain('$s');
      }
    }
  });

  it('refuses a malformed Authorization header with 401 UNAUTHENTICATED', async () => {
    const response = await send(t.url, postJson({ query: '{ currentScopes }' }, { authorization: 'Basic dXNlcjpwYXNz' }));
    expect(response.status).toBe(401);
    expect(onlyError(response).extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('reports the cost and its limit in extensions.cost of a successful response', async () => {
    const response = await send(t.url, postJson({ query: '{ currentScopes whoAmI { clientId } }' }));
    expect(response.status).toBe(200);
    expect(response.body.errors).toBeUndefined();
    expect(response.body.extensions.cost).toEqual({ requested: 3, limit: 50_000 });
  });

  it('echoes a well-formed x-request-id, in the header and in extensions', async () => {
    const response = await send(t.url, postJson({ query: '{ currentScopes }' }, { 'x-request-id': 'trace-42.a:b' }));
    expect(response.headers.get('x-request-id')).toBe('trace-42.a:b');
    expect(response.body.extensions.requestId).toBe('trace-42.a:b');
  });

  it('generates a request id when none is given, and replaces one that is not well-formed', async () => {
    const ids = new Set<string>();
    const cases: Record<string, string>[] = [{}, { 'x-request-id': 'has spaces and <html>' }, { 'x-request-id': 'x'.repeat(101) }];
    for (const headers of cases) {
      const response = await send(t.url, postJson({ query: '{ currentScopes }' }, headers));
      const id = response.headers.get('x-request-id')!;
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(response.body.extensions.requestId).toBe(id);
      ids.add(id);
    }
    expect(ids.size).toBe(3);
  });

  it('answers a path the gateway does not serve with a JSON 404 NOT_FOUND, never an HTML page', async () => {
    const base = new URL(t.url).origin;
    for (const [method, path] of [['GET', '/'], ['GET', '/nothing/here'], ['POST', '/graphq'], ['PUT', '/artifactsx/a/0/b']]) {
      const response = await send(`${base}${path}`, { method, headers: { 'x-request-id': 'lost-1' }, body: method === 'GET' ? undefined : 'x' });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'NOT_FOUND', requestId: 'lost-1' });
      expect(response.text).toContain(`no such path: ${method} ${path}`);
    }
  });

  it('sends a request id with an error answered before GraphQL runs', async () => {
    const response = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'bad-body-1' }, body: '{' });
    expect(response.headers.get('x-request-id')).toBe('bad-body-1');
  });

  it('refuses a subscription sent over HTTP with 400 BAD_USER_INPUT pointing to WebSocket', async () => {
    // The second would make graphql-js's validation throw (a 500 from Apollo) if it got there.
    for (const query of ['subscription { taskLog(taskId: "abc", runId: 0) { lines } }', 'subscription { roleChanged @skip(if: 5) { roleId } }']) {
      const response = await send(t.url, postJson({ query }));
      expect(response.status).toBe(400);
      const error = onlyError(response);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('WebSocket');
    }
  });

  it('refuses a body in an unsupported charset with 415, and an undecodable gzip body with 400', async () => {
    const latin1 = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{"query": "{ currentScopes }"}' });
    expect(latin1.status).toBe(415);
    expect(onlyError(latin1)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('UTF-8') });
    const gzip = await send(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip' });
    expect(gzip.status).toBe(400);
    expect(onlyError(gzip)).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringContaining('cannot be read') });
  });

  it.each([
    ['broken framing', 400, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'not valid HTTP'],
    ['a request line that is not HTTP', 400, 'GARBAGE\r\n\r\n', 'not valid HTTP'],
    ['headers over 16 KB', 431, `GET /graphql HTTP/1.1\r\nHost: x\r\nX-Pad: ${'x'.repeat(20_000)}\r\n\r\n`, 'headers are larger'],
  ])('answers %s, which Node refuses before Express, with %i and a JSON BAD_USER_INPUT', async (_name, status, request, message) => {
    const answer = await rawRequest(new URL(t.url).port, request);
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer).toMatch(/\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toContain(message);
  });

  it('refuses a JSON argument nested 20,000 levels deep with 400 BAD_USER_INPUT, not a stack overflow', async () => {
    // Built as text: JSON.stringify of such a value would itself overflow this process's stack.
    const payload = `${'['.repeat(20_000)}1${']'.repeat(20_000)}`;
    const query = JSON.stringify('mutation ($p: JSON) { triggerHook(hookGroupId: "g", hookId: "h", payload: $p) { taskId } }');
    const response = await send(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.root}` },
      body: `{"query": ${query}, "variables": {"p": ${payload}}}`,
    });
    expect(response.status).toBe(400);
    const error = onlyError(response);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('more than 100 levels deep');
  });

  it('refuses a document nested too deeply to parse with BAD_USER_INPUT saying so, not "Maximum call stack size exceeded"', async () => {
    for (const query of [`{ a(x: ${'['.repeat(4000)}1${']'.repeat(4000)}) }`, `{ ${'a { '.repeat(4000)}b${' }'.repeat(4000)} }`]) {
      const response = await send(t.url, postJson({ query }));
      expect(response.status).toBe(400);
      const error = onlyError(response);
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain('too deeply to parse');
    }
  });

  it('still answers { currentScopes } after all of the above', async () => {
    const response = await send(t.url, postJson({ query: '{ currentScopes }' }, { authorization: `Bearer ${t.root}` }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ data: { currentScopes: ['*'] } });
  });
});
