// taskLog's results without graphql-js per message. graphql's subscribe runs the whole document
// again for every event of every subscriber; for a log followed by 5,000 subscribers that was
// most of the gateway's CPU (~52 µs per message sent, measured with bench/log-fanout). An
// operation whose only root field is taskLog, selecting only LogLines' own fields (aliases and
// __typename allowed; no fragment, no directive), gets its results here instead: the same
// objects graphql-js would build, field for field and in the same order, built once per batch
// and selection and shared by every subscriber that sends that batch. Subscribing itself — the
// variables, the arguments, the scope check, the errors — still goes through graphql
// (createSourceEventStream), so it answers exactly as graphql's subscribe does; anything else,
// or an event that does not fit LogLines, is executed by graphql as before.
//
// A subscriber waiting for the next batch gets it sent at once, from the bus's dispatch, when
// its transport allows (`sendDirectly`): the same bytes graphql-ws would send, serialized once
// per batch, without the half-dozen promises graphql-ws and the iterators spend per message.
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  Kind,
  subscribe,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { LogLinesView } from '../../entities/queue/logs/rules';
import { isDeliverableLog } from '../../entities/queue/logs/stream';

const TYPENAME = 'LogLines';
const LEAVES = new Set(['fromLine', 'lines', '__typename']);
const MAX_INT = 2 ** 31 - 1;

/** What one operation selects: the root field's response name, then [response name, field]. */
export interface TaskLogSelection {
  key: string;
  root: string;
  fields: [string, string][];
}

/** The selection, when the operation can be answered without executing it per event. */
export function taskLogSelection(document: DocumentNode, operationName?: string | null): TaskLogSelection | undefined {
  const operation = getOperationAST(document, operationName);
  if (operation?.operation !== 'subscription') return undefined;
  const [root, ...more] = operation.selectionSet.selections;
  if (more.length || root.kind !== Kind.FIELD || root.name.value !== 'taskLog' || root.directives?.length || !root.selectionSet) return undefined;
  const fields: [string, string][] = [];
  for (const selection of root.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || selection.directives?.length || !LEAVES.has(selection.name.value)) return undefined;
    const name = selection.alias?.value ?? selection.name.value;
    // Validation made fields of the same response name the same field: the first one counts.
    if (!fields.some(([seen]) => seen === name)) fields.push([name, selection.name.value]);
  }
  const rootName = root.alias?.value ?? 'taskLog';
  return { key: JSON.stringify([rootName, fields]), root: rootName, fields };
}

interface Built {
  result: ExecutionResult;
  json?: string;
}

/** Built results, by batch and then by selection: each batch is shared by its subscribers. */
const built = new WeakMap<object, Map<string, Built>>();

/** `event` as graphql would answer it for `selection`, or undefined if it does not fit LogLines. */
export function taskLogResult(selection: TaskLogSelection, event: LogLinesView): ExecutionResult | undefined {
  return build(selection, event)?.result;
}

/** The same, serialized: what graphql-ws puts in a `next` message's payload. */
export function taskLogJson(selection: TaskLogSelection, event: LogLinesView): string | undefined {
  const entry = build(selection, event);
  if (entry) entry.json ??= JSON.stringify(entry.result);
  return entry?.json;
}

function build(selection: TaskLogSelection, event: LogLinesView): Built | undefined {
  if (typeof event !== 'object' || event === null) return undefined;
  let bySelection = built.get(event);
  const cached = bySelection?.get(selection.key);
  if (cached) return cached;
  const { fromLine, lines } = event;
  if (!Number.isInteger(fromLine) || fromLine > MAX_INT || fromLine < -MAX_INT - 1) return undefined;
  if (!Array.isArray(lines) || !lines.every((line) => typeof line === 'string')) return undefined;
  const value: Record<string, unknown> = {};
  for (const [name, field] of selection.fields) value[name] = field === 'fromLine' ? fromLine : field === 'lines' ? lines : TYPENAME;
  const entry: Built = { result: { data: { [selection.root]: value } } };
  if (!bySelection) built.set(event, (bySelection = new Map()));
  bySelection.set(selection.key, entry);
  return entry;
}

/** Sends a `next` message with this payload at once; false if it cannot now (then it goes the usual way). */
export type DirectSend = (payloadJson: string) => boolean;
const directSends = new WeakMap<object, DirectSend>();

/** Lets the subscription run with `contextValue` send its taskLog results with `send`. */
export function sendDirectly(contextValue: object, send: DirectSend): void {
  directSends.set(contextValue, send);
}

/** graphql's subscribe, with taskLog's results built as above when the operation allows. */
export async function subscribeWithTaskLogResults(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const selection = taskLogSelection(args.document, args.operationName);
  if (!selection) return subscribe(args);
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source;
  const direct = directSends.get(args.contextValue as object);
  if (direct && isDeliverableLog(source)) {
    source.deliver = (page) => {
      const json = taskLogJson(selection, page);
      return json !== undefined && direct(json);
    };
  }
  return new ResultStream(source as AsyncIterableIterator<LogLinesView>, (event) => taskLogResult(selection, event) ?? execute({ ...args, rootValue: event }));
}

/** Maps a source stream to results, as graphql's mapAsyncIterator does. */
class ResultStream implements AsyncIterableIterator<ExecutionResult> {
  constructor(
    private readonly source: AsyncIterableIterator<LogLinesView>,
    private readonly map: (event: LogLinesView) => ExecutionResult | Promise<ExecutionResult>,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult>> {
    return this.mapStep(await this.source.next());
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    return this.mapStep(this.source.return ? await this.source.return() : { value: undefined, done: true });
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    if (!this.source.throw) throw error;
    return this.mapStep(await this.source.throw(error));
  }

  private async mapStep(step: IteratorResult<LogLinesView>): Promise<IteratorResult<ExecutionResult>> {
    if (step.done) return { value: undefined, done: true };
    try {
      return { value: await this.map(step.value), done: false };
    } catch (error) {
      await this.source.return?.().catch(() => undefined);
      throw error;
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}
