// Start-up and shutdown shared by the gateway and cron processes: bad configuration and an
// unreachable database end the process with one clear message, never a stack trace.
import { ConfigError, loadConfig, type Config } from './config';
import { openCore, type Core } from './core';
import { DomainError } from './errors';

/** Longer than a claimWork long poll (20 s), which a graceful stop lets finish. */
const SHUTDOWN_DEADLINE_MS = 30_000;

export async function startProcess(name: string, run: (core: Core) => Promise<() => Promise<void>>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(`${name}: ${error.message}`);
    throw error;
  }
  let core: Core;
  let stop: () => Promise<void>;
  try {
    core = await openCore(config, { name });
    stop = await run(core);
  } catch (error) {
    if (error instanceof DomainError) return fail(`${name}: ${error.message}`);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return fail(`${name}: port already in use: ${(error as Error).message}`);
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    core.log.info({ signal }, 'shutting down');
    // A stop that hangs (a peer that never answers) must not keep the process from ending.
    setTimeout(() => {
      core.log.error({ ms: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting now');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await stop();
      await core.close();
      process.exit(0);
    } catch (error) {
      core.log.error({ err: error }, 'unclean shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
