// Task folders a previous worker process left behind when it was killed outright (SIGKILL, the
// machine's power): removed when a worker starts. Each folder names the process that made it
// (OWNER_FILE), so a folder of another live worker sharing this work folder is left alone.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';

export const OWNER_FILE = 'worker.pid';
/** A folder that names no owner yet may be one being made right now by another worker. */
const UNOWNED_GRACE_MS = 60_000;

/** Removes the folders under `tasksDir` whose worker process is gone; answers how many. */
export async function removeLeftoverTaskFolders(tasksDir: string, log: Logger): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(tasksDir);
  } catch {
    return 0; // no folder yet
  }
  let removed = 0;
  for (const name of names) {
    const home = path.join(tasksDir, name);
    if (!(await isLeftover(home))) continue;
    try {
      await fs.promises.rm(home, { recursive: true, force: true, maxRetries: 3 });
      removed += 1;
    } catch (error) {
      log.warn({ err: error, folder: home }, 'could not remove a leftover task folder');
    }
  }
  if (removed) log.info({ removed, tasksDir }, 'removed task folders left by a worker that was killed');
  return removed;
}

async function isLeftover(home: string): Promise<boolean> {
  let owner: number;
  try {
    owner = Number(await fs.promises.readFile(path.join(home, OWNER_FILE), 'utf8'));
  } catch {
    const stat = await fs.promises.stat(home).catch(() => undefined);
    return !!stat && Date.now() - stat.mtimeMs > UNOWNED_GRACE_MS;
  }
  // This process has made no folder yet: one naming its pid is a dead predecessor's (pid reuse,
  // as in a container where the worker is always pid 1).
  return !Number.isInteger(owner) || owner <= 0 || owner === process.pid || !alive(owner);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
