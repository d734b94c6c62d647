// Entry point of a cron process: `npm run cron`.
import 'reflect-metadata';
import { startProcess } from '../entities/process';
import { prepareSecretsKeyring } from '../entities/secrets/keyring';
import { jobs } from './jobs';
import { stopProvisioning } from './provisioning/jobs';
import { startScheduler } from './scheduler';

void startProcess('cron', async (core) => {
  // With SECRETS_KEYS unset, the first start generates the key into the data folder and says so.
  const { notice } = prepareSecretsKeyring(core.config);
  if (notice) process.stdout.write(`${notice}\n`);
  const scheduler = startScheduler(core, jobs);
  core.log.info({ jobs: jobs.map((j) => j.name) }, 'cron started');
  return async () => {
    await scheduler.stop();
    // The local provider's worker processes end with this process: SIGTERM, then SIGKILL.
    await stopProvisioning();
  };
});
