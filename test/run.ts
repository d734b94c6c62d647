// What `npm test` runs: says up front which optional suites are skipped, runs vitest with the
// normal console output plus a JSON report, and ends with exactly one summary line
// `tests: N passed, M failed[, K skipped]` that CI reads. Extra args go to vitest
// (`npm test -- test/auth`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// An optional suite runs when its variable is set, and is then mandatory: the tests themselves
// fail if the service is unreachable.
const optionalSuites = [
  { env: 'TEST_MYSQL_URL', what: 'the MariaDB/MySQL runs of the integration suite', example: 'mysql://root@127.0.0.1:3306/test' },
  { env: 'TEST_REDIS_URL', what: 'the cross-gateway Redis tests, and with TEST_MYSQL_URL the short chaos run', example: 'redis://127.0.0.1:6379' },
  { env: 'TEST_BROWSER', what: 'the portal browser suite', example: '/usr/bin/chromium' },
];

interface JsonReport {
  testResults: Array<{
    status: string;
    message: string;
    name: string;
    assertionResults: Array<{ status: string }>;
  }>;
}

function summary(passed: number, failed: number, skipped: number): string {
  return `tests: ${passed} passed, ${failed} failed` + (skipped > 0 ? `, ${skipped} skipped` : '');
}

function readReport(file: string): JsonReport | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as JsonReport;
  } catch {
    return undefined;
  }
}

function main(): void {
  for (const suite of optionalSuites) {
    if (!process.env[suite.env]) {
      console.log(`skipped: ${suite.what} (set ${suite.env}=${suite.example})`);
    }
  }

  // The chaos run starts a cluster of its own (a dozen processes): it runs after the rest, alone
  // on the machine's cores, so neither slows the other into timeouts. Named files run as given.
  const phases = process.argv.length > 2 ? [process.argv.slice(2)] : [['--exclude', 'test/chaos/**'], ['test/chaos/']];

  // Ctrl-C reaches vitest too (same process group); stay alive to let it clean up and to
  // print the summary line.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);

  void (async () => {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let files = 0;
    for (const phase of phases) {
      const result = await runVitest(phase);
      if ('crashed' in result) {
        console.log(result.crashed);
        failed += 1;
        continue;
      }
      files += result.report.testResults.length;
      const counts = count(result.report);
      passed += counts.passed;
      skipped += counts.skipped;
      if (result.code !== 0 && counts.failed === 0) {
        console.log(`vitest exited with ${result.code} although every test passed (unhandled error? see above).`);
        counts.failed = 1;
      }
      failed += counts.failed;
    }
    if (files === 0 && failed === 0) {
      console.log('No test files found: refusing to pass on nothing (check the file filter).');
      failed = 1;
    }
    console.log(summary(passed, failed, skipped));
    process.exit(failed === 0 ? 0 : 1);
  })();
}

/** One vitest run with the JSON report; the report, or why there is none. */
function runVitest(extra: string[]): Promise<{ report: JsonReport; code: number | null } | { crashed: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'taskgate-test-'));
  const reportFile = join(dir, 'report.json');
  const vitest = resolve(__dirname, '..', 'node_modules', '.bin', 'vitest');
  const args = ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...extra];
  return new Promise((done) => {
    const child = spawn(vitest, args, { stdio: 'inherit' });
    child.on('error', (err) => {
      rmSync(dir, { recursive: true, force: true });
      done({ crashed: `could not start vitest: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      const report = readReport(reportFile);
      rmSync(dir, { recursive: true, force: true });
      if (!report) return done({ crashed: `vitest produced no report (exit ${code ?? signal}): it crashed before finishing.` });
      done({ report, code });
    });
  });
}

function count(report: JsonReport): { passed: number; failed: number; skipped: number } {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of report.testResults) {
    let failedHere = 0;
    for (const test of file.assertionResults) {
      if (test.status === 'passed') passed++;
      else if (test.status === 'failed') failedHere++;
      else skipped++;
    }
    // A file that failed outside any test (import error, failing beforeAll/afterAll, a leak
    // check) counts as one failure, so the line never says 0 failed for a red run.
    if (file.status === 'failed' && failedHere === 0) {
      console.log(`failed outside a test: ${file.name}${file.message ? `: ${file.message}` : ''}`);
      failedHere = 1;
    }
    failed += failedHere;
  }
  return { passed, failed, skipped };
}

main();
