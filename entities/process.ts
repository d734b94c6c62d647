// Start-up and shutdown shared by the gateway and cron processes: bad configuration and an
// unreachable database end the process with one clear message, never a stack trace.
import { ConfigError, loadConfig, type Config } from './config';
import { openCore, type Core } from './core';
import { DomainError } from './errors';

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
