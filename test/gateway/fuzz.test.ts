// Fuzzing the gateway process with malformed operations, variables, HTTP requests and
// graphql-ws sessions, generated from a seed (FUZZ_SEED to replay, FUZZ_COUNT for more cases):
// every answer is a JSON error with a code of the closed set (DESIGN §6) and never
// INTERNAL_SERVER_ERROR (bad input is the client's error), every refused WebSocket closes with a
// protocol close code, the process never crashes or logs an error, and memory stays flat.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';
import { CREDENTIALS_KEY, ROOT_TOKEN, SECRETS_KEYS } from '../support/gateway';
import { gql } from '../support/graphql';
import { freePort, killChildren, spawnGateway, STACK_FRAME, waitUntilListening, type GatewayChild } from './child';
import { loadSchema, Random } from './fuzz-operations';
import { httpCase, wsCase, type HttpCase, type WsCase } from './fuzz-requests';
import { sendHttp, sendWs, type HttpAnswer, type WsAnswer } from './fuzz-transport';
import { expectNoOpenSockets } from './leaks';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Cases per round; the test runs two equal rounds and compares memory after each. */
const COUNT = Number(process.env.FUZZ_COUNT ?? 800);
/** Part of each round sent as graphql-ws sessions. */
const WS_SHARE = 0.25;
const PARALLEL = 6;
/** Longer than any bad request may take on a loaded two-core machine: past it, it hung. */
const HANG_MS = 20_000;
/** After a full collection, RSS and the JS heap may grow this much from round one to round two. */
const MAX_RSS_GROWTH_MB = 32;
const MAX_HEAP_GROWTH_MB = 4;

/** Codes bad input may get: the closed set of DESIGN §6 without INTERNAL_SERVER_ERROR. */
const CLIENT_CODES = new Set(['BAD_USER_INPUT', 'UNAUTHENTICATED', 'INSUFFICIENT_SCOPES', 'NOT_FOUND', 'CONFLICT', 'EXPIRED', 'TOO_COMPLEX', 'RATE_LIMITED']);
/** HTTP statuses a refusal may carry; every one with a JSON body holding such codes. */
const CLIENT_STATUSES = new Set([200, 400, 401, 403, 404, 405, 409, 413, 415, 429, 431]);
/**
 * Close codes of graphql-transport-ws (4400 bad message, 4401 no connection_init yet, 4403
 * forbidden, 4406 subprotocol, 4408 init timeout, 4409 duplicate id, 4429 second init) and of
 * RFC 6455 (1000 normal, 1002 protocol error, 1007 invalid UTF-8, 1009 too big).
 */
const WS_CLOSE_CODES = new Set([1000, 1002, 1007, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429]);

/** What is wrong with an HTTP answer, or undefined if it is a clear refusal (or a success). */
function httpProblem(answer: HttpAnswer): string | undefined {
  if (!CLIENT_STATUSES.has(answer.status)) return `HTTP status ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) return `content-type ${answer.headers['content-type']} (${answer.body.slice(0, 200)})`;
  let body;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return `a body that is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (answer.status !== 200 && !body.errors?.length) return `HTTP ${answer.status} without errors`;
  if (!body.errors && !body.data) return 'neither data nor errors';
  return errorsProblem(body.errors) ?? (STACK_FRAME.test(answer.body) || /node_modules|\.ts:\d+/.test(answer.body) ? 'internals in the body' : undefined);
}

function errorsProblem(errors: unknown): string | undefined {
  if (errors === undefined) return undefined;
  if (!Array.isArray(errors)) return `errors is not a list: ${JSON.stringify(errors).slice(0, 200)}`;
  for (const error of errors) {
    const code = error?.extensions?.code;
    if (!CLIENT_CODES.has(code)) return `code ${code}: ${String(error?.message).slice(0, 300)}`;
    if (typeof error.message !== 'string' || !error.message) return `an error without a message (${code})`;
  }
  return undefined;
}

function wsProblem(c: WsCase, answer: WsAnswer): string | undefined {
  if (answer.noSubprotocol && c.protocols.includes('graphql-transport-ws')) return 'graphql-transport-ws was not accepted';
  if (answer.closed && !WS_CLOSE_CODES.has(answer.closed.code)) return `closed with ${answer.closed.code} ${answer.closed.reason}`;
  if (answer.unparsable.length) return `a message that is not JSON: ${answer.unparsable[0]}`;
  for (const message of answer.messages) {
    const problem = message.type === 'error' ? errorsProblem(message.payload) : message.type === 'next' ? errorsProblem(message.payload?.errors) : undefined;
    if (problem) return `${message.type} ${message.id}: ${problem}`;
  }
  return undefined;
}

function rssMegabytes(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/**
 * Memory of the gateway after a full garbage collection, asked for through its inspector (the
 * child runs with --inspect on a free port). Read without one, RSS rose and fell by 50 MB from
 * one equal round to the next as garbage waited for a major collection, with nothing retained.
 */
async function memoryAfterGc(child: GatewayChild): Promise<{ rss: number; heap: number }> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(child.stderr())?.[1];
  if (!url) throw new Error(`the gateway has no inspector:\n${child.stderr()}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let id = 0;
  const call = (method: string) =>
    new Promise<any>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data));
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method }));
    });
  try {
    await call('HeapProfiler.enable');
    await call('HeapProfiler.collectGarbage');
    const { usedSize } = await call('Runtime.getHeapUsage');
    return { rss: rssMegabytes(child.process.pid!), heap: usedSize / 1024 / 1024 };
  } finally {
    socket.close();
  }
}

interface Failure {
  label: string;
  problem: string;
}

/** Runs `count` cases of one round, PARALLEL at a time; returns what went wrong. */
/** How the answers came out: HTTP by first error code (or `data`), WebSocket by how it ended. */
function outcome(answer: HttpAnswer | WsAnswer): string {
  if ('status' in answer) {
    try {
      const body = JSON.parse(answer.body);
      return `http ${body.errors?.[0]?.extensions?.code ?? 'data'}`;
    } catch {
      return `http ${answer.status}`;
    }
  }
  return answer.closed ? `ws closed ${answer.closed.code}` : answer.noSubprotocol ? 'ws no subprotocol' : 'ws open';
}

async function runRound(
  child: GatewayChild,
  seed: number,
  count: number,
): Promise<{ failures: Failure[]; http: number; ws: number; outcomes: Map<string, number> }> {
  const schema = loadSchema();
  const random = new Random(seed);
  const root = `root:${ROOT_TOKEN}`;
  const cases: (HttpCase | (WsCase & { ws: true }))[] = Array.from({ length: count }, () =>
    random.chance(WS_SHARE) ? { ...wsCase(schema, random, root), ws: true as const } : httpCase(schema, random, root),
  );
  const failures: Failure[] = [];
  const outcomes = new Map<string, number>();
  let next = 0;
  const wsUrl = `ws://127.0.0.1:${child.port}/graphql`;
  const lane = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      try {
        const answer = 'ws' in c ? await sendWs(wsUrl, c, HANG_MS) : await sendHttp(child.port, c, HANG_MS);
        outcomes.set(outcome(answer), (outcomes.get(outcome(answer)) ?? 0) + 1);
        const problem = 'ws' in c ? wsProblem(c, answer as WsAnswer) : httpProblem(answer as HttpAnswer);
        if (problem) failures.push({ label: c.label, problem });
      } catch (error) {
        failures.push({ label: c.label, problem: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, lane));
  return { failures, http: cases.filter((c) => !('ws' in c)).length, ws: cases.filter((c) => 'ws' in c).length, outcomes };
}

/** Failures grouped by problem (ids and numbers blurred), each with its count and one case. */
function report(failures: Failure[]): string {
  const groups = new Map<string, Failure[]>();
  for (const f of failures) {
    const key = f.problem.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\d+/g, 'N').slice(0, 200);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const lines = [...groups.values()].map((g) => `- ${g.length}× ${g[0].problem.slice(0, 300)}\n    e.g. ${g[0].label.slice(0, 300)}`);
  return lines.length ? `${failures.length} bad answers (FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}):\n${lines.join('\n')}` : '';
}

/** The gateway's log lines at error level (50) or above: internal errors, even if the answer hid them. */
function loggedErrors(child: GatewayChild): string[] {
  return child
    .stdout()
    .split('\n')
    .filter((line) => /"level":(5\d|60)/.test(line))
    .map((line) => line.slice(0, 600));
}

describe.each(databaseKinds)('the gateway process under fuzzed input on %s', (kind) => {
  let database: TestDatabase;
  let child: GatewayChild;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    dataDir = fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/taskgate-fuzz-`);
    child = spawnGateway({
      DATABASE_URL: database.url,
      ROOT_ACCESS_TOKEN: ROOT_TOKEN,
      CREDENTIALS_KEY,
      SECRETS_KEYS,
      DATA_DIR: dataDir,
      ARTIFACTS_URL: `file:${dataDir}/artifacts`,
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(await freePort()),
      // For memoryAfterGc: port 0 picks a free port, printed on stderr.
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    });
    await waitUntilListening(child);
  });
  afterAll(async () => {
    await killChildren();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    await expectNoOpenSockets();
  });

  it(`answers ${COUNT} malformed requests twice with clear errors, keeps serving, and its memory stays flat`, { timeout: 240_000 }, async () => {
    console.log(`fuzz on ${kind}: FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`);
    const started = Date.now();
    const first = await runRound(child, SEED, COUNT);
    expect(report(first.failures), loggedErrors(child).join('\n')).toBe('');
    const afterFirst = await memoryAfterGc(child);
    const second = await runRound(child, SEED, COUNT);
    expect(report(second.failures), loggedErrors(child).join('\n')).toBe('');
    const afterSecond = await memoryAfterGc(child);
    console.log(
      `fuzz on ${kind}: ${2 * first.http} HTTP requests and ${2 * first.ws} WebSocket sessions in ${Date.now() - started} ms; ` +
        `after a full collection, RSS ${afterFirst.rss.toFixed(0)} → ${afterSecond.rss.toFixed(0)} MB and JS heap ` +
        `${afterFirst.heap.toFixed(1)} → ${afterSecond.heap.toFixed(1)} MB from round one to two; answers of a round: ` +
        [...first.outcomes.entries()]
          .sort((a, b) => b[1] - a[1])
          .map(([what, n]) => `${what} ${n}`)
          .join(', '),
    );

    expect(child.process.exitCode, 'the gateway exited').toBeNull();
    const valid = await gql(child.url, '{ currentScopes }', undefined, `root:${ROOT_TOKEN}`);
    expect(valid).toMatchObject({ status: 200, data: { currentScopes: ['*'] } });
    // No __proto__ or constructor sent above changed what an anonymous caller holds.
    const anonymous = await gql(child.url, '{ currentScopes whoAmI { clientId } }');
    expect(anonymous.data).toEqual({ currentScopes: ['assume:anonymous', 'queue:get-artifact:public/*'], whoAmI: { clientId: null } });
    expect(afterSecond.rss - afterFirst.rss, 'RSS growth (MB) from round one to two').toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(afterSecond.heap - afterFirst.heap, 'JS heap growth (MB) from round one to two').toBeLessThan(MAX_HEAP_GROWTH_MB);
    expect(child.stderr()).not.toMatch(STACK_FRAME);
    expect(child.stderr()).not.toMatch(/uncaught|unhandled/i);
    expect(loggedErrors(child), `FUZZ_SEED=${SEED}`).toEqual([]);
  });
});
