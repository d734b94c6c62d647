// `npm run chaos`: the chaos run (run.ts) at full size, then its summary table; exits 1 if any
// check found a violation (each is listed). Sizes and the seed come from the command line:
//   npm run chaos -- --tasks 5000 --faults 240 --seed 7 [--keep]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { summaryTable, violationCount } from './report';
import { runChaos } from './run';

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    faults: { type: 'string', default: '240' },
    settle: { type: 'string', default: '900' },
    seed: { type: 'string' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    keep: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 1_000_000);
  const report = await runChaos({
    tasks: Number(values.tasks),
    faultSeconds: Number(values.faults),
    settleSeconds: Number(values.settle),
    seed,
    redisUrl: values.redis!,
    observed: 60,
    log: (line) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`),
  });
  console.log(`\n${summaryTable(report)}\n`);
  for (const [check, violations] of Object.entries(report.violations)) {
    for (const violation of violations.slice(0, 20)) console.log(`VIOLATION (${check}): ${violation}`);
    if (violations.length > 20) console.log(`… and ${violations.length - 20} more (${check})`);
  }
  const failed = violationCount(report) > 0;
  // A failed run's folder stays for the post-mortem; a sound one goes unless --keep.
  if (failed || values.keep) console.log(`run folder (logs, journal, database): ${report.dir}`);
  else fs.rmSync(report.dir, { recursive: true, force: true });
  process.exit(failed ? 1 : 0);
}

void main().catch((error) => {
  console.error(error);
  process.exit(2);
});
