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
const MAX_PARAMETERIZED_SCOPE_LENGTH = 1024;
const MAX_SCOPES_DERIVED_PER_STEP = 20_000;

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
}

/** Scopes granted directly, and the roles whose own scopes are granted too. */
interface Derivation {
  scopes: string[];
  roles: IndexedRole[];
}

type MatchVisitor = (role: IndexedRole, parameter: string) => void;

export class RoleResolver {
  private readonly index: RoleIndex;
  private readonly cache: LruCache<readonly string[]>;
  private reverseEdges?: IndexedRole[][];

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
   * included, reported by their own id). Candidates come from a reverse walk of a conservative
   * role graph; each is then confirmed by a real expansion, so the answer is exact.
   */
  grantingRoles(scope: string, limit = 20): string[] {
    const { roles, position } = this.index;
    const reverse = this.reverseGraph();
    const isCandidate = new Set<IndexedRole>();
    const pending: IndexedRole[] = [];
    for (const role of roles) {
      if (mayProduce(role, scope)) {
        isCandidate.add(role);
        pending.push(role);
      }
    }
    for (let i = 0; i < pending.length; i++) {
      for (const granter of reverse[position.get(pending[i]) ?? -1] ?? []) {
        if (!isCandidate.has(granter)) {
          isCandidate.add(granter);
          pending.push(granter);
        }
      }
    }
    const result: string[] = [];
    const candidates = [...isCandidate].sort((a, b) => (a.roleId < b.roleId ? -1 : 1));
    for (const role of candidates) {
      if (result.length >= limit) break;
      const expansion = this.expandGranting([`${ASSUME}${role.roleId}`]);
      if (satisfies(expansion, [scope])) result.push(role.roleId);
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

  /** reverse[i] lists the roles whose expansion can directly include role i (conservatively). */
  private reverseGraph(): IndexedRole[][] {
    if (this.reverseEdges) return this.reverseEdges;
    const { roles, position } = this.index;
    const reverse: IndexedRole[][] = roles.map(() => []);
    roles.forEach((role, i) => {
      const targets = new Set<number>();
      const collect: MatchVisitor = target => targets.add(position.get(target) ?? -1);
      // Assuming the role itself can also match other roles (`assume:repo:x` matches `repo:*`,
      // `assume:repo:*` matches every `repo:…` role).
      this.index.forEachMatch(`${ASSUME}${role.roleId}`, collect);
      for (const scope of conservativeScopes(role)) this.index.forEachMatch(scope, collect);
      for (const target of targets) if (target !== i && target >= 0) reverse[target].push(role);
    });
    this.reverseEdges = reverse;
    return reverse;
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
  const { roles: nodes, position } = index;
  const successors = nodes.map((role, i) => {
    const targets = new Set<number>();
    for (const scope of conservativeScopes(role)) {
      index.forEachMatch(scope, target => targets.add(position.get(target) ?? i));
    }
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
 * matches themselves; building is one sort per array.
 */
class RoleIndex {
  readonly roles: IndexedRole[];
  readonly position: Map<IndexedRole, number>;
  private readonly plainByPattern = new Map<string, IndexedRole>();
  private readonly starByPrefix = new Map<string, IndexedRole>();
  private readonly plainPatterns: string[];
  private readonly starPrefixes: string[];

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
    for (const role of this.roles) {
      if (role.isStar) this.starByPrefix.set(role.pattern, role);
      else this.plainByPattern.set(role.pattern, role);
    }
    this.plainPatterns = [...this.plainByPattern.keys()].sort();
    this.starPrefixes = [...this.starByPrefix.keys()].sort();
  }

  /** Calls `visit` once per role that `scope` grants directly, with the parameter it binds. */
  forEachMatch(scope: string, visit: MatchVisitor): void {
    const isStarScope = scope.endsWith('*');
    const body = isStarScope ? scope.slice(0, -1) : scope;
    if (isStarScope) {
      forEachWithPrefix(this.plainPatterns, body, pattern => visit(this.plainByPattern.get(pattern)!, ''));
    } else {
      const role = this.plainByPattern.get(scope);
      if (role) visit(role, '');
    }
    forEachPrefixOf(this.starPrefixes, body, prefix =>
      visit(this.starByPrefix.get(prefix)!, scope.slice(prefix.length)),
    );
    if (isStarScope) {
      forEachWithPrefix(this.starPrefixes, body, prefix => {
        if (prefix.length > body.length) visit(this.starByPrefix.get(prefix)!, '*');
      });
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
  const scopes: string[] = [];
  const roles: IndexedRole[] = [];
  const rolesSeen = new Set<IndexedRole>();
  const queued = new Set<string>();
  const pending: string[] = [];
  const processedStars = new PrefixSet();
  const offer = (scope: string): void => {
    scopes.push(scope);
    if (isAssumeRelevant(scope) && !queued.has(scope)) {
      queued.add(scope);
      pending.push(scope);
    }
  };
  const onMatch: MatchVisitor = (role, parameter) => {
    if (!rolesSeen.has(role)) {
      rolesSeen.add(role);
      roles.push(role);
    }
    for (const parameterized of role.parameterizedScopes) {
      const scope = substitute(parameterized, parameter);
      if (scope.length <= MAX_PARAMETERIZED_SCOPE_LENGTH) offer(scope);
    }
  };
  seeds.forEach(offer);
  for (let i = 0; i < pending.length && i < MAX_SCOPES_DERIVED_PER_STEP; i++) {
    const scope = pending[i];
    if (processedStars.hasPrefixOf(scope)) continue;
    if (scope.endsWith('*')) processedStars.add(scope.slice(0, -1));
    index.forEachMatch(scope, onMatch);
  }
  return { scopes, roles };
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

/** Could `role`'s expansion contain a scope matching `scope` without passing through another role? */
function mayProduce(role: IndexedRole, scope: string): boolean {
  if (scopeMatch(`${ASSUME}${role.roleId}`, scope)) return true;
  return conservativeScopes(role).some(held => scopeMatch(held, scope));
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

function forEachWithPrefix(sorted: readonly string[], prefix: string, visit: (item: string) => void): void {
  for (let i = lowerBound(sorted, prefix); i < sorted.length && sorted[i].startsWith(prefix); i++) visit(sorted[i]);
}

/**
 * Visits the elements of `sorted` that are prefixes of `text` (including `text` itself).
 * Any such prefix lies between itself and `text` in sort order, so it is also a prefix of the
 * last element <= the query; each step either reports that element or cuts the query to its
 * common prefix with it. Usually one or two binary searches.
 */
function forEachPrefixOf(sorted: readonly string[], text: string, visit: (item: string) => void): void {
  let query = text;
  for (;;) {
    const at = lowerBound(sorted, query);
    const candidate = at < sorted.length && sorted[at] === query ? query : sorted[at - 1];
    if (candidate === undefined) return;
    if (query.startsWith(candidate)) {
      visit(candidate);
      if (candidate.length === 0) return;
      query = candidate.slice(0, -1);
    } else {
      query = query.slice(0, commonPrefixLength(candidate, query));
    }
  }
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
