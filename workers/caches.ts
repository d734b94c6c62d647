// Caches that persist between tasks on one worker: a folder per cache, moved into a task's folder
// at the path the payload names before the task, and moved back after. A cache is used by one
// task at a time; a task that finds its cache in use (capacity > 1) gets another copy of it,
// which then persists too. Moves are renames (same filesystem); across filesystems the task
// gets a symbolic link instead.
import fs from 'node:fs';
import path from 'node:path';
import type { CacheSpec } from './payload';

export interface Mounted {
  cacheName: string;
  /** The cache's home in the cache folder. */
  home: string;
  /** Where the task sees it. */
  target: string;
  linked: boolean;
}

export class Caches {
  private readonly inUse = new Set<string>();

  constructor(private readonly dir: string) {}

  async mount(specs: CacheSpec[], taskDir: string): Promise<Mounted[]> {
    await fs.promises.mkdir(this.dir, { recursive: true });
    const mounted: Mounted[] = [];
    const taken: string[] = [];
    try {
      for (const spec of specs) {
        const home = this.take(spec.cacheName);
        taken.push(home);
        await fs.promises.mkdir(home, { recursive: true });
        const target = path.resolve(taskDir, spec.directory);
        await fs.promises.mkdir(path.dirname(target), { recursive: true });
        let linked = false;
        try {
          await fs.promises.rename(home, target);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
          await fs.promises.symlink(home, target, 'dir');
          linked = true;
        }
        mounted.push({ cacheName: spec.cacheName, home, target, linked });
      }
    } catch (error) {
      await this.unmount(mounted);
      for (const home of taken) this.inUse.delete(home);
      throw error;
    }
    return mounted;
  }

  /** Moves each cache back home; one the task removed comes back empty. */
  async unmount(mounted: Mounted[]): Promise<void> {
    for (const cache of mounted) {
      try {
        if (!cache.linked) {
          const stat = await fs.promises.lstat(cache.target).catch(() => undefined);
          if (stat?.isDirectory()) await fs.promises.rename(cache.target, cache.home);
          else await fs.promises.mkdir(cache.home, { recursive: true });
        }
      } finally {
        this.inUse.delete(cache.home);
      }
    }
  }

  /** The first copy of the cache not in use: `<name>`, then `<name>~2`, … */
  private take(cacheName: string): string {
    for (let n = 1; ; n++) {
      const home = path.join(this.dir, n === 1 ? cacheName : `${cacheName}~${n}`);
      if (!this.inUse.has(home)) {
        this.inUse.add(home);
        return home;
      }
    }
  }
}
