// Every code sample in the docs (portal/content/*.mdx) runs against a live gateway with a real
// worker, page by page in reading order, so the docs cannot drift from the API. A fenced block is
// either a sample (```graphql sample, ```sh sample, ```js sample, with ```json variables after a
// GraphQL sample) or says why it is not run (norun="…"); see portal/lib/samples.ts. No browser
// needed: this suite always runs.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOC_PAGES } from '../../portal/lib/docs-index';
import { extractBlocks, substitute, type CodeBlock, type Substitutions } from '../../portal/lib/samples';
import { expectNoOpenSockets } from '../gateway/leaks';
import { databaseKinds } from '../support/databases';
import { ROOT_TOKEN, startTestGateway, type TestGateway } from '../support/gateway';
import { gql, wsClient } from '../support/graphql';
import { killWorkers, makeWorkerClient, spawnWorker, tempArtifactsUrl, type WorkerProcess } from '../workers/worker-process';

const REPO = path.resolve(__dirname, '..', '..');
const CONTENT = path.join(REPO, 'portal', 'content');
/** The queue the docs' tasks use; the test runs a real worker on it, as `npm start` does. */
const DOCS_POOL = 'local/default';
const SAMPLE_TIMEOUT_MS = 90_000;
const RUNNABLE = new Set(['graphql', 'sh', 'js']);
const HAS_CURL = fs.existsSync('/usr/bin/curl') || fs.existsSync('/bin/curl') || fs.existsSync('/usr/local/bin/curl');

interface Sample {
  block: CodeBlock;
  variables?: CodeBlock;
  title: string;
}

function samplesOf(slug: string): { blocks: CodeBlock[]; samples: Sample[] } {
  const blocks = extractBlocks(fs.readFileSync(path.join(CONTENT, `${slug}.mdx`), 'utf8'));
  const samples: Sample[] = [];
  blocks.forEach((block, i) => {
    if (!block.meta.sample) return;
    const next = blocks[i + 1];
    const variables = block.language === 'graphql' && next?.meta.variables ? next : undefined;
    const first = block.text.split('\n').find((line) => line.trim() && !line.trim().startsWith('#') && !line.trim().startsWith('//')) ?? '';
    samples.push({ block, variables, title: `${block.language} sample at line ${block.line}: ${first.trim().slice(0, 60)}` });
  });
  return { blocks, samples };
}

describe.each(databaseKinds)('the docs’ code samples on %s', (kind) => {
  let t: TestGateway;
  let worker: WorkerProcess;
  let rootFields: Record<'query' | 'mutation' | 'subscription', Set<string>>;
  const artifacts = tempArtifactsUrl();

  beforeAll(async () => {
    t = await startTestGateway(kind, { env: { ARTIFACTS_URL: artifacts.url } });
    worker = spawnWorker(t, { pool: DOCS_POOL, client: await makeWorkerClient(t, DOCS_POOL) });
    const schema = await t.ok(`{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }`);
    const names = (type: { fields: { name: string }[] } | null) => new Set((type?.fields ?? []).map((f) => f.name));
    rootFields = { query: names(schema.__schema.queryType), mutation: names(schema.__schema.mutationType), subscription: names(schema.__schema.subscriptionType) };
  });
  afterAll(async () => {
    await killWorkers();
    await t?.close();
    artifacts.remove();
    await expectNoOpenSockets();
  });

  for (const page of DOC_PAGES) {
    describe(`${page.title} (content/${page.slug}.mdx)`, () => {
      const { blocks, samples } = samplesOf(page.slug);
      // One set of placeholder values per page, as a reader's browser has.
      let subs: Substitutions;
      beforeAll(() => {
        subs = { slugs: new Map(), now: Date.now(), random: (bytes) => crypto.getRandomValues(bytes) };
      });

      it('marks every code block as a runnable sample, the variables of one, or says why it is not run', () => {
        const unmarked = blocks.filter((b) => !b.meta.sample && !b.meta.variables && !b.meta.norun).map((b) => `line ${b.line} (${b.language || 'no language'})`);
        expect(unmarked, 'code blocks without sample, variables or norun="why"').toEqual([]);
        const unknown = blocks.filter((b) => b.meta.sample && !RUNNABLE.has(b.language)).map((b) => `line ${b.line}: ${b.language}`);
        expect(unknown, 'samples in a language the test cannot run').toEqual([]);
        expect(samples.length, 'every page shows at least one runnable sample').toBeGreaterThan(0);
      });

      for (const sample of samples) {
        it(
          sample.title,
          async (ctx) => {
            const { block } = sample;
            if (block.language === 'graphql') {
              const query = substitute(block.text, subs);
              const missing = missingRootFields(query, rootFields);
              if (missing.length) return ctx.skip(`not on this gateway yet: ${missing.join(', ')}`);
              const variables = sample.variables ? JSON.parse(substitute(sample.variables.text, subs)) : undefined;
              await runGraphql(t, query, variables, block);
            } else if (block.language === 'sh') {
              if (!HAS_CURL) return ctx.skip('curl is not installed on this machine');
              await runScript(t, 'bash', ['-euo', 'pipefail', '-c', substitute(block.text, subs)], undefined, block);
            } else {
              await runScript(t, process.execPath, ['--input-type=module'], substitute(block.text, subs), block);
            }
          },
          SAMPLE_TIMEOUT_MS,
        );
      }
    });
  }

  function workerHint(): string {
    return `\nworker output (last lines):\n${worker.output().slice(-3000)}`;
  }

  async function runGraphql(t: TestGateway, query: string, variables: Record<string, unknown> | undefined, block: CodeBlock): Promise<void> {
    const auth = block.meta.as === 'anonymous' ? undefined : t.root;
    const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = operation?.operation === 'subscription' ? await subscribeOnce(t, query, variables, auth, block.meta.events) : await gql(t.url, query, variables, auth);
      const text = JSON.stringify(answer);
      if (block.meta.expect) {
        expect(answer.errors?.[0]?.extensions?.code, `expected ${block.meta.expect}: ${text}`).toBe(block.meta.expect);
      } else {
        expect(answer.errors, `the sample failed: ${text}`).toBeUndefined();
      }
      if (!block.meta.until || text.includes(block.meta.until)) {
        if (block.meta.output) expect(text, 'the answer').toContain(block.meta.output);
        return;
      }
      if (Date.now() > deadline) throw new Error(`the answer never contained ${block.meta.until}; last: ${text}${workerHint()}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  /** Runs a subscription until it completes (or `events` arrive), as the docs' reader would see it. */
  async function subscribeOnce(t: TestGateway, query: string, variables: Record<string, unknown> | undefined, auth: string | undefined, events?: number) {
    const client = wsClient(t.url, auth);
    const seen: any[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the subscription gave ${seen.length} events in 60 s: ${JSON.stringify(seen)}${workerHint()}`)), 60_000);
        const stop = client.subscribe(
          { query, variables },
          {
            next: (value) => {
              seen.push(value);
              if (value.errors || (events && seen.length >= events)) {
                clearTimeout(timer);
                stop();
                resolve();
              }
            },
            error: (error) => {
              clearTimeout(timer);
              reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
            },
            complete: () => {
              clearTimeout(timer);
              resolve();
            },
          },
        );
      });
    } finally {
      await client.dispose();
    }
    const errors = seen.flatMap((value) => value.errors ?? []);
    return { events: seen, ...(errors.length ? { errors } : {}) };
  }

  async function runScript(t: TestGateway, command: string, args: string[], stdin: string | undefined, block: CodeBlock): Promise<void> {
    const origin = new URL(t.url).origin;
    const run = () =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(command, args, {
          cwd: REPO,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            TASKGATE: origin,
            TASKGATE_CLIENT_ID: 'root',
            TASKGATE_ACCESS_TOKEN: ROOT_TOKEN,
          },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk) => (output += chunk));
        child.stderr.on('data', (chunk) => (output += chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, output });
        });
        child.stdin.end(stdin ?? '');
      });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { code, output } = await run();
      const done = !block.meta.until || output.includes(block.meta.until);
      if (code === 0 && done) {
        if (block.meta.output) expect(output, 'the output').toContain(block.meta.output);
        return;
      }
      if (Date.now() > deadline || (code !== 0 && !block.meta.until)) {
        throw new Error(`the sample exited ${code}${block.meta.until ? ` (waiting for ${block.meta.until})` : ''}:\n${output}${workerHint()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
});

/** Root fields an operation uses that this gateway's schema lacks (secrets, hooks, … not built yet). */
function missingRootFields(query: string, fields: Record<'query' | 'mutation' | 'subscription', Set<string>>): string[] {
  const missing: string[] = [];
  for (const definition of parse(query).definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind === Kind.FIELD && !selection.name.value.startsWith('__') && !fields[definition.operation].has(selection.name.value)) {
        missing.push(`${definition.operation} ${selection.name.value}`);
      }
    }
  }
  return missing;
}
