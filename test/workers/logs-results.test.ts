// taskLog's fast path (gateway/queue/log-results.ts) answers exactly as graphql-js does. Each
// operation is sent twice over real WebSockets: as is, which the fast path serves, and with
// `@include(if: true)` on its last field, which means the same but makes graphql-js execute it.
// The two get the same messages, byte for byte: data, aliases, __typename, variables, the
// fromLine default, and the errors at subscribe time (scopes, a missing run, bad variables).
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { taskLogSelection } from '../../gateway/queue/log-results';
import { expectNoOpenSockets } from '../gateway/leaks';
import { runningTask, type RunningTask } from '../support/artifacts';
import { databaseKinds } from '../support/databases';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { report, sleep } from '../support/tasks';

const UPDATE_ROLE = 'mutation ($scopes: [String!]!) { updateRole(roleId: "anonymous", role: { scopes: $scopes }) { roleId } }';
const APPEND = 'mutation ($t: ID!, $r: Int!, $from: Int!, $lines: [String!]!) { appendTaskLog(taskId: $t, runId: $r, fromLine: $from, lines: $lines) }';

/** The same operation, made to go through graphql-js: its last field gets `@include(if: true)`. */
function executedTwin(query: string): string {
  const at = query.lastIndexOf('}', query.lastIndexOf('}') - 1);
  return `${query.slice(0, at).trimEnd()} @include(if: true) ${query.slice(at)}`;
}

interface Subscriber {
  /** The raw texts of every message after connection_ack. */
  messages: string[];
  ended: Promise<void>;
  socket: WebSocket;
}

/** A graphql-transport-ws subscriber that records what the server sends, as sent. */
function subscribe(t: TestGateway, query: string, variables: Record<string, unknown>, params: Record<string, unknown> = {}, operationName?: string): Promise<Subscriber> {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: string[] = [];
  return new Promise((subscribed, failed) => {
    let end: () => void;
    const ended = new Promise<void>((resolve) => (end = resolve));
    socket.on('error', failed);
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: params })));
    socket.on('close', () => end());
    socket.on('message', (data) => {
      const text = data.toString();
      const type = JSON.parse(text).type;
      if (type === 'connection_ack') {
        socket.send(JSON.stringify({ id: 'sub-1', type: 'subscribe', payload: { query, variables, operationName } }));
        return subscribed({ messages, ended, socket });
      }
      messages.push(text);
      if (type === 'complete' || type === 'error') end();
    });
  });
}

/** Runs `query` and its executed twin side by side; answers both message lists when both end. */
async function both(t: TestGateway, query: string, variables: Record<string, unknown>, during: (subs: Subscriber[]) => Promise<void>, params?: Record<string, unknown>, operationName?: string) {
  const subs = [await subscribe(t, query, variables, params, operationName), await subscribe(t, executedTwin(query), variables, params, operationName)];
  try {
    await during(subs);
    await Promise.all(subs.map((s) => s.ended));
    return subs.map((s) => s.messages);
  } finally {
    subs.forEach((s) => s.socket.close());
  }
}

async function untilEach(subs: Subscriber[], count: number) {
  const deadline = Date.now() + 20_000;
  while (subs.some((s) => s.messages.flatMap((m) => JSON.parse(m).payload?.data ? [m] : []).length < count)) {
    if (Date.now() > deadline) throw new Error(`expected ${count} messages each: ${JSON.stringify(subs.map((s) => s.messages))}`);
    await sleep(10);
  }
}

describe.each(databaseKinds)('taskLog results on %s', (kind) => {
  let t: TestGateway;

  beforeAll(async () => {
    t = await startTestGateway(kind);
  });
  afterAll(async () => {
    await t?.close();
    await expectNoOpenSockets();
  });

  /** Appends batches one at a time, each once every subscriber has the previous, then resolves the run. */
  async function feed(run: RunningTask, subs: Subscriber[], batches: string[][]) {
    let from = 0;
    for (const [i, lines] of batches.entries()) {
      await t.ok(APPEND, { t: run.taskId, r: run.runId, from, lines }, run.auth);
      from += lines.length;
      await untilEach(subs, i + 1);
    }
    await report(t, 'reportCompleted', run.taskId, run.runId, run.auth);
  }

  const cases: [string, string, (run: RunningTask) => Record<string, unknown>, string?][] = [
    ['the fromLine default', 'subscription ($t: ID!, $r: Int!) { taskLog(taskId: $t, runId: $r) { fromLine lines } }', (run) => ({ t: run.taskId, r: run.runId })],
    [
      'aliases, __typename and a repeated field, with fromLine past the first line',
      'subscription Other { currentScopes: taskLog(taskId: "x", runId: 0) { lines } } subscription Log($t: ID!, $r: Int!, $f: Int) { log: taskLog(taskId: $t, runId: $r, fromLine: $f) { __typename first: fromLine lines first: fromLine kind: __typename } }',
      (run) => ({ t: run.taskId, r: run.runId, f: 1 }),
      'Log',
    ],
    ['literal arguments', 'subscription { taskLog(taskId: "TASK", runId: 0, fromLine: 0) { lines __typename } }', () => ({})],
  ];

  it.each(cases)('sends the same messages as graphql-js: %s', async (_name, template, variablesOf, operationName) => {
    const run = await runningTask(t);
    const query = template.replace('"TASK"', JSON.stringify(run.taskId));
    const operation = operationName ?? undefined;
    expect(taskLogSelection(parse(query), operation)).toBeDefined();
    expect(taskLogSelection(parse(executedTwin(query)), operation)).toBeUndefined();
    const [fast, executed] = await both(t, query, variablesOf(run), (subs) => feed(run, subs, [['a', 'b'], ['c'], ['d', 'e', 'f']]), {}, operation);
    expect(fast).toEqual(executed);
    expect(fast.length).toBe(4);
    expect(JSON.parse(fast.at(-1)!)).toEqual({ id: 'sub-1', type: 'complete' });
  });

  const refusals: [string, string, (run: RunningTask) => Record<string, unknown>, string, boolean?][] = [
    // Every caller holds the anonymous role, which reads public/ (the log among them): not here.
    ['a caller without the log’s scope', 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 0) { lines } }', (run) => ({ t: run.taskId }), 'INSUFFICIENT_SCOPES', true],
    ['a run that does not exist', 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 7) { fromLine lines } }', (run) => ({ t: run.taskId }), 'NOT_FOUND'],
    ['a variable of the wrong type', 'subscription ($t: ID!, $r: Int!) { taskLog(taskId: $t, runId: $r) { lines } }', (run) => ({ t: run.taskId, r: 'zero' }), 'BAD_USER_INPUT'],
    ['a negative fromLine', 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 0, fromLine: -1) { lines } }', (run) => ({ t: run.taskId }), 'BAD_USER_INPUT'],
    ['a field LogLines does not have', 'subscription ($t: ID!) { taskLog(taskId: $t, runId: 0) { lines size } }', (run) => ({ t: run.taskId }), 'BAD_USER_INPUT'],
  ];

  it.each(refusals)('refuses as graphql-js does: %s', async (_name, query, variablesOf, code, withoutPublic) => {
    const run = await runningTask(t);
    if (withoutPublic) await t.ok(UPDATE_ROLE, { scopes: [] }, t.root);
    try {
      const [fast, executed] = await both(t, query, variablesOf(run), async () => undefined);
      expect(fast).toEqual(executed);
      expect(fast.length).toBeGreaterThan(0);
      const first = JSON.parse(fast[0]);
      expect((first.payload.errors ?? first.payload)[0].extensions.code).toBe(code);
    } finally {
      if (withoutPublic) await t.ok(UPDATE_ROLE, { scopes: ['queue:get-artifact:public/*'] }, t.root);
    }
  });
});
