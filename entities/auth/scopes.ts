/**
 * Scope rules: validation, matching, scope expressions and normalized scope sets.
 *
 * Pure functions, no I/O. The reference for every answer here is taskcluster-lib-scopes
 * (scopeMatch/patternMatch, satisfiesExpression, removeGivenScopes, scopeCompare,
 * normalizeScopeSet, mergeScopeSets); test/auth/scopes-property.test.ts checks that we agree
 * with it on thousands of random inputs.
 */

export type ScopeExpression = string | { AllOf: ScopeExpression[] } | { AnyOf: ScopeExpression[] };

// Taskcluster's definition: printable ASCII including space. The empty string is a valid
// (if useless) scope there too, so we accept it rather than invent a stricter rule.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Returns why `scope` is not acceptable, or null when it is. */
export function validateScope(scope: string): string | null {
  if (typeof scope !== 'string') return `scope ${String(scope)} is not a string`;
  if (!PRINTABLE_ASCII.test(scope)) {
    return `scope ${JSON.stringify(scope)} contains characters outside printable ASCII (0x20-0x7E)`;
  }
  // `a**` would satisfy `a*` and so could be used to hand out `a*`, which is broader than
  // what `a**` itself grants. Taskcluster refuses such scopes in clients, roles and tasks.
  if (scope.endsWith('**')) {
    return `scope ${JSON.stringify(scope)} ends in '**'; only one trailing '*' is a wildcard`;
  }
  return null;
}

/** Returns why `expr` is not a well-formed scope expression, or null when it is. */
export function validateExpression(expr: unknown, path = 'expression'): string | null {
  if (typeof expr === 'string') {
    const error = validateScope(expr);
    return error === null ? null : `${path}: ${error}`;
  }
  if (typeof expr !== 'object' || expr === null || Array.isArray(expr)) {
    return `${path}: expected a scope string or an object with exactly one key, AllOf or AnyOf`;
  }
  const keys = Object.keys(expr);
  if (keys.length !== 1 || (keys[0] !== 'AllOf' && keys[0] !== 'AnyOf')) {
    return `${path}: expected exactly one key, AllOf or AnyOf, got ${JSON.stringify(keys)}`;
  }
  const operator = keys[0];
  const operands: unknown = (expr as Record<string, unknown>)[operator];
  if (!Array.isArray(operands)) return `${path}.${operator}: expected an array`;
  for (let i = 0; i < operands.length; i++) {
    const error = validateExpression(operands[i], `${path}.${operator}[${i}]`);
    if (error !== null) return error;
  }
  return null;
}

/** Only a trailing `*` in `have` is a wildcard; a `*` anywhere else is a literal character. */
export function scopeMatch(have: string, want: string): boolean {
  if (have === want) return true;
  const last = have.length - 1;
  return last >= 0 && have.charCodeAt(last) === STAR && want.startsWith(have.slice(0, last));
}

/** True when every wanted scope is matched by some held scope. */
export function satisfies(have: readonly string[], want: readonly string[]): boolean {
  return want.every(scope => isHeld(have, scope));
}

export function satisfiesExpression(have: readonly string[], expr: ScopeExpression): boolean {
  if (typeof expr === 'string') return isHeld(have, expr);
  if ('AllOf' in expr) return expr.AllOf.every(sub => satisfiesExpression(have, sub));
  return expr.AnyOf.some(sub => satisfiesExpression(have, sub));
}

/**
 * What is still needed to satisfy `expr`: undefined when satisfied, otherwise `expr` with the
 * held scopes removed and one-element AllOf/AnyOf collapsed (same shape as taskcluster-lib-scopes
 * removeGivenScopes, which returns null where we return undefined). An AnyOf in the result lists
 * alternatives that are all unmet; an empty AnyOf stays `{AnyOf: []}` because it can never be met.
 */
export function missingScopes(have: readonly string[], expr: ScopeExpression): ScopeExpression | undefined {
  if (typeof expr === 'string') return isHeld(have, expr) ? undefined : expr;
  if ('AllOf' in expr) {
    const unmet: ScopeExpression[] = [];
    for (const sub of expr.AllOf) {
      const missing = missingScopes(have, sub);
      if (missing !== undefined) unmet.push(missing);
    }
    if (unmet.length === 0) return undefined;
    return unmet.length === 1 ? unmet[0] : { AllOf: unmet };
  }
  const alternatives: ScopeExpression[] = [];
  for (const sub of expr.AnyOf) {
    const missing = missingScopes(have, sub);
    if (missing === undefined) return undefined;
    alternatives.push(missing);
  }
  return alternatives.length === 1 ? alternatives[0] : { AnyOf: alternatives };
}

/** The scopes named in the unmet part of `expr`, first mention first, without duplicates. */
export function missingScopeList(have: readonly string[], expr: ScopeExpression): string[] {
  const missing = missingScopes(have, expr);
  const found = new Set<string>();
  const collect = (e: ScopeExpression): void => {
    if (typeof e === 'string') found.add(e);
    else ('AllOf' in e ? e.AllOf : e.AnyOf).forEach(collect);
  };
  if (missing !== undefined) collect(missing);
  return [...found];
}

/**
 * Taskcluster's scope order (scopeCompare): plain string order on the scopes without their
 * trailing `*`, except that `P*` sorts just before `P`. Every scope a star scope covers then
 * follows it directly, which is what lets normalize and merge work in one linear pass.
 */
export function compareScopes(a: string, b: string): number {
  const aStar = a.charCodeAt(a.length - 1) === STAR;
  const bStar = b.charCodeAt(b.length - 1) === STAR;
  const aBody = aStar ? a.slice(0, -1) : a;
  const bBody = bStar ? b.slice(0, -1) : b;
  if (aBody < bBody) return -1;
  if (aBody > bBody) return 1;
  if (aStar === bStar) return 0;
  return aStar ? -1 : 1;
}

/**
 * Deduplicates, drops scopes covered by a star scope of the same set, and sorts with
 * compareScopes. O(n log n): a Set removes exact duplicates first (expansion outputs repeat a
 * lot), then one sort and one linear pass. Measured: 50,000 scopes sort in ~35 ms with this
 * comparator; sorting derived keys with the built-in order was no faster once the keys are built.
 */
export function normalizeScopes(scopes: readonly string[]): string[] {
  const sorted = [...new Set(scopes)].sort(compareScopes);
  const result: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const scope = sorted[i++];
    result.push(scope);
    i = skipCovered(sorted, i, scope);
  }
  return result;
}

/** Merges two normalized scope sets into a normalized set in one linear pass. */
export function mergeScopeSets(a: readonly string[], b: readonly string[]): string[] {
  const result: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let scope: string;
    if (j >= b.length) scope = a[i++];
    else if (i >= a.length) scope = b[j++];
    else {
      const order = compareScopes(a[i], b[j]);
      scope = order <= 0 ? a[i++] : b[j++];
      if (order === 0) j++;
    }
    result.push(scope);
    i = skipCovered(a, i, scope);
    j = skipCovered(b, j, scope);
  }
  return result;
}

const STAR = 42; // '*'

function isHeld(have: readonly string[], want: string): boolean {
  for (const scope of have) {
    if (scopeMatch(scope, want)) return true;
  }
  return false;
}

/** Advances `index` past the scopes of `sorted` that `scope` covers (they follow it directly). */
function skipCovered(sorted: readonly string[], index: number, scope: string): number {
  if (scope.charCodeAt(scope.length - 1) === STAR) {
    const prefix = scope.slice(0, -1);
    while (index < sorted.length && sorted[index].startsWith(prefix)) index++;
  } else {
    while (index < sorted.length && sorted[index] === scope) index++;
  }
  return index;
}
