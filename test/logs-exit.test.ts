// A process whose output pipe broke (the process reading it died) still exits when it means to:
// the loggers write synchronously, so nothing is left to flush into the broken pipe at exit.
// With pino's asynchronous writer the exit retried that flush for ever (an orphaned worker stayed
// alive, counted as capacity, and claimed nothing).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

async function exitAfterPipeBroke(which: 'platform' | 'worker'): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/log-into-broken-pipe.ts'), which], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  child.stdout!.destroy(); // the reader goes away
  await new Promise((resolve) => setTimeout(resolve, 100));
  child.send('go');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const timeout = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000).unref());
  const outcome = await Promise.race([exited, timeout]);
  if (outcome === 'hung') child.kill('SIGKILL');
  return outcome === 'hung' ? -1 : outcome;
}

describe('a process whose output pipe broke', () => {
  it.each(['platform', 'worker'] as const)('exits when it means to (%s logger)', async (which) => {
    expect(await exitAfterPipeBroke(which), 'exit code (-1: still running after 10 s)').toBe(0);
  }, 30_000);
});
