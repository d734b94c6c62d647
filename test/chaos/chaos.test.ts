// The short chaos run inside `npm test`: the same run as `npm run chaos` (run.ts), smaller —
// a few hundred tasks and under a minute of faults, every kind of fault at least once — and no
// violation allowed. Needs Redis and a MariaDB installation (the run starts a server of its own):
// it runs when TEST_REDIS_URL and TEST_MYSQL_URL are set, as CI sets them.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PrivateMariaDb } from './mariadb';
import { summaryTable } from './report';
import { runChaos } from './run';

const redisUrl = process.env.TEST_REDIS_URL;
const enabled = !!redisUrl && !!process.env.TEST_MYSQL_URL;

describe.skipIf(!enabled)('a short chaos run', () => {
  it('loses nothing and runs nothing twice at once under kills, a MariaDB crash and a Redis cut', async () => {
    expect(PrivateMariaDb.available(), 'mariadbd and mariadb-install-db must be installed').toBe(true);
    const seed = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 1_000_000));
    const report = await runChaos({ tasks: 200, faultSeconds: 45, settleSeconds: 240, seed, redisUrl: redisUrl!, observed: 30 });
    console.log(summaryTable(report));
    for (const kind of Object.keys(report.faults)) expect(report.faults[kind as keyof typeof report.faults], `faults of kind ${kind}`).toBeGreaterThan(0);
    expect(report.violations, `seed ${seed}; run folder ${report.dir}`).toEqual(Object.fromEntries(Object.keys(report.violations).map((k) => [k, []])));
    fs.rmSync(report.dir, { recursive: true, force: true }); // kept above for a failed run's post-mortem
  }, 900_000);
});
