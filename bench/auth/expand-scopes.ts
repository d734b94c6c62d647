/**
 * expandScopes over 10,000 roles: resolver build time, cold and warm expansion latency.
 * Run: npx tsx bench/auth/expand-scopes.ts
 *
 * The role set imitates a Taskcluster deployment: per-repository star roles with `<..>`
 * parameters, pull-request roles, project roles, a parameterized `project-admin:*`, hook roles,
 * worker pools, teams that fan out with `assume:…*` (a few administrator teams over every
 * repository), and thousands of user identities that assume teams (four to five levels deep).
 */
import { RoleResolver, findRoleCycle, type RoleDefinition } from '../../entities/auth/role-resolver';
import { seededRandom } from '../../test/support/random';

const ORGS = 50;
const REPOS_PER_ORG = 20;
const POOLS_PER_ORG = 10;
const TEAMS = 200;
const TOTAL_ROLES = 10_000;
const INPUTS = 500;
const FRESH_RESOLVER_SAMPLES = 200;
const WARM_CALLS = 20_000;

export function generateRoles(random = seededRandom(2024)): RoleDefinition[] {
  const int = (n: number) => Math.floor(random() * n);
  const roles: RoleDefinition[] = [{ roleId: 'base:ci', scopes: ['queue:get-artifact:public/*', 'index:find-task:*', 'purge-cache:*'] }];
  roles.push({
    roleId: 'project-admin:*',
    scopes: ['assume:project:<..>', 'auth:create-client:project/<..>/*', 'secrets:*:project/<..>/*', 'hooks:modify-hook:project-<..>/*'],
  });
  for (let org = 0; org < ORGS; org++) {
    roles.push({
      roleId: `project:org${org}`,
      scopes: [`assume:project:org${org}:pr`, `assume:worker-pool:proj-org${org}/*`, `secrets:get:project/org${org}/*`, `index:insert-task:project.org${org}.*`],
    });
    roles.push({ roleId: `project:org${org}:pr`, scopes: ['assume:base:ci', `queue:create-task:low:proj-org${org}/*`] });
    roles.push({
      roleId: `hook-id:project-org${org}/*`,
      scopes: [`assume:project:org${org}`, `queue:create-task:highest:proj-org${org}/hook-<..>`, `queue:route:notify.hook.<..>.*`],
    });
    for (let pool = 0; pool < POOLS_PER_ORG; pool++) {
      roles.push({
        roleId: `worker-pool:proj-org${org}/pool${pool}`,
        scopes: [`queue:claim-work:proj-org${org}/pool${pool}`, `queue:worker-id:proj-org${org}/*`, 'assume:base:ci'],
      });
    }
    for (let repo = 0; repo < REPOS_PER_ORG; repo++) {
      const name = `github.com/org${org}/repo${repo}`;
      roles.push({
        roleId: `repo:${name}:branch:*`,
        scopes: [`assume:project:org${org}`, `secrets:get:project/org${org}/repo${repo}/<..>/*`, `queue:route:index.org${org}.repo${repo}.<..>.*`],
      });
      roles.push({ roleId: `repo:${name}:pull-request`, scopes: [`assume:project:org${org}:pr`, `queue:route:checks.org${org}.repo${repo}`] });
    }
  }
  for (let team = 0; team < TEAMS; team++) {
    const org = team % ORGS;
    const scopes = [`assume:repo:github.com/org${org}/*`, `assume:project-admin:org${org}`, `notify:email:team${team}@example.com`];
    if (team % 10 === 0) scopes.push(`assume:hook-id:project-org${(org + 1) % ORGS}/*`);
    // A few administrator teams reach every repository: expansions of thousands of scopes.
    if (team % 40 === 0) scopes.push('assume:repo:github.com/*', 'assume:project-admin:*');
    roles.push({ roleId: `mozilla-group:team${team}`, scopes });
  }
  for (let user = 0; roles.length < TOTAL_ROLES; user++) {
    const scopes = [`assume:mozilla-group:team${int(TEAMS)}`, `secrets:get:user/user${user}/*`, `auth:create-client:user/user${user}/*`];
    if (random() < 0.3) scopes.push(`assume:mozilla-group:team${int(TEAMS)}`);
    if (random() < 0.1) scopes.push(`assume:repo:github.com/org${int(ORGS)}/repo${int(REPOS_PER_ORG)}:pull-request`);
    roles.push({ roleId: `login-identity:github/user${user}`, scopes });
  }
  return roles;
}

/** Distinct scope sets such as clients and tasks present for expansion. */
export function generateInputs(random = seededRandom(7)): string[][] {
  const int = (n: number) => Math.floor(random() * n);
  const inputs = new Map<string, string[]>();
  const branches = ['main', 'master', 'release', 'dev', 'feature/x', 'gh-pages'];
  while (inputs.size < INPUTS) {
    const kind = random();
    let scopes: string[];
    if (kind < 0.4) scopes = [`assume:login-identity:github/user${int(TOTAL_ROLES / 2)}`];
    else if (kind < 0.7) scopes = [`assume:repo:github.com/org${int(ORGS)}/repo${int(REPOS_PER_ORG)}:branch:${branches[int(branches.length)]}${int(50)}`];
    else if (kind < 0.8) scopes = [`assume:repo:github.com/org${int(ORGS)}/repo${int(REPOS_PER_ORG)}:pull-request`, 'queue:get-artifact:private/*'];
    else if (kind < 0.9) scopes = [`assume:hook-id:project-org${int(ORGS)}/nightly-${int(100)}`];
    else if (kind < 0.95) scopes = [`assume:project-admin:org${int(ORGS)}`, `assume:mozilla-group:team${int(TEAMS)}`];
    else scopes = [`assume:worker-pool:proj-org${int(ORGS)}/*`, 'queue:worker-id:x/*'];
    inputs.set(scopes.join('\n'), scopes);
  }
  return [...inputs.values()];
}

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

function time<T>(work: () => T): [number, T] {
  const started = performance.now();
  const result = work();
  return [performance.now() - started, result];
}

const ms = (value: number) => (value < 1 ? `${(value * 1000).toFixed(0)} µs` : `${value.toFixed(2)} ms`);

export function main(): void {
  const roles = generateRoles();
  const inputs = generateInputs();

  // "Cold" means the resolver's caches, not the JIT: warm the code up once, as a running
  // gateway would be, so the first samples do not measure V8 compiling the resolver.
  for (let round = 0; round < 3; round++) {
    const warmup = new RoleResolver(roles, { cacheSize: 0 });
    for (const input of inputs) warmup.expand(input);
  }

  const builds = Array.from({ length: 5 }, () => time(() => new RoleResolver(roles))[0]);
  const build = stats(builds).p50;

  // Cold, fresh: a newly built resolver per sample, so neither the LRU nor the per-role steps help.
  const fresh = inputs.slice(0, FRESH_RESOLVER_SAMPLES).map(input => {
    const resolver = new RoleResolver(roles);
    return time(() => resolver.expand(input))[0];
  });

  // Cold, shared: one resolver with the LRU off; per-role steps fill up as inputs go by.
  const uncached = new RoleResolver(roles, { cacheSize: 0 });
  const missSamples = inputs.map(input => time(() => uncached.expand(input))[0]);

  // Warm: every input already expanded once, so each call is an LRU hit plus a merge.
  const cached = new RoleResolver(roles);
  const sizes = inputs.map(input => cached.expand(input).length);
  const random = seededRandom(99);
  const warmSamples = Array.from({ length: WARM_CALLS }, () => {
    const input = inputs[Math.floor(random() * inputs.length)];
    return time(() => cached.expand(input))[0];
  });

  const [everything] = time(() => new RoleResolver(roles).expand(['assume:*']));
  const [granting, grantingResult] = time(() => cached.grantingRoles('secrets:get:project/org3/repo4/main/token'));
  const [grantingAgain] = time(() => cached.grantingRoles('queue:claim-work:proj-org7/pool2'));
  const [cycleCheck, cycle] = time(() => findRoleCycle(roles));

  const cold = stats(fresh);
  const miss = stats(missSamples);
  const warm = stats(warmSamples);
  const size = stats(sizes);
  console.log(`roles: ${roles.length}, distinct inputs: ${inputs.length}, expansion size p50 ${size.p50} / p99 ${size.p99} / max ${size.max} scopes`);
  console.table({
    'build resolver (p50 of 5)': { p50: ms(build), p99: '', max: ms(Math.max(...builds)) },
    [`cold, fresh resolver (${fresh.length} inputs)`]: { p50: ms(cold.p50), p99: ms(cold.p99), max: ms(cold.max) },
    [`cold, LRU off, steps warming (${inputs.length})`]: { p50: ms(miss.p50), p99: ms(miss.p99), max: ms(miss.max) },
    [`warm, LRU hit (${WARM_CALLS} calls)`]: { p50: ms(warm.p50), p99: ms(warm.p99), max: ms(warm.max) },
    "expand(['assume:*']), fresh": { p50: ms(everything), p99: '', max: '' },
    [`grantingRoles, first call (${grantingResult.length} roles)`]: { p50: ms(granting), p99: '', max: '' },
    'grantingRoles, later call': { p50: ms(grantingAgain), p99: '', max: '' },
    [`findRoleCycle (${cycle === null ? 'no cycle' : 'cycle!'})`]: { p50: ms(cycleCheck), p99: '', max: '' },
  });
  console.log(
    `expandScopes over ${roles.length} roles: build ${ms(build)}, cold p50 ${ms(cold.p50)} p99 ${ms(cold.p99)}, warm p50 ${ms(warm.p50)} p99 ${ms(warm.p99)}`,
  );
}

if (require.main === module) main();
