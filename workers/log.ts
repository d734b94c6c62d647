import pino from 'pino';
import type { WorkerConfig } from './config';

/** Structured JSON logs on stdout; every line names the worker, task lines also the task and run. */
export function createWorkerLogger(config: WorkerConfig): pino.Logger {
  return pino({
    level: config.logLevel,
    name: 'worker',
    base: { pid: process.pid, workerPoolId: config.workerPoolId, workerGroup: config.workerGroup, workerId: config.workerId },
  });
}
