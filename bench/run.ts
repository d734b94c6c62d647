// `npm run bench [-- name…]`: runs each benchmark (every bench/<area>/*.ts) as its own process,
// one after another so they do not compete for the two cores, and lets each print its figures.
// NODE_ENV is production and NODE_OPTIONS the Dockerfile's unless set (run one file directly with
// NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=64 to match).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && entry.name !== 'support')
  .flatMap((dir) =>
    fs
      .readdirSync(path.join(__dirname, dir.name))
      .filter((file) => file.endsWith('.ts'))
      .map((file) => path.join(dir.name, file)),
  )
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file}`);
  // As the Dockerfile deploys the platform: graphql-js and Express skip their development checks,
  // and V8's young generation is the size the Dockerfile gives it (gateways started as children inherit it).
  const env = { NODE_ENV: 'production', NODE_OPTIONS: '--max-semi-space-size=64', ...process.env };
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], { stdio: 'inherit', env });
  if (result.status !== 0) failed += 1;
}
if (failed) {
  console.error(`${failed} benchmark(s) failed`);
  process.exit(1);
}
