// Malformed HTTP requests and graphql-ws sessions for the fuzz test, built from a seeded Random.
// HTTP requests are whole byte strings sent on a raw socket, so nothing a client library
// refuses to send (bad headers, broken framing, invalid UTF-8) is out of reach.
import { GraphQLSchema } from 'graphql';
import { breakQuery, breakVariables, literal, Random, validOperation, wrongValue } from './fuzz-operations';

export interface HttpCase {
  label: string;
  bytes: Buffer;
}

export interface WsCase {
  label: string;
  /** The subprotocols the client offers; graphql-ws needs `graphql-transport-ws`. */
  protocols: string[];
  frames: (string | Buffer)[];
  /** Send the first frame (connection_init) alone and the rest once acknowledged, as clients must. */
  awaitAck: boolean;
}

const PATH = '/graphql';

function request(method: string, target: string, headers: Record<string, string>, body?: Buffer | string): Buffer {
  const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (data && !Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h))) lines.push(`Content-Length: ${data.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return data ? Buffer.concat([head, data]) : head;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Authorization values, from valid to absurd; `root` is `root:<token>`. Mostly valid, so most
 * requests get past authentication to validation, the commands and the database.
 */
function authorization(random: Random, root: string): string | undefined {
  const roll = random.next();
  if (roll < 0.55) return `Bearer ${root}`;
  if (roll < 0.7) return undefined;
  return random.pick([
    undefined,
    `Bearer ${root}`,
    `Bearer ${root}`,
    'Bearer root:not-the-token',
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    'bearer a b c',
    `Bearer ${'x'.repeat(random.pick([300, 9000]))}`,
    'Bearer :',
    'Bearer ::::',
    'Bearer %00%ff',
    `Bearer ${base64url(null)}`,
    `Bearer ${base64url([])}`,
    `Bearer ${base64url('root:x')}`,
    `Bearer ${base64url({ clientId: 5, accessToken: {} })}`,
    `Bearer ${base64url({ clientId: 'root', accessToken: 'x', certificate: 5 })}`,
    `Bearer ${base64url({ clientId: 'root', accessToken: 'x', certificate: '{' })}`,
    `Bearer ${base64url({ clientId: 'root', accessToken: 'x', certificate: [] })}`,
    `Bearer ${base64url({ clientId: 'root', accessToken: 'x', certificate: { version: 1, clientId: 'root', issuer: 'root', scopes: ['*'], start: 0, expiry: 1e300, seed: '', signature: '' } })}`,
    `Bearer ${base64url({ clientId: '__proto__', accessToken: 'constructor', authorizedScopes: ['**'] })}`,
    `Bearer ${base64url({ clientId: 'root', accessToken: 'x', authorizedScopes: 'x' })}`,
    `Bearer ${Buffer.from('{"clientId":"root","accessToken":"x","__proto__":{"certificate":"{}"}}').toString('base64url')}`,
  ]);
}

function authHeaders(random: Random, root: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const auth = authorization(random, root);
  if (auth !== undefined) headers.Authorization = auth;
  if (random.chance(0.1)) headers['X-Authorized-Scopes'] = random.pick(['[', '["*"]', '"x"', '[1]', '["a**"]', '{}', '["queue:*"]', '']);
  return headers;
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

/** A POST of a valid operation with its text and/or variables broken. */
function brokenOperation(schema: GraphQLSchema, random: Random, root: string): HttpCase {
  // 0: broken text; 1: broken variables; 2: both; 3: valid, with edge values of the right types.
  const how = random.int(4);
  const op = validOperation(schema, random, random.pick(['query', 'query', 'mutation', 'mutation', 'subscription']), how === 3);
  const query = how === 1 || how === 3 ? op.query : breakQuery(op.query, random);
  const variables = how === 0 || how === 3 ? op.variables : breakVariables(op.variables, random);
  const body: Record<string, unknown> = { query, variables };
  if (random.chance(0.2)) body.operationName = random.pick(['Op', 'Nope', '', 5, null, ['Op'], { a: 1 }]);
  return { label: `operation ${how}: ${query.slice(0, 200)}`, bytes: request('POST', PATH, { ...JSON_TYPE, ...authHeaders(random, root) }, JSON.stringify(body)) };
}

/** Bodies that are not a well-formed GraphQL request. */
const BODIES: ((random: Random) => Buffer | string)[] = [
  () => '',
  () => '{',
  () => '{"query": "{ currentScopes }"',
  () => 'null',
  () => '42',
  () => 'true',
  () => '"{ currentScopes }"',
  () => '[]',
  () => '[{"query": "{ currentScopes }"}, {"query": "{ whoAmI { clientId } }"}]',
  () => '{"query": null}',
  () => '{"query": 5}',
  () => '{"query": ["{ currentScopes }"]}',
  () => '{"query": {"kind": "Document", "definitions": []}}',
  () => '{"query": "{ currentScopes }", "variables": "{}"}',
  () => '{"query": "{ currentScopes }", "variables": "{\\"a\\": 1}"}',
  () => '{"query": "{ currentScopes }", "variables": [1]}',
  () => '{"query": "{ currentScopes }", "operationName": 5}',
  () => '{"query": "{ currentScopes }", "extensions": "x"}',
  () => '{"query": "{ currentScopes }", "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}',
  () => '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0000000000000000000000000000000000000000000000000000000000000000"}}}',
  () => '{"query": "{ currentScopes }", "extensions": {"persistedQuery": {"version": 2}}}',
  () => '{"query": "{ currentScopes }", "extensions": {"persistedQuery": null}}',
  () => '{"query": "query ($s: [String!]!) { expandScopes(scopes: $s) }", "variables": {"s": [1e999, -1e999]}}',
  () => '{"query": "query ($n: Int) { roles(first: $n) { nodes { roleId } } }", "variables": {"n": 1e999}}',
  () => '{"query": "query ($n: Int) { roles(first: $n) { nodes { roleId } } }", "variables": {"n": -1}}',
  () => '{"query": "{ roles(first: 1e999) { nodes { roleId } } }"}',
  () => '{"query": "{ roles(first: -5, last: 99999999999) { nodes { roleId } } }"}',
  () => '{"__proto__": {"query": "{ currentScopes }"}}',
  () => '{"constructor": {"prototype": {"query": "{ currentScopes }"}}}',
  () => '{"query": "{ currentScopes }", "variables": {"__proto__": {"x": 1}}}',
  () => '{"query": "{ currentScopes }", "query": "{ whoAmI { clientId } }"}',
  () => '\ufeff{"query": "{ currentScopes }"}',
  () => Buffer.concat([Buffer.from('{"query": "{ currentScopes '), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), Buffer.from(' }"}')]),
  () => Buffer.from([0x00, 0x01, 0x02, 0xff]),
  (r) => Buffer.from(Array.from({ length: 64 + r.int(2000) }, () => r.int(256))),
  (r) => '['.repeat(r.pick([1000, 100_000])) + ']'.repeat(r.pick([0, 1000])),
  (r) => `{"query": "{ currentScopes }", "variables": {"a": ${'{"a": '.repeat(r.pick([1000, 50_000]))}1${'}'.repeat(50_000)}}}`,
  (r) => `{"query": "mutation ($p: JSON) { triggerHook(hookGroupId: \\"g\\", hookId: \\"h\\", payload: $p) { taskId } }", "variables": {"p": ${'['.repeat(r.pick([100, 5000, 20_000]))}1${']'.repeat(r.pick([100, 5000, 20_000]))}}}`,
  (r) => JSON.stringify({ query: '{ currentScopes }', variables: { padding: 'x'.repeat(r.pick([9, 12]) * 1024 * 1024) } }),
  (r) => JSON.stringify({ query: `{ currentScopes ${'#'.repeat(r.pick([100_000, 7_000_000]))} }` }),
];

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=nope',
  'APPLICATION/JSON',
  'application/graphql',
  'application/graphql-response+json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json, text/html',
  '',
  ';;;',
];

function brokenBody(random: Random, root: string): HttpCase {
  const i = random.int(BODIES.length);
  const body = BODIES[i](random);
  const headers: Record<string, string> = { 'Content-Type': random.chance(0.75) ? 'application/json' : random.pick(CONTENT_TYPES), ...authHeaders(random, root) };
  if (random.chance(0.08)) headers['Content-Encoding'] = random.pick(['gzip', 'deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip']);
  if (!headers['Content-Type']) delete headers['Content-Type'];
  if (headers['Content-Type'] !== 'application/json' && random.chance(0.5)) headers['Apollo-Require-Preflight'] = 'true';
  return { label: `body ${i} as ${headers['Content-Type'] ?? 'none'}${headers['Content-Encoding'] ? ` (${headers['Content-Encoding']})` : ''}`, bytes: request('POST', PATH, headers, body) };
}

const QUERY_STRINGS: ((random: Random) => string)[] = [
  () => '',
  () => '?',
  () => '?query=',
  () => '?query=%ZZ',
  () => '?query=%',
  () => '?query=%7B%20currentScopes%20%7D&variables=not-json',
  () => '?query=%7B%20currentScopes%20%7D&variables=%7B',
  () => '?query=%7B%20currentScopes%20%7D&variables=%5B1%5D',
  () => '?query=%7B%20currentScopes%20%7D&extensions=%7Bbad',
  () => '?query=%7B%20currentScopes%20%7D&extensions=%7B%22persistedQuery%22%3A5%7D',
  () => '?query=a&query=b',
  () => '?query[]=x',
  () => '?query[a]=b&query[b]=c',
  () => '?query=%7B%20currentScopes%20%7D&operationName=%00',
  () => '?query=mutation%20%7B%20deleteRole(roleId%3A%20%22x%22)%20%7D',
  () => '?query=subscription%20%7B%20roleChanged%20%7B%20roleId%20%7D%20%7D',
  () => '?query=%7B%20currentScopes%20%7D&__proto__[x]=1&constructor[prototype][y]=2',
  () => '?query=%F0%9F%92%A5%ED%A0%80%C0%AF',
  (r) => `?query=${encodeURIComponent(breakQuery('query Op { currentScopes whoAmI { clientId } }', r))}`,
  (r) => `?query=${'%7B'.repeat(r.pick([100, 3000]))}`,
  (r) => `?query=${encodeURIComponent('{ currentScopes }')}&variables=${encodeURIComponent(JSON.stringify({ x: wrongValue(r) })).slice(0, 4000)}`,
];

function brokenGet(random: Random, root: string): HttpCase {
  const i = random.int(QUERY_STRINGS.length);
  const headers: Record<string, string> = authHeaders(random, root);
  if (random.chance(0.85)) headers['Apollo-Require-Preflight'] = 'true';
  return { label: `GET ${i}`, bytes: request('GET', `${PATH}${QUERY_STRINGS[i](random)}`, headers) };
}

function otherMethod(random: Random): HttpCase {
  const method = random.pick(['PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']);
  return { label: method, bytes: request(method, PATH, JSON_TYPE, '{"query": "{ currentScopes }"}') };
}

/** Requests that break HTTP itself: Node's parser refuses them before Express sees them. */
const RAW: ((random: Random) => Buffer)[] = [
  () => Buffer.from('GARBAGE\r\n\r\n'),
  () => Buffer.from('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'),
  () => Buffer.from('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
  () => Buffer.from('POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n'),
  () => Buffer.from('POST /graphql HTTP/9.9\r\nHost: x\r\n\r\n'),
  () => Buffer.from('POST /graphql HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n'),
  () => Buffer.concat([Buffer.from('POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x00b\r\n\r\n', 'latin1')]),
  () => request('POST', PATH, { ...JSON_TYPE, Authorization: 'Bearer \xff\xfe:\xc0' }, '{"query": "{ currentScopes }"}'),
  (r) => request('POST', PATH, { ...JSON_TYPE, 'X-Pad': 'x'.repeat(r.pick([20_000, 100_000])) }, '{"query": "{ currentScopes }"}'),
  (r) => request('GET', `${PATH}?query=${'x'.repeat(r.pick([20_000, 70_000]))}`, { 'Apollo-Require-Preflight': 'true' }),
  () => request('POST', 'http://elsewhere.example/graphql', JSON_TYPE, '{"query": "{ currentScopes }"}'),
  () => Buffer.from('POST /graphql HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{"query": "{ currentScopes }"}'),
];

function brokenHttp(random: Random): HttpCase {
  const i = random.int(RAW.length);
  return { label: `raw ${i}`, bytes: RAW[i](random) };
}

export function httpCase(schema: GraphQLSchema, random: Random, root: string): HttpCase {
  const roll = random.int(100);
  if (roll < 50) return brokenOperation(schema, random, root);
  if (roll < 75) return brokenBody(random, root);
  if (roll < 87) return brokenGet(random, root);
  if (roll < 92) return otherMethod(random);
  return brokenHttp(random);
}

// ---- graphql-ws sessions -----------------------------------------------------------------------

const WS_PROTOCOL = 'graphql-transport-ws';

function init(random: Random, root: string): string {
  const payload = random.chance(0.6) ? { authorization: `Bearer ${root}` } : random.pick<unknown>([
    undefined,
    {},
    { authorization: `Bearer ${root}` },
    { authorization: `Bearer ${root}` },
    { authorization: authorization(random, root) },
    { authorization: 5 },
    { authorization: { toString: 'x' } },
    { authorization: `Bearer ${root}`, authorizedScopes: random.pick(['x', '[', ['**'], [5], {}]) },
    'x',
    [],
    JSON.parse('{"__proto__": {"authorization": "Bearer root:x"}}'),
  ]);
  return JSON.stringify({ type: 'connection_init', ...(payload === undefined ? {} : { payload }) });
}

function subscribe(id: unknown, schema: GraphQLSchema, random: Random): string {
  // As over HTTP: 0 broken text, 1 broken variables, 2 both, 3 valid with edge values.
  const how = random.int(4);
  const op = validOperation(schema, random, random.pick(['query', 'subscription', 'subscription', 'mutation']), how === 3);
  const query = how === 1 || how === 3 ? op.query : breakQuery(op.query, random);
  const variables = how === 0 || how === 3 ? op.variables : breakVariables(op.variables, random);
  return JSON.stringify({ type: 'subscribe', id, payload: { query, variables } });
}

/** A frame the protocol allows, carrying an operation that is often broken. */
function operationFrame(random: Random, schema: GraphQLSchema, ids: string[]): string | Buffer {
  const id = ids.length && random.chance(0.1) ? random.pick(ids) : `s${random.int(1000)}`;
  ids.push(id);
  const roll = random.int(20);
  if (roll < 11) return subscribe(id, schema, random);
  if (roll < 13) return Buffer.from(subscribe(id, schema, random));
  if (roll < 15) return JSON.stringify({ type: 'complete', id: random.pick([id, 'unknown', '']) });
  if (roll < 17) {
    return JSON.stringify({ type: 'subscribe', id, payload: { query: `subscription { taskLog(taskId: ${literal(wrongValue(random))}, runId: ${literal(wrongValue(random))}) { lines } }` } });
  }
  if (roll < 18) return `{"type": "subscribe", "id": "${id}", "payload": {"query": "{ currentScopes }", "variables": ${'['.repeat(5000)}${']'.repeat(5000)}}}`;
  if (roll < 19) return JSON.stringify({ type: 'subscribe', id, payload: { query: `{ currentScopes ${'#'.repeat(100_000)} }` } });
  return JSON.stringify({ type: random.pick(['ping', 'pong']), payload: random.pick([undefined, {}, { a: [1] }]) });
}

/** A frame graphql-transport-ws forbids (the server closes the socket), or may be sent only once. */
function forbiddenFrame(random: Random, root: string, ids: string[]): string | Buffer {
  const id = ids.length && random.chance(0.5) ? random.pick(ids) : `s${random.int(1000)}`;
  switch (random.int(11)) {
    case 0:
      return JSON.stringify({ type: random.pick(['nope', 'next', 'error', 'connection_ack', 'start', 'stop', 'connection_terminate', '', 5, null]), id, payload: {} });
    case 1:
      return random.pick(['not json', '{', '', 'null', '[]', '42', '"subscribe"', '{"type": {}}']);
    case 2:
      return Buffer.from(Array.from({ length: 1 + random.int(200) }, () => random.int(256)));
    case 3:
      return JSON.stringify({ type: 'subscribe', id: random.pick([5, null, {}, ['a'], '', 'x'.repeat(10_000)]), payload: { query: '{ currentScopes }' } });
    case 4:
      return JSON.stringify({ type: 'subscribe', id, payload: random.pick([null, 'x', [], { query: 5 }, { query: '{ currentScopes }', variables: 'x' }, { query: '{ currentScopes }', extensions: 5 }, { query: '{ currentScopes }', operationName: 5 }]) });
    case 5:
      return JSON.stringify({ type: 'subscribe', id, payload: { query: `{ currentScopes ${'#'.repeat(9_000_000)} }` } });
    case 6:
      return init(random, root);
    case 7:
      return JSON.stringify({ type: random.pick(['ping', 'pong']), payload: random.pick(['x', 5, [1]]) });
    case 8:
      return JSON.stringify({ type: 'subscribe', id, payload: { query: 'subscription { roleChanged { roleId } }' } });
    case 9:
      return JSON.stringify({ type: 'complete', id: random.pick([5, null, undefined]) });
    default:
      return '\u0000\ud800\uffff';
  }
}

export function wsCase(schema: GraphQLSchema, random: Random, root: string): WsCase {
  const protocols = random.chance(0.93) ? [WS_PROTOCOL] : random.pick([[], ['graphql-ws'], ['nope', WS_PROTOCOL], ['x']]);
  const frames: (string | Buffer)[] = [];
  const initialized = random.chance(0.9);
  if (initialized) frames.push(init(random, root));
  const ids: string[] = [];
  for (let i = 0, n = 1 + random.int(4); i < n; i++) frames.push(operationFrame(random, schema, ids));
  // Mostly last: the server closes the socket on it, and what follows is never read.
  if (random.chance(0.4)) frames.splice(random.chance(0.75) ? frames.length : random.int(frames.length + 1), 0, forbiddenFrame(random, root, ids));
  const awaitAck = initialized && random.chance(0.85);
  return { awaitAck, label: `ws ${protocols.join(',') || '(no protocol)'}${awaitAck ? '' : ' (not waiting for the ack)'}: ${frames.map((f) => (Buffer.isBuffer(f) ? `<binary ${f.length}>` : f.slice(0, 120))).join(' | ')}`, protocols, frames };
}
