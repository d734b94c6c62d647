// One claimed run, from claim to report: a fresh folder, the payload checked, caches mounted, the
// proxy started, the commands run (killed on timeout, cancel or shutdown), artifacts and the log
// uploaded, and the run resolved — while a reclaimer keeps the claim alive.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Caches, Mounted } from './caches';
import type { WorkerConfig } from './config';
import { bearer, describe, GatewayUnavailable, GraphqlClient, GraphqlError, HttpFailure, sleep } from './graphql/client';
import {
  APPEND_TASK_LOG,
  type AppendTaskLogResult,
  type Claim,
  type Credentials,
  RECLAIM_TASK,
  type ReclaimTaskResult,
  REPORT_COMPLETED,
  REPORT_EXCEPTION,
  REPORT_FAILED,
} from './graphql/documents';
import { Masker } from './lines';
import { OWNER_FILE } from './leftovers';
import { LiveLog } from './live-log';
import { type ArtifactSpec, LIVE_LOG_NAME, parsePayload, type Payload } from './payload';
import { type ProcessResult, runCommand } from './process';
import { startProxy, type TaskProxy } from './proxy';
import { contentTypeOf, createErrorArtifact, type RunAccess, uploadFile } from './upload';

export interface WorkerContext {
  client: GraphqlClient;
  config: WorkerConfig;
  log: Logger;
  caches: Caches;
}

/** Why the commands were stopped before they ended by themselves. */
export type StopReason = 'canceled' | 'claim-lost' | 'shutdown' | 'max-run-time';

type Outcome =
  | { report: 'completed' }
  | { report: 'failed' }
  | { report: 'exception'; reason: 'malformed-payload' | 'worker-shutdown' | 'internal-error' }
  /** The run is no longer this worker's (canceled, resolved, claim lapsed): nothing to report. */
  | { report: 'none'; why: string };

/** Reclaim at least this often, so a cancel is noticed within a minute even with long claims. */
const MAX_RECLAIM_INTERVAL_MS = 60_000;
/** Credentials whose certificate cannot be read are assumed to last this long past the claim. */
const FALLBACK_GRACE_MS = 10 * 60_000;

/** The gateway answered that the run is no longer running. */
class RunGone extends Error {}

export class TaskRun {
  readonly taskId: string;
  readonly runId: number;
  private credentials: Credentials;
  private takenUntil: number;
  /** How long a claim lasts, learned from the first one: the reclaimer's safety margin is a tenth. */
  private readonly claimSpan: number;
  private readonly stopper = new AbortController();
  private stopReason: StopReason | undefined;
  private readonly finished = new AbortController();
  private readonly log: Logger;
  private readonly access: RunAccess;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly claim: Claim,
  ) {
    this.taskId = claim.task.taskId;
    this.runId = claim.runId;
    this.credentials = claim.credentials;
    this.takenUntil = Date.parse(claim.takenUntil);
    this.claimSpan = Math.max(1000, this.takenUntil - Date.now());
    this.log = ctx.log.child({ taskId: this.taskId, runId: this.runId });
    this.access = {
      client: ctx.client,
      taskId: this.taskId,
      runId: this.runId,
      auth: () => bearer(this.credentials),
      until: () => this.credentialsExpiry(),
    };
  }

  /** Stops the commands (once; the first reason wins). */
  stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.log.info({ reason }, 'stopping the task');
    this.stopper.abort(reason);
  }

  /** Runs the task to its report; never throws. */
  async run(): Promise<void> {
    const home = path.join(this.ctx.config.workDir, 'tasks', `${this.taskId}-${this.runId}-${crypto.randomBytes(4).toString('hex')}`);
    const taskDir = path.join(home, 'task');
    const masker = new Masker();
    let outcome: Outcome = { report: 'exception', reason: 'internal-error' };
    let live: LiveLog | undefined;
    const reclaiming = this.reclaimLoop();
    // A worker always resolves or releases what it claimed, whatever throws: every path below
    // ends in a report, unless the gateway said the run is no longer ours (then there is
    // nothing to resolve), or stayed unreachable until the task credentials expired.
    try {
      await fs.promises.mkdir(taskDir, { recursive: true });
      await fs.promises.writeFile(path.join(home, OWNER_FILE), String(process.pid));
      live = new LiveLog({
        file: path.join(home, 'live.log'),
        masker,
        append: (fromLine, lines) => this.append(fromLine, lines),
        onSendError: (error) => this.onLogSendError(error),
      });
      try {
        outcome = await this.execute(taskDir, live, masker);
      } catch (error) {
        if (error instanceof RunGone) outcome = { report: 'none', why: error.message };
        else {
          this.log.error({ err: error }, 'internal error while running the task');
          live.line(say(`internal error of the worker: ${describe(error)}`));
          outcome = { report: 'exception', reason: 'internal-error' };
        }
      }
      if (outcome.report === 'none') await live.close({ send: false });
      else outcome = await this.finishLog(live, outcome);
      await this.report(outcome);
    } catch (error) {
      this.log.error({ err: error }, 'could not finish the run');
      await live?.close({ send: false }).catch(() => undefined);
      if (outcome.report !== 'none') await this.report({ report: 'exception', reason: 'internal-error' }).catch(() => undefined);
    } finally {
      this.finished.abort();
      await reclaiming;
      await fs.promises.rm(home, { recursive: true, force: true }).catch((error) => this.log.warn({ err: error }, 'could not remove the task folder'));
    }
  }

  private async execute(taskDir: string, live: LiveLog, masker: Masker): Promise<Outcome> {
    const { config } = this.ctx;
    live.line(say(`task ${this.taskId} run ${this.runId} on ${config.workerPoolId} (${config.workerGroup}/${config.workerId})`));
    const parsed = parsePayload(this.claim.task.payload);
    for (const field of parsed.ignored) live.line(say(`ignoring the payload field "${field}": this worker does not know it`));
    if (!parsed.payload) {
      live.line(say('malformed payload:'));
      for (const problem of parsed.problems) live.line(say(`  ${problem}`));
      return { report: 'exception', reason: 'malformed-payload' };
    }
    const payload = parsed.payload;
    if (this.stopReason) return this.stoppedOutcome(live);

    let mounted: Mounted[] = [];
    let proxy: TaskProxy | undefined;
    let result: ProcessResult = { code: null, signal: null };
    const timer = setTimeout(() => this.stop('max-run-time'), payload.maxRunTime * 1000);
    try {
      mounted = await this.ctx.caches.mount(payload.caches, taskDir);
      for (const cache of mounted) live.line(say(`cache ${cache.cacheName} mounted at ${path.relative(taskDir, cache.target)}`));
      proxy = await startProxy({ ...this.access, signal: this.finished.signal }, masker);
      const env = this.environment(payload, taskDir, proxy.url);
      for (const argv of payload.commands) {
        if (this.stopReason) break;
        live.line(say(`running ${argv.map(quote).join(' ')}`));
        result = await runCommand(argv, { cwd: taskDir, env, log: live, signal: this.stopper.signal });
        if (result.startError) {
          live.line(say(`could not start ${argv[0]}: ${result.startError.message}`));
          result = { code: 127, signal: null };
        }
        if (result.code !== 0) break;
      }
    } finally {
      clearTimeout(timer);
      await proxy?.close();
      await this.ctx.caches.unmount(mounted);
    }

    // What stopped the commands, if anything did; a stop after they ended changes nothing of
    // their result (a shutdown then waits for the artifacts and the report).
    const stoppedBy = this.stopReason;
    if (stoppedBy) {
      const stopped = this.stoppedOutcome(live);
      if (stopped.report !== 'failed') return stopped;
    } else if (result.code === 0) {
      live.line(say('exit code 0'));
    } else {
      live.line(say(result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`));
    }
    const uploaded = await this.uploadArtifacts(payload.artifacts, taskDir, live);
    if (this.stopReason === 'canceled' || this.stopReason === 'claim-lost') return this.stoppedOutcome(live);
    return result.code === 0 && !stoppedBy && uploaded ? { report: 'completed' } : { report: 'failed' };
  }

  private stoppedOutcome(live: LiveLog): Outcome {
    switch (this.stopReason) {
      case 'max-run-time':
        live.line(say(`task aborted - max run time exceeded`));
        return { report: 'failed' };
      case 'shutdown':
        live.line(say('task aborted - the worker is shutting down (the task will be retried)'));
        return { report: 'exception', reason: 'worker-shutdown' };
      case 'canceled':
        live.line(say('task aborted - the run is no longer running (canceled or resolved)'));
        return { report: 'none', why: 'the run is no longer running' };
      default:
        live.line(say('task aborted - the claim could not be renewed in time'));
        return { report: 'none', why: 'the claim lapsed' };
    }
  }

  private environment(payload: Payload, taskDir: string, proxyUrl: string): Record<string, string> {
    const { config } = this.ctx;
    return {
      ...config.taskBaseEnv,
      ...payload.env,
      TASK_ID: this.taskId,
      RUN_ID: String(this.runId),
      TASK_GROUP_ID: this.claim.task.taskGroupId,
      TASK_WORKDIR: taskDir,
      TASKCLUSTER_WORKER_POOL: config.workerPoolId,
      TASKCLUSTER_WORKER_GROUP: config.workerGroup,
      TASKCLUSTER_WORKER_ID: config.workerId,
      TASKCLUSTER_PROXY_URL: proxyUrl,
      TASKGATE_PROXY_URL: proxyUrl,
    };
  }

  /** Uploads the payload's artifacts; a missing or unusable one becomes an error artifact. Answers whether all were there. */
  private async uploadArtifacts(specs: ArtifactSpec[], taskDir: string, live: LiveLog): Promise<boolean> {
    if (!specs.length) return true;
    const root = await fs.promises.realpath(taskDir);
    let ok = true;
    const problem = async (spec: ArtifactSpec, reason: string, message: string) => {
      ok = false;
      live.line(say(`artifact ${spec.name}: ${message}`));
      await this.guard(() => createErrorArtifact(this.access, { name: spec.name, reason, message, expires: spec.expires }));
    };
    for (const spec of specs) {
      let real: string;
      try {
        real = await fs.promises.realpath(path.resolve(taskDir, spec.path));
      } catch {
        await problem(spec, 'file-missing-on-worker', `${spec.path} was not found`);
        continue;
      }
      if (real !== root && !real.startsWith(`${root}${path.sep}`)) {
        await problem(spec, 'invalid-resource-on-worker', `${spec.path} leads outside the task's folder`);
        continue;
      }
      const stat = await fs.promises.stat(real);
      if (spec.type === 'file' && !stat.isFile()) {
        await problem(spec, 'invalid-resource-on-worker', `${spec.path} is not a file`);
        continue;
      }
      if (spec.type === 'directory' && !stat.isDirectory()) {
        await problem(spec, 'invalid-resource-on-worker', `${spec.path} is not a directory`);
        continue;
      }
      const files = spec.type === 'file' ? [{ name: spec.name, file: real }] : await filesUnder(real, spec.name, (skipped) => live.line(say(`artifact ${spec.name}: skipping ${skipped} (not a regular file)`)));
      for (const file of files) {
        const size = (await fs.promises.stat(file.file)).size;
        live.line(say(`uploading artifact ${file.name} (${size} bytes)`));
        const refused = await this.guard(() => uploadFile(this.access, { ...file, contentType: contentTypeOf(file.file), expires: spec.expires }));
        if (refused) {
          ok = false;
          live.line(say(`artifact ${file.name} was refused: ${refused}`));
        }
      }
    }
    return ok;
  }

  /**
   * Runs an artifact call: a run that is no longer running ends the task (RunGone); a refusal
   * (bad input, too large) is answered as a message so the task fails with the reason in its log.
   */
  private async guard(call: () => Promise<void>): Promise<string | undefined> {
    try {
      await call();
      return undefined;
    } catch (error) {
      if (error instanceof GraphqlError && error.code === 'CONFLICT' && /not running/.test(error.message)) throw new RunGone(error.message);
      if (error instanceof GraphqlError || (error instanceof HttpFailure && error.status < 500)) return describe(error);
      throw error;
    }
  }

  /** Closes the log, waits until the gateway has every line, and uploads it as the log artifact. */
  private async finishLog(live: LiveLog, outcome: Outcome): Promise<Outcome> {
    const lines = await live.close();
    if (this.stopReason === 'canceled' || this.stopReason === 'claim-lost') return { report: 'none', why: `the run was lost while finishing (${this.stopReason})` };
    try {
      await uploadFile(this.access, { name: LIVE_LOG_NAME, file: live.file, contentType: 'text/plain; charset=utf-8' });
      this.log.debug({ lines }, 'log uploaded');
    } catch (error) {
      if (error instanceof GraphqlError && error.code === 'CONFLICT' && /not running/.test(error.message)) return { report: 'none', why: error.message };
      this.log.warn({ err: error }, 'could not upload the log');
    }
    return outcome;
  }

  private async report(outcome: Outcome): Promise<void> {
    if (outcome.report === 'none') {
      this.log.info({ why: outcome.why }, 'nothing to report');
      return;
    }
    const document = outcome.report === 'completed' ? REPORT_COMPLETED : outcome.report === 'failed' ? REPORT_FAILED : REPORT_EXCEPTION;
    const variables = { taskId: this.taskId, runId: this.runId, ...(outcome.report === 'exception' ? { reason: outcome.reason } : {}) };
    try {
      await this.ctx.client.call(document, variables, {
        auth: bearer(this.credentials),
        until: this.credentialsExpiry(),
        onRetry: (error, attempt) => this.log.warn({ err: describe(error), attempt }, 'report failed; retrying'),
      });
      this.log.info({ outcome: outcome.report === 'exception' ? `exception/${outcome.reason}` : outcome.report }, 'reported');
    } catch (error) {
      if (error instanceof GraphqlError && error.code === 'CONFLICT') this.log.info({ err: error.message }, 'the run was resolved meanwhile');
      else this.log.error({ err: describe(error) }, 'could not report the run');
    }
  }

  private async append(fromLine: number, lines: string[]): Promise<number> {
    const data = await this.ctx.client.call<AppendTaskLogResult>(
      APPEND_TASK_LOG,
      { taskId: this.taskId, runId: this.runId, fromLine, lines },
      {
        auth: bearer(this.credentials),
        until: this.credentialsExpiry(),
        signal: this.finished.signal,
        onRetry: (error, attempt) => this.log.warn({ err: describe(error), attempt }, 'appendTaskLog failed; retrying'),
      },
    );
    return data.appendTaskLog;
  }

  private onLogSendError(error: unknown): void {
    if (error instanceof GraphqlError && error.code === 'CONFLICT') {
      this.log.info({ err: error.message }, 'the log was closed by the gateway: the run is over');
      this.stop('canceled');
    } else this.log.warn({ err: describe(error) }, 'live log streaming stopped; the whole log is uploaded at the end');
  }

  /**
   * Keeps the claim alive until the run is finished: reclaims at half the time left (at least
   * once a minute), with retries until just before the claim lapses. A CONFLICT means the run
   * was canceled or resolved: the commands are stopped and nothing is reported. A claim that
   * could not be renewed in time stops the commands too, so that the run's retry on another
   * worker never overlaps with this one.
   */
  private async reclaimLoop(): Promise<void> {
    const signal = this.finished.signal;
    while (!signal.aborted) {
      const delay = Math.min(MAX_RECLAIM_INTERVAL_MS, Math.max(100, (this.takenUntil - Date.now()) / 2));
      try {
        await sleep(delay, signal);
      } catch {
        return;
      }
      const margin = Math.min(5000, this.claimSpan / 10);
      try {
        const data = await this.ctx.client.call<ReclaimTaskResult>(
          RECLAIM_TASK,
          { taskId: this.taskId, runId: this.runId },
          {
            auth: bearer(this.credentials),
            until: this.takenUntil - margin,
            signal,
            onRetry: (error, attempt) => this.log.warn({ err: describe(error), attempt }, 'reclaim failed; retrying'),
          },
        );
        this.credentials = data.reclaimTask.credentials;
        this.takenUntil = Date.parse(data.reclaimTask.takenUntil);
        this.log.debug({ takenUntil: data.reclaimTask.takenUntil }, 'reclaimed');
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof GraphqlError && error.code === 'CONFLICT') {
          this.log.info({ err: error.message }, 'the run is no longer running');
          this.stop('canceled');
        } else {
          this.log.warn({ err: describe(error), unavailable: error instanceof GatewayUnavailable }, 'could not reclaim before the claim lapses');
          this.stop('claim-lost');
        }
        return;
      }
    }
  }

  /** When the current task credentials stop working: retrying past that is pointless. */
  private credentialsExpiry(): number {
    try {
      const expiry = Number(JSON.parse(this.credentials.certificate ?? '').expiry);
      if (Number.isFinite(expiry)) return expiry;
    } catch {
      // not a certificate we can read
    }
    return this.takenUntil + FALLBACK_GRACE_MS;
  }
}

/** A line of the worker's own in the task's log. */
function say(message: string): string {
  return `[taskgate ${new Date().toISOString()}] ${message}`;
}

/** An argument as a shell would need it, for the log only (commands never run through a shell). */
function quote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  // Control characters (a newline in a script) would break the line: shown JSON-escaped.
  if ([...arg].some((c) => c < ' ' || c === '\x7f')) return `$${JSON.stringify(arg)}`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Regular files under `dir`, named `<prefix>/<relative path>`; anything else is skipped. */
async function filesUnder(dir: string, prefix: string, skip: (relative: string) => void): Promise<{ name: string; file: string }[]> {
  const found: { name: string; file: string }[] = [];
  const walk = async (relative: string) => {
    const entries = await fs.promises.readdir(path.join(dir, relative), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else if (entry.isFile()) found.push({ name: `${prefix}/${rel}`, file: path.join(dir, rel) });
      else skip(rel);
    }
  };
  await walk('');
  return found;
}
