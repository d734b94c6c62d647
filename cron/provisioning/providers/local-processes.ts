// The local provider's view of processes on this machine (Linux /proc): whether a pid still runs
// a given worker, signalling, and ending what a dead worker's tasks left running.
import fs from 'node:fs';

/** SIGKILL to the process group `pid` leads (a worker is detached: its group goes with it). */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  if (!signal(-pid, 'SIGKILL')) signal(pid, 'SIGKILL');
}

export function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is a process whose command line names this worker (false elsewhere than Linux). */
export function runsWorker(pid: number, workerId: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(workerId);
  } catch {
    return false;
  }
}

/** The parent of `pid` (undefined if it is gone, or elsewhere than Linux). */
export function parentPid(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * SIGKILLs every process left from the tasks of a worker that is gone, and answers their pids.
 * A worker runs each command in a process group of its own, so killing the worker does not end
 * them; they are found by the TASKCLUSTER_WORKER_ID their worker put in their environment
 * (children inherit it), and must be gone before the run is retried elsewhere, or two would
 * run it at once. Only this user's processes are readable, which are the only ones it can kill.
 */
export function killTaskProcesses(workerId: string): number[] {
  const needle = `\0TASKCLUSTER_WORKER_ID=${workerId}\0`;
  const killed: number[] = [];
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return killed;
  }
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = `\0${fs.readFileSync(`/proc/${pid}/environ`, 'utf8')}`;
    } catch {
      continue; // gone meanwhile, or another user's
    }
    if (environ.includes(needle) && signal(pid, 'SIGKILL')) killed.push(pid);
  }
  return killed;
}
