// A child for test/logs-exit.test.ts: once told to go (over IPC), it logs a few lines with the
// logger named on its command line and exits at once. Its stdout's reader is gone by then.
import { createLogger } from '../../entities/log';
import type { WorkerConfig } from '../../workers/config';
import { createWorkerLogger } from '../../workers/log';

const which = process.argv[2];
const log =
  which === 'worker'
    ? createWorkerLogger({ logLevel: 'info', workerPoolId: 'test/pool', workerGroup: 'g', workerId: 'w' } as WorkerConfig)
    : createLogger('info', 'test');
process.once('message', () => {
  // The first write meets the broken pipe; the next ones are logged while it is under way.
  for (let i = 0; i < 3; i++) log.info({ i }, 'a line after the reader went away');
  process.exit(0);
});
process.send!('ready');
