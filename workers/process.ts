// Running one command of a task: a child process in a process group of its own (detached), so
// that a timeout, a cancel or a shutdown kills it and everything it started, and so that
// anything it left running when it exited is killed too.
import { spawn } from 'node:child_process';
import type { LiveLog } from './live-log';

export interface ProcessResult {
  /** The exit code, or null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it could not start (e.g. the program does not exist). */
  startError?: Error;
}

/** After the command exits and its group is killed, wait this long for its output to drain. */
const DRAIN_MS = 5000;

export function runCommand(argv: string[], options: { cwd: string; env: Record<string, string>; log: LiveLog; signal: AbortSignal }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    if (options.signal.aborted) return resolve({ code: null, signal: null });
    let child;
    try {
      child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      return resolve({ code: null, signal: null, startError: error as Error });
    }
    const following = Promise.all([options.log.follow(child.stdout!), options.log.follow(child.stderr!)]);
    const kill = () => killGroup(child.pid);
    options.signal.addEventListener('abort', kill, { once: true });
    let settled = false;
    const finish = async (result: ProcessResult) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener('abort', kill);
      // Whatever the command left behind in its group goes with it.
      kill();
      const drained = await Promise.race([following.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_MS).unref())]);
      if (!drained) {
        // Something outside the group still holds the pipes (it made a session of its own).
        child.stdout?.destroy();
        child.stderr?.destroy();
      }
      resolve(result);
    };
    child.once('error', (error) => {
      if (child.pid === undefined) void finish({ code: null, signal: null, startError: error });
    });
    child.once('exit', (code, signal) => void finish({ code, signal }));
  });
}

/** SIGKILL to a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    // ESRCH: the group is already gone. Nothing else can be done about another failure here.
    void error;
  }
}
