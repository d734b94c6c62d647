// Subscribers that follow tasks through the faults: each task's status with
// taskStatusChanged(since) and each run's log with taskLog(fromLine). When the socket closes (a
// gateway killed, the event bus interrupted) they reconnect through the balancer and resume from
// what they last saw. They record what would break the promise — a status out of order or
// repeated, a log message that skips or repeats lines — and keep every line, for comparing with
// the stored log at the end.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

const STATUS = 'subscription ($t: ID!, $since: Int) { taskStatusChanged(taskId: $t, since: $since) { state changes runs { runId state } } }';
const LOG = 'subscription ($t: ID!, $r: Int!, $from: Int) { taskLog(taskId: $t, runId: $r, fromLine: $from) { fromLine lines } }';

export interface ObservedTask {
  taskId: string;
  /** `changes` of every status received, in order of arrival. */
  changes: number[];
  lastState?: string;
  /** Lines of each run's log, as received. */
  logs: Map<number, string[]>;
  /** Runs whose log subscription completed (the run resolved and every line was sent). */
  logsDone: Set<number>;
}

export class Observers {
  private client: Client | undefined;
  private readonly tasks = new Map<string, ObservedTask>();
  private readonly stops: (() => void)[] = [];
  readonly violations: string[] = [];
  reconnects = 0;
  messages = 0;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly auth: string,
  ) {}

  get observed(): ObservedTask[] {
    return [...this.tasks.values()];
  }

  follow(taskId: string): void {
    this.tasks.set(taskId, { taskId, changes: [], logs: new Map(), logsDone: new Set() });
    if (this.client) this.subscribeTask(this.tasks.get(taskId)!);
  }

  start(): void {
    this.connect();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stops.splice(0).forEach((stop) => stop());
    await this.client?.dispose();
  }

  private connect(): void {
    if (this.closed) return;
    const client = createClient({
      url: this.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.auth}` },
      retryAttempts: 0,
      lazy: false,
      on: { closed: () => this.onClosed(client) },
    });
    this.client = client;
    for (const task of this.tasks.values()) this.subscribeTask(task);
  }

  /** Resubscribes everything from its last position on a new connection, once per closed one. */
  private onClosed(client: Client): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.reconnects += 1;
    this.stops.splice(0);
    void client.dispose();
    setTimeout(() => this.connect(), 200 + Math.random() * 300);
  }

  private subscribeTask(task: ObservedTask): void {
    const client = this.client!;
    const since = task.changes.at(-1) ?? 0;
    this.stops.push(
      client.subscribe<{ taskStatusChanged: { state: string; changes: number; runs: { runId: number; state: string }[] } }>(
        { query: STATUS, variables: { t: task.taskId, since } },
        {
          next: ({ data, errors }) => {
            this.messages += 1;
            if (errors?.length || !data) return void this.violations.push(`status of ${task.taskId}: ${JSON.stringify(errors)}`);
            const status = data.taskStatusChanged;
            const last = task.changes.at(-1) ?? 0;
            if (status.changes <= last) this.violations.push(`status of ${task.taskId}: changes ${status.changes} after ${last} (repeated or out of order)`);
            task.changes.push(status.changes);
            task.lastState = status.state;
            for (const run of status.runs) if (!task.logs.has(run.runId)) this.subscribeLog(client, task, run.runId);
          },
          error: () => undefined, // the socket closed: onClosed resubscribes
          complete: () => undefined,
        },
      ),
    );
    for (const runId of task.logs.keys()) if (!task.logsDone.has(runId)) this.subscribeLog(client, task, runId);
  }

  private subscribeLog(client: Client, task: ObservedTask, runId: number): void {
    if (!task.logs.has(runId)) task.logs.set(runId, []);
    const lines = task.logs.get(runId)!;
    if (this.client !== client) return; // resubscribed on the next connection
    this.stops.push(
      client.subscribe<{ taskLog: { fromLine: number; lines: string[] } }>(
        { query: LOG, variables: { t: task.taskId, r: runId, from: lines.length } },
        {
          next: ({ data, errors }) => {
            this.messages += 1;
            if (errors?.length || !data) return void this.violations.push(`log of ${task.taskId}/${runId}: ${JSON.stringify(errors)}`);
            const { fromLine, lines: added } = data.taskLog;
            if (fromLine !== lines.length) this.violations.push(`log of ${task.taskId}/${runId}: lines from ${fromLine} after ${lines.length} (gap or repeat)`);
            lines.push(...added);
          },
          error: () => undefined,
          complete: () => {
            if (this.client === client) task.logsDone.add(runId);
          },
        },
      ),
    );
  }
}
