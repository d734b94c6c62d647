import pino from 'pino';
import type { WorkerConfig } from './config';

/**
 * Structured JSON logs on stdout; every line names the worker, task lines also the task and run.
 * Written synchronously: pino's asynchronous stdout flushes what is queued when the process exits,
 * and into a broken pipe (the local provider's cron died, taking the read end) that flush retries
 * for ever — the worker then never exits. A synchronous write fails at once, and pino stops
 * logging to a broken pipe. A worker logs a few lines per task: the writes cost nothing.
 */
export function createWorkerLogger(config: WorkerConfig): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      name: 'worker',
      base: { pid: process.pid, workerPoolId: config.workerPoolId, workerGroup: config.workerGroup, workerId: config.workerId },
    },
    pino.destination({ dest: 1, sync: true }),
  );
}
