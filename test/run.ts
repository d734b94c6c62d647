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

  const dir = mkdtempSync(join(tmpdir(), 'taskgate-test-'));
  const reportFile = join(dir, 'report.json');
  const vitest = resolve(__dirname, '..', 'node_modules', '.bin', 'vitest');
  const args = [
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${reportFile}`,
    ...process.argv.slice(2),
  ];
  const child = spawn(vitest, args, { stdio: 'inherit' });

  // Ctrl-C reaches vitest too (same process group); stay alive to let it clean up and to
  // print the summary line.
  const ignore = (): void => {};
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);

  child.on('error', (err) => {
    console.log(`could not start vitest: ${err.message}`);
    rmSync(dir, { recursive: true, force: true });
    console.log(summary(0, 1, 0));
    process.exit(1);
  });
  child.on('close', (code, signal) => {
    const report = readReport(reportFile);
    rmSync(dir, { recursive: true, force: true });
    const vitestOk = code === 0;

    if (!report) {
      console.log(`vitest produced no report (exit ${code ?? signal}): it crashed before finishing.`);
      console.log(summary(0, 1, 0));
      process.exit(1);
    }
    if (report.testResults.length === 0) {
      console.log('No test files found: refusing to pass on nothing (check the file filter).');
      console.log(summary(0, 0, 0));
      process.exit(1);
    }

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
    if (!vitestOk && failed === 0) {
      console.log(`vitest exited with ${code ?? signal} although every test passed (unhandled error? see above).`);
      failed = 1;
    }

    console.log(summary(passed, failed, skipped));
    process.exit(failed === 0 && vitestOk ? 0 : 1);
  });
}

main();
