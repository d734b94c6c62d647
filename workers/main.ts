// Entry point of a worker process:
//   node --import tsx workers/main.ts --pool <workerPoolId> [--worker-group <g>] [--worker-id <w>]
//   npm run worker -- --pool local/default
// SIGTERM or SIGINT: the running tasks are resolved exception/worker-shutdown (they are retried)
// and the worker exits 0. Started with an IPC channel (the local provider does), the worker also
// shuts down so when the channel closes: the process that started it died, even by SIGKILL.
import { loadWorkerConfig, USAGE, WorkerConfigError } from './config';
import { describe } from './graphql/client';
import { createWorkerLogger } from './log';
import { Worker } from './worker';

function main(): void {
  let config;
  try {
    config = loadWorkerConfig(process.argv.slice(2));
  } catch (error) {
    if (error instanceof WorkerConfigError) {
      process.stderr.write(`worker: ${error.message}\n${USAGE}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createWorkerLogger(config);
  const worker = new Worker(config, log);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => worker.stop());
  if (process.channel) {
    process.on('disconnect', () => {
      log.warn('the process that started this worker is gone: shutting down');
      worker.stop();
    });
  }
  // Output may go to a pipe whose reader died with that process: a failed write must not end
  // the worker before it has resolved its runs.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  worker.run().then(
    () => process.exit(0),
    (error) => {
      log.fatal({ err: describe(error) }, 'worker failed');
      process.stderr.write(`worker: ${describe(error)}\n`);
      process.exit(1);
    },
  );
}

main();
