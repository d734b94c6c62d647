/**
 * Role expansion: `assume:<roleId>` grants the role's scopes, recursively, to a fixpoint.
 *
 * Semantics follow Taskcluster's auth service (services/auth/src/trie.js and its test tables in
 * services/auth/test/trietestcases.js and scoperesolver_test.js). Writing a role's pattern as
 * `assume:<roleId>`, a held scope s grants a role when:
 *   - plain role `assume:R`: s === `assume:R`, or s = `X*` and `assume:R` starts with X;
 *   - star role `assume:P*`: s starts with P (s may itself end in `*`), with parameter
 *     s.slice(P.length); or s = `X*` with P longer than X and starting with X, with parameter `*`
 *     (a held star scope shorter than the role's prefix: `assume:a*` against role `abc*`).
 * Inside a star role, the first `<..>` of a scope is replaced by the parameter. When the parameter
 * ends in `*` (the held scope was a star scope), everything after `<..>` is cut, so the result ends
 * with that `*`: role `a*` → `A<..>X` gives `AbcX` for `assume:abc` but `Abc*` for `assume:abc*`,
 * and role `abc*` → `ABC<..>DEF` gives `ABC*` for `assume:a*` (trie.js `withParam`, PARAM_TO_END).
 * In plain roles `<..>` is literal. Held scopes `*`, `a*` … `assume*` grant every role.
 *
 * Speed (10,000 roles): the constructor builds sorted arrays of role patterns, so matching one
 * scope is a few binary searches instead of a scan. Each role's own step (its scopes, plus the
 * scopes its parameterized matches derive, plus the roles all of those grant) is memoized on
 * first use; an expansion is then a walk over roles reusing those steps, and whole results are
 * kept in a bounded LRU keyed by the input's `assume`-relevant scopes. Figures: bench/auth.
 */
import { mergeScopeSets, normalizeScopes, satisfies, scopeMatch, validateScope } from './scopes';

export interface RoleDefinition {
  roleId: string;
  scopes: readonly string[];
}

export interface RoleResolverOptions {
  /** Whole expansions kept in the LRU; 0 disables it (benchmarks). Default 10,000. */
  cacheSize?: number;
}

const ASSUME = 'assume:';
const PARAMETER = '<..>';
const DEFAULT_CACHE_SIZE = 10_000;

// Termination guards. Cycles among plain scopes always reach a fixpoint, but a parameterized
// cycle (role `a*` holding `assume:ab<..>`) grows a new, longer scope on every round. Accepted
// data cannot contain one (findRoleCycle and validateRoleDefinition refuse them), so these only
// bound what bad data can cost; scopes they cut are never granted, so they cannot escalate.
// The scope budget of one derivation grows with the data, so a legitimate fan-out over every
// parameterized role (`assume:repo:*` with thousands of repository roles) always fits.
const MAX_PARAMETERIZED_SCOPE_LENGTH = 1024;
const BASE_DERIVATION_BUDGET = 20_000;

/** A star role's scope holding `<..>`, split around the first `<..>`. */
interface ParameterizedScope {
  before: string;
  after: string;
}

interface IndexedRole {
  roleId: string;
  /** `assume:<roleId>`, without the trailing `*` for star roles. */
  pattern: string;
  isStar: boolean;
  plainScopes: readonly string[];
  parameterizedScopes: readonly ParameterizedScope[];
  /** Memoized derivation from plainScopes; valid for the life of the resolver. */
  step?: Derivation;
  /** Memoized derivation from `assume:<roleId>` (grantingRoles only). */
  entry?: Derivation;
}

/** Scopes granted directly, and the roles whose own scopes are granted too. */
interface Derivation {
  readonly scopes: readonly string[];
  readonly roles: readonly IndexedRole[];
}

/** Receives the roles a scope grants directly (an object, not a callback: see RoleIndex). */
interface MatchSink {
  matched(role: IndexedRole, parameter: string): void;
}

/** A sink collecting matched roles' positions, for the (cold) graph builders. */
function positionCollector(index: RoleIndex, into: Set<number>): MatchSink {
  return { matched: role => into.add(index.position.get(role)!) };
}

export class RoleResolver {
  private readonly index: RoleIndex;
  private readonly cache: LruCache<readonly string[]>;
  private grantedByCache?: number[][];

  constructor(roles: readonly RoleDefinition[], options: RoleResolverOptions = {}) {
    this.index = new RoleIndex(roles);
    this.cache = new LruCache(options.cacheSize ?? DEFAULT_CACHE_SIZE);
  }

  /** The normalized scope set `scopes` expand to, including `scopes` themselves. */
  expand(scopes: readonly string[]): string[] {
    const normalized = normalizeScopes(scopes);
    const granting = normalized.filter(isAssumeRelevant);
    if (granting.length === 0) return normalized;
    const key = granting.join('\n');
    let granted = this.cache.get(key);
    if (granted === undefined) {
      granted = this.expandGranting(granting);
      this.cache.set(key, granted);
    }
    return mergeScopeSets(normalized, granted);
  }

  /**
   * Ids of roles R, sorted, for which expand([`assume:R`]) satisfies `scope` (star roles
   * included, reported by their own id); at most `limit` of them.
   *
   * Walks the exact step graph backwards (role → roles its step grants, substitutions
   * included) from the roles whose steps hold a matching scope, then confirms each candidate
   * with a real expansion (only `a**`-style scopes, which normalize oddly, ever fail that).
   * The first call computes every role's step, a one-off cost per resolver (bench/auth).
   */
  grantingRoles(scope: string, limit = 20): string[] {
    const { roles, position } = this.index;
    const grantedBy = this.grantedBy();
    const reaches = new Uint8Array(roles.length);
    const pending: number[] = [];
    roles.forEach((role, i) => {
      if (this.stepOf(role).scopes.some(held => scopeMatch(held, scope))) {
        reaches[i] = 1;
        pending.push(i);
      }
    });
    for (let i = 0; i < pending.length; i++) {
      for (const granter of grantedBy[pending[i]]) {
        if (!reaches[granter]) {
          reaches[granter] = 1;
          pending.push(granter);
        }
      }
    }
    const candidates = roles.filter(role => {
      const entry = this.entryOf(role);
      return entry.scopes.some(held => scopeMatch(held, scope)) || entry.roles.some(next => reaches[position.get(next) ?? 0]);
    });
    candidates.sort((a, b) => (a.roleId < b.roleId ? -1 : 1));
    const result: string[] = [];
    for (const role of candidates) {
      if (result.length >= limit) break;
      // Through the LRU: these are the expansions a request as that role would compute anyway.
      if (satisfies(this.expand([`${ASSUME}${role.roleId}`]), [scope])) result.push(role.roleId);
    }
    return result;
  }

  /** Closure of scopes that all grant roles; the result includes them. */
  private expandGranting(granting: readonly string[]): string[] {
    // `*` covers any expansion; skip the walk over every role it would otherwise do.
    if (granting.includes('*')) return ['*'];
    const first = derive(this.index, granting);
    const collected = first.scopes.slice();
    const visited = new Set(first.roles);
    const queue = first.roles.slice();
    for (let i = 0; i < queue.length; i++) {
      const step = this.stepOf(queue[i]);
      for (const scope of step.scopes) collected.push(scope);
      for (const role of step.roles) {
        if (!visited.has(role)) {
          visited.add(role);
          queue.push(role);
        }
      }
    }
    return normalizeScopes(collected);
  }

  private stepOf(role: IndexedRole): Derivation {
    role.step ??= derive(this.index, role.plainScopes);
    return role.step;
  }

  /** What holding `assume:<roleId>` derives before any role step: the role itself and more. */
  private entryOf(role: IndexedRole): Derivation {
    role.entry ??= derive(this.index, [`${ASSUME}${role.roleId}`]);
    return role.entry;
  }

  /** grantedBy[i]: positions of the roles whose step grants role i. */
  private grantedBy(): number[][] {
    if (this.grantedByCache) return this.grantedByCache;
    const { roles, position } = this.index;
    const grantedBy: number[][] = roles.map(() => []);
    roles.forEach((role, i) => {
      for (const next of this.stepOf(role).roles) grantedBy[position.get(next) ?? 0].push(i);
    });
    this.grantedByCache = grantedBy;
    return grantedBy;
  }
}

/**
 * Finds a dependency cycle among roles, or null. Edge A→B (A≠B) when one of A's own scopes
 * grants role B, reading `<..>` as `*` (the widest parameter). A role granting itself (e.g.
 * holding `*`) is not reported here; see validateRoleDefinition for parameterized self-grants.
 * Returns one cycle as [A, B, …, A]. Iterative Tarjan, O(roles + edges), edges found through
 * the same index as expansion.
 */
export function findRoleCycle(roles: readonly RoleDefinition[]): string[] | null {
  const index = new RoleIndex(roles);
  const nodes = index.roles;
  const successors = nodes.map((role, i) => {
    const targets = new Set<number>();
    const sink = positionCollector(index, targets);
    for (const scope of conservativeScopes(role)) index.forEachMatch(scope, sink);
    targets.delete(i);
    return [...targets];
  });
  const component = firstNonTrivialComponent(successors);
  if (component === null) return null;
  return shortestCycleThrough(component, successors).map(i => nodes[i].roleId);
}

/**
 * Why a role definition is not acceptable, or null. Scopes must be valid; in a star role a scope
 * may hold at most one `<..>` and may not end in `*<..>` (whether that `*` is a wildcard would
 * depend on the parameter), as Taskcluster's trie.js refuses; and a parameterized scope may not
 * grant its own role again, because each round would derive a new scope and expansion would
 * never end (Taskcluster refuses those as dependency cycles, e.g. `a*` holding `assume:ab<..>`).
 */
export function validateRoleDefinition(role: RoleDefinition): string | null {
  const idError = validateScope(`${ASSUME}${role.roleId}`);
  if (idError !== null) return `roleId ${JSON.stringify(role.roleId)} is invalid: ${idError}`;
  for (const scope of role.scopes) {
    const error = validateScope(scope);
    if (error !== null) return error;
  }
  if (!role.roleId.endsWith('*')) return null;
  const prefix = `${ASSUME}${role.roleId.slice(0, -1)}`;
  for (const scope of role.scopes) {
    const at = scope.indexOf(PARAMETER);
    if (at < 0) continue;
    if (scope.indexOf(PARAMETER, at + 1) >= 0) {
      return `parameterized scope ${JSON.stringify(scope)} contains more than one '<..>'`;
    }
    if (scope.endsWith(`*${PARAMETER}`)) {
      return `parameterized scope ${JSON.stringify(scope)} ends with '*<..>', so whether its '*' is a wildcard would depend on the parameter`;
    }
    const reach = conservativeScope(scope.slice(0, at)).slice(0, -1);
    if (reach.startsWith(prefix) || prefix.startsWith(reach)) {
      return `parameterized scope ${JSON.stringify(scope)} can grant role ${JSON.stringify(role.roleId)} again, so its expansion would never end`;
    }
  }
  return null;
}

/**
 * Sorted arrays over role patterns. Matching a scope costs a few binary searches plus the
 * matches themselves; building is one sort per array. The match loop allocates nothing and
 * calls no closures: it runs once per granting scope of every expansion, and per-call arrow
 * functions showed up as a tenth of cold expansion time in a CPU profile.
 */
class RoleIndex {
  readonly roles: IndexedRole[];
  readonly position: Map<IndexedRole, number>;
  private readonly plainByPattern = new Map<string, IndexedRole>();
  /** Plain roles sorted by pattern, and their patterns (parallel arrays). */
  private readonly plainRoles: IndexedRole[];
  private readonly plainPatterns: string[];
  /** Star roles sorted by pattern (the prefix before `*`), and those prefixes. */
  private readonly starRoles: IndexedRole[];
  private readonly starPrefixes: string[];
  /** Most scopes one derivation may process; see BASE_DERIVATION_BUDGET. */
  readonly derivationBudget: number;

  constructor(definitions: readonly RoleDefinition[]) {
    // A role id is unique in storage; if a caller repeats one anyway, its scopes add up.
    const scopesById = new Map<string, string[]>();
    for (const { roleId, scopes } of definitions) {
      const known = scopesById.get(roleId);
      if (known) known.push(...scopes);
      else scopesById.set(roleId, [...scopes]);
    }
    this.roles = [...scopesById].map(([roleId, scopes]) => indexRole(roleId, scopes));
    this.position = new Map(this.roles.map((role, i) => [role, i]));
    const byPattern = (a: IndexedRole, b: IndexedRole) => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0);
    this.plainRoles = this.roles.filter(role => !role.isStar).sort(byPattern);
    this.plainPatterns = this.plainRoles.map(role => role.pattern);
    this.starRoles = this.roles.filter(role => role.isStar).sort(byPattern);
    this.starPrefixes = this.starRoles.map(role => role.pattern);
    for (const role of this.plainRoles) this.plainByPattern.set(role.pattern, role);
    const parameterized = this.starRoles.reduce((sum, role) => sum + role.parameterizedScopes.length, 0);
    this.derivationBudget = BASE_DERIVATION_BUDGET + 4 * parameterized;
  }

  /** Tells `sink` about every role that `scope` grants directly, with the parameter it binds. */
  forEachMatch(scope: string, sink: MatchSink): void {
    const isStarScope = scope.endsWith('*');
    const body = isStarScope ? scope.slice(0, -1) : scope;
    if (isStarScope) {
      const patterns = this.plainPatterns;
      for (let i = lowerBound(patterns, body); i < patterns.length && patterns[i].startsWith(body); i++) {
        sink.matched(this.plainRoles[i], '');
      }
    } else {
      const role = this.plainByPattern.get(scope);
      if (role) sink.matched(role, '');
    }
    this.forEachStarPrefixOf(scope, body, sink);
    if (isStarScope) {
      const prefixes = this.starPrefixes;
      for (let i = lowerBound(prefixes, body); i < prefixes.length && prefixes[i].startsWith(body); i++) {
        if (prefixes[i].length > body.length) sink.matched(this.starRoles[i], '*');
      }
    }
  }

  /**
   * Star roles whose prefix is a prefix of `body`, bound to the rest of `scope`. Any such prefix
   * sorts between itself and `body`, so it is also a prefix of the last prefix <= the query;
   * each round either reports that one or cuts the query to its common prefix with it.
   * Usually one or two binary searches.
   */
  private forEachStarPrefixOf(scope: string, body: string, sink: MatchSink): void {
    const prefixes = this.starPrefixes;
    let query = body;
    for (;;) {
      let at = lowerBound(prefixes, query);
      if (at === prefixes.length || prefixes[at] !== query) at--;
      if (at < 0) return;
      const candidate = prefixes[at];
      if (query.startsWith(candidate)) {
        sink.matched(this.starRoles[at], scope.slice(candidate.length));
        if (candidate.length === 0) return;
        query = candidate.slice(0, -1);
      } else {
        query = query.slice(0, commonPrefixLength(candidate, query));
      }
    }
  }
}

function indexRole(roleId: string, scopes: readonly string[]): IndexedRole {
  const isStar = roleId.endsWith('*');
  const pattern = `${ASSUME}${isStar ? roleId.slice(0, -1) : roleId}`;
  const plainScopes: string[] = [];
  const parameterizedScopes: ParameterizedScope[] = [];
  for (const scope of scopes) {
    const at = isStar ? scope.indexOf(PARAMETER) : -1;
    if (at < 0) plainScopes.push(scope);
    else parameterizedScopes.push({ before: scope.slice(0, at), after: scope.slice(at + PARAMETER.length) });
  }
  return { roleId, pattern, isStar, plainScopes, parameterizedScopes };
}

/**
 * Worklist from `seeds` to the scopes they derive through parameterized roles, and the roles
 * they grant. Only `assume`-relevant scopes are processed; one covered by a star scope already
 * processed is skipped, since a star scope grants at least as much (the parameter it binds is a
 * star that covers the narrower one).
 */
function derive(index: RoleIndex, seeds: readonly string[]): Derivation {
  // Most roles are leaves: nothing to match, nothing to allocate.
  if (!seeds.some(isAssumeRelevant)) return { scopes: seeds, roles: [] };
  return new DerivationBuilder(index).run(seeds);
}

class DerivationBuilder implements MatchSink {
  private readonly scopes: string[] = [];
  private readonly roles: IndexedRole[] = [];
  private readonly rolesSeen = new Set<IndexedRole>();
  private readonly queued = new Set<string>();
  private readonly pending: string[] = [];
  private readonly processedStars = new PrefixSet();

  constructor(private readonly index: RoleIndex) {}

  run(seeds: readonly string[]): Derivation {
    for (const seed of seeds) this.offer(seed);
    const { pending } = this;
    for (let i = 0; i < pending.length && i < this.index.derivationBudget; i++) {
      const scope = pending[i];
      if (this.processedStars.hasPrefixOf(scope)) continue;
      if (scope.endsWith('*')) this.processedStars.add(scope.slice(0, -1));
      this.index.forEachMatch(scope, this);
    }
    return { scopes: this.scopes, roles: this.roles };
  }

  matched(role: IndexedRole, parameter: string): void {
    if (!this.rolesSeen.has(role)) {
      this.rolesSeen.add(role);
      this.roles.push(role);
    }
    for (const parameterized of role.parameterizedScopes) {
      const scope = substitute(parameterized, parameter);
      if (scope.length <= MAX_PARAMETERIZED_SCOPE_LENGTH) this.offer(scope);
    }
  }

  private offer(scope: string): void {
    this.scopes.push(scope);
    if (isAssumeRelevant(scope) && !this.queued.has(scope)) {
      this.queued.add(scope);
      this.pending.push(scope);
    }
  }
}

/** Taskcluster trie.js `withParam`: a star parameter replaces `<..>` and all that follows. */
function substitute({ before, after }: ParameterizedScope, parameter: string): string {
  return parameter.endsWith('*') ? before + parameter : before + parameter + after;
}

/** Scopes that can grant a role: `assume:…`, or a star scope whose prefix starts `assume:`. */
function isAssumeRelevant(scope: string): boolean {
  return scope.startsWith(ASSUME) || (scope.endsWith('*') && ASSUME.startsWith(scope.slice(0, -1)));
}

/**
 * A role's scopes with every `<..>` read as the widest parameter: the part before it, trailing
 * stars dropped, plus `*`. Any substitution starts with that prefix, so the star form covers it
 * and grants at least the same roles.
 */
function conservativeScopes(role: IndexedRole): string[] {
  return [...role.plainScopes, ...role.parameterizedScopes.map(({ before }) => conservativeScope(before))];
}

function conservativeScope(beforeParameter: string): string {
  return `${beforeParameter.replace(/\*+$/, '')}*`;
}

/** Sorted-array lower bound: first index whose element is >= value. */
function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Set of strings answering "is one of you a prefix of s?" in one lookup per distinct length. */
class PrefixSet {
  private readonly items = new Set<string>();
  private readonly lengths: number[] = [];

  add(prefix: string): void {
    if (this.items.has(prefix)) return;
    this.items.add(prefix);
    if (!this.lengths.includes(prefix.length)) this.lengths.push(prefix.length);
  }

  hasPrefixOf(text: string): boolean {
    if (this.lengths.length === 0) return false;
    for (const length of this.lengths) {
      if (length <= text.length && this.items.has(text.slice(0, length))) return true;
    }
    return false;
  }
}

/** Map-backed LRU: a hit moves the entry to the back; inserting past capacity drops the front. */
class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (this.capacity <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** Iterative Tarjan; returns the members of the first strongly connected component with >1 node. */
function firstNonTrivialComponent(successors: readonly number[][]): number[] | null {
  const n = successors.length;
  const order = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const frames: number[] = []; // node, next edge position, pushed in pairs
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (order[root] >= 0) continue;
    frames.push(root, 0);
    while (frames.length > 0) {
      const node = frames[frames.length - 2];
      const edge = frames[frames.length - 1];
      if (edge === 0 && order[node] < 0) {
        order[node] = low[node] = counter++;
        stack.push(node);
        onStack[node] = 1;
      }
      if (edge < successors[node].length) {
        frames[frames.length - 1] = edge + 1;
        const next = successors[node][edge];
        if (order[next] < 0) frames.push(next, 0);
        else if (onStack[next]) low[node] = Math.min(low[node], order[next]);
        continue;
      }
      frames.length -= 2;
      if (frames.length > 0) {
        const parent = frames[frames.length - 2];
        low[parent] = Math.min(low[parent], low[node]);
      }
      if (low[node] === order[node]) {
        const members: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          members.push(member);
        } while (member !== node);
        if (members.length > 1) return members;
      }
    }
  }
  return null;
}

/** Breadth-first search inside one component for the shortest cycle through its first member. */
function shortestCycleThrough(members: readonly number[], successors: readonly number[][]): number[] {
  const inComponent = new Set(members);
  const start = members.reduce((a, b) => Math.min(a, b));
  const parent = new Map<number, number>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const next of successors[node]) {
      if (!inComponent.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = node; at !== start; at = parent.get(at)!) path.push(at);
        path.push(start);
        return path.reverse();
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start, start]; // unreachable: every member of a component lies on a cycle through start
}
