// The provisioning job. node-cron ticks every second; a pass runs every
// PROVISIONING_INTERVAL_SECONDS. The provisioner belongs to this process (its local provider owns
// the worker processes it started), so it is made on the first run and stopped with the process.
import type { Core } from '../../entities/core';
import type { Job } from '../jobs';
import { Provisioner } from './provisioner';

let provisioner: Provisioner | undefined;
let lastPass = 0;

export const provisioningJobs: Job[] = [
  {
    name: 'provision-worker-pools',
    schedule: '* * * * * *',
    async run(core: Core) {
      if (Date.now() - lastPass < core.config.provisioning.intervalSeconds * 1000 - 200) return 0;
      lastPass = Date.now();
      provisioner ??= new Provisioner(core);
      const result = await provisioner.provisionAll();
      return result.started + result.stopped;
    },
  },
];

/** Stops the workers this process started (SIGTERM, then SIGKILL after the grace period) and releases its leases. */
export async function stopProvisioning(): Promise<void> {
  const current = provisioner;
  provisioner = undefined;
  await current?.close();
}
