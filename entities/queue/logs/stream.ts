// taskLog: a run's log as a stream — the stored lines from `fromLine`, then the live ones, in
// order, with no gap and no duplicate, ending once the run is resolved and every line was sent.
//
// The order of operations is what makes that hold: the stream subscribes to the run's lines and
// to the task's status first, then reads what is stored; it tracks the next line it owes, drops
// live lines it already sent (they were stored and read meanwhile), and reads the store again
// whenever the live lines skip ahead (a batch it missed). Appends take the task's lock and are
// refused once the run is resolved, so after seeing the resolution one last read finds the rest.
import type { Core } from '../../core';
import { CommandContext, requireScopes } from '../../auth/require-scopes';
import { ResourceNotFound } from '../../errors';
import { getArtifactScope } from '../artifacts/rules';
import type { TaskStatusEvent } from '../events';
import { isResolved } from '../rules';
import { Task } from '../Task';
import { TaskRun } from '../TaskRun';
import { followLog, type LogFollower } from './hub';
import { checkFromLine, checkRunRef, LIVE_LOG_NAME, LogLinesView, PAGE_CHARS, PAGE_LINES, unsentPart } from './rules';
import { readLines } from './store';

/** Live lines held for a subscriber that reads slowly; past this it re-reads the store instead. */
const MAX_QUEUED_CHARS = 1024 * 1024;

export interface TaskLogProps {
  taskId: string;
  runId: number;
  fromLine?: number;
}

/** Needs `queue:get-artifact:public/logs/live.log`, the scope that reads the log's artifact. */
export async function openTaskLog(ctx: CommandContext, props: TaskLogProps): Promise<AsyncIterableIterator<LogLinesView>> {
  const fromLine = props.fromLine ?? 0;
  checkRunRef(props.taskId, props.runId);
  checkFromLine(fromLine);
  await requireScopes(ctx, getArtifactScope(LIVE_LOG_NAME), 'taskLog');
  const stream = new LogStream(ctx.core, props.taskId, props.runId, fromLine);
  try {
    await stream.start();
  } catch (error) {
    await stream.return();
    throw error;
  }
  return stream;
}

const DONE: IteratorResult<LogLinesView> = { value: undefined, done: true };

/** A log stream whose live batches can skip the iterator, for transports that can send at once. */
export interface DeliverableLog {
  /**
   * Called, from the bus's dispatch, with the next page when the reader is waiting in next() and
   * the batch starts at the line owed; answering true means it was sent, and next() goes on
   * waiting. Saves the promises of next() per subscriber per batch (bench/log-fanout).
   */
  deliver?: (page: LogLinesView) => boolean;
}

export function isDeliverableLog(value: unknown): value is DeliverableLog {
  return value instanceof LogStream;
}

class LogStream implements AsyncIterableIterator<LogLinesView>, LogFollower, DeliverableLog {
  deliver?: (page: LogLinesView) => boolean;
  private queue: LogLinesView[] = [];
  private queuedChars = 0;
  /** Read the store before taking live lines: at the start, after a skip, and at the end. */
  private readStore = true;
  private resolved = false;
  /** Counts the times queued lines were dropped, so a store read that raced a drop is redone. */
  private drops = 0;
  private done = false;
  private wake: (() => void) | undefined;
  private unfollow: (() => Promise<void>) | undefined;

  constructor(
    private readonly core: Core,
    private readonly taskId: string,
    private readonly runId: number,
    /** The next line this subscriber is owed. */
    private owed: number,
  ) {}

  async start(): Promise<void> {
    const { events, db } = this.core;
    this.unfollow = await followLog(events, this.taskId, this.runId, this);
    const run = await db.getRepository(TaskRun).findOne({ select: { state: true }, where: { taskId: this.taskId, runId: this.runId } });
    if (!run) {
      const task = await db.getRepository(Task).findOne({ select: { taskId: true }, where: { taskId: this.taskId } });
      if (!task) throw new ResourceNotFound(`task ${this.taskId} does not exist`, { taskId: this.taskId });
      throw new ResourceNotFound(`task ${this.taskId} has no run ${this.runId}`, { taskId: this.taskId, runId: this.runId });
    }
    if (isResolved(run.state)) this.resolved = true;
  }

  async next(): Promise<IteratorResult<LogLinesView>> {
    for (;;) {
      if (this.done) return DONE;
      if (this.readStore) {
        const resolvedBefore = this.resolved;
        const drops = this.drops;
        const page = await readLines(this.core.db.manager, { taskId: this.taskId, runId: this.runId, fromLine: this.owed });
        if (this.done) return DONE;
        if (page.lines.length) return this.send(page);
        if (this.drops !== drops) continue;
        this.readStore = false;
        // Resolved before this read began: the read saw every line there will ever be.
        if (resolvedBefore) return this.return();
        continue;
      }
      const page = this.takeQueued();
      if (page === 'gap') {
        this.readStore = true;
        continue;
      }
      if (page) return this.send(page);
      if (this.resolved) {
        this.readStore = true;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  async return(): Promise<IteratorResult<LogLinesView>> {
    if (!this.done) {
      this.done = true;
      this.queue = [];
      this.wakeUp();
      const unfollow = this.unfollow;
      this.unfollow = undefined;
      await unfollow?.().catch(() => undefined);
    }
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<LogLinesView>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<LogLinesView> {
    return this;
  }

  /** `page` starts at the line owed. */
  private send(page: LogLinesView): IteratorResult<LogLinesView> {
    this.owed += page.lines.length;
    return { value: page, done: false };
  }

  /**
   * The queued lines still owed, merged into one page; 'gap' if the queue skips ahead. A stream
   * that kept up has one batch queued, starting at the line it owes: that batch is the page,
   * the very object every other caught-up stream sends (see hub.ts).
   */
  private takeQueued(): LogLinesView | 'gap' | undefined {
    const first = this.queue[0];
    if (this.queue.length === 1 && first.fromLine === this.owed && first.lines.length) {
      this.queue = [];
      this.queuedChars = 0;
      return first;
    }
    let lines: string[] = [];
    let chars = 0;
    while (this.queue.length && lines.length < PAGE_LINES && chars < PAGE_CHARS) {
      const batch = this.queue.shift()!;
      this.queuedChars -= charsOf(batch.lines);
      const part = unsentPart(this.owed + lines.length, batch);
      if (part.gap) {
        if (lines.length) {
          this.queue.unshift(batch);
          this.queuedChars += charsOf(batch.lines);
          return { fromLine: this.owed, lines };
        }
        this.queue = [];
        this.queuedChars = 0;
        return 'gap';
      }
      lines = lines.length ? lines.concat(part.lines) : part.lines;
      chars += charsOf(part.lines);
    }
    return lines.length ? { fromLine: this.owed, lines } : undefined;
  }

  onLines(batch: LogLinesView): void {
    if (this.done) return;
    // Waiting (so nothing queued or to read) at the very line this batch starts.
    if (this.wake && this.deliver && batch.fromLine === this.owed && batch.lines.length && !this.queue.length && !this.readStore && this.deliver(batch)) {
      this.owed += batch.lines.length;
      return;
    }
    const chars = charsOf(batch.lines);
    if (this.queuedChars + chars > MAX_QUEUED_CHARS) {
      // Far behind: drop what is queued and read it from the store when the reader catches up.
      this.queue = [];
      this.queuedChars = 0;
      this.readStore = true;
      this.drops += 1;
    } else {
      this.queue.push(batch);
      this.queuedChars += chars;
    }
    this.wakeUp();
  }

  onStatus(event: TaskStatusEvent): void {
    const run = event?.status?.runs?.find((r) => r.runId === this.runId);
    if (!run || !isResolved(run.state)) return;
    this.resolved = true;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

function charsOf(lines: string[]): number {
  let n = 0;
  for (const line of lines) n += line.length;
  return n;
}
