import { describe, it, expect } from 'vitest';
import { seededRandom } from '../support/random';
import {
  mergeScopeSets,
  missingScopes,
  normalizeScopes,
  satisfies,
  satisfiesExpression,
  scopeMatch,
  type ScopeExpression,
} from '../../entities/auth/scopes';

/** The parts of taskcluster-lib-scopes (plain JS, no types) that we compare against. */
interface TaskclusterScopes {
  patternMatch(pattern: string, scope: string): boolean;
  satisfiesExpression(scopes: string[], expr: ScopeExpression): boolean;
  scopeCompare(a: string, b: string): number;
  normalizeScopeSet(sortedScopes: string[]): string[];
  mergeScopeSets(a: string[], b: string[]): string[];
  removeGivenScopes(scopes: string[], expr: ScopeExpression): ScopeExpression | null;
}
// Plain CommonJS without type declarations: require() with the typed view above is the least
// magic way to load it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const reference = require('taskcluster-lib-scopes') as TaskclusterScopes;

const RUNS = 5_000;

/** Random scopes over a three-letter alphabet plus `*`, short enough that matches are common. */
function generators(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const scope = (): string => {
    let text = '';
    const length = int(4);
    for (let i = 0; i < length; i++) text += 'ab*'[int(3)];
    return random() < 0.3 && !text.endsWith('*') ? `${text}*` : text;
  };
  const scopeSet = (): string[] => Array.from({ length: int(6) }, scope);
  const expression = (depth: number): ScopeExpression => {
    if (depth === 0 || random() < 0.4) return scope();
    const operands = Array.from({ length: int(4) }, () => expression(depth - 1));
    return random() < 0.5 ? { AllOf: operands } : { AnyOf: operands };
  };
  return { scope, scopeSet, expression };
}

const referenceNormalize = (scopes: string[]) => reference.normalizeScopeSet([...scopes].sort(reference.scopeCompare));

describe('scope rules agree with taskcluster-lib-scopes on random inputs', () => {
  it(`scopeMatch agrees with patternMatch (${RUNS} pairs)`, () => {
    const random = generators(seededRandom(1));
    for (let i = 0; i < RUNS; i++) {
      const [have, want] = [random.scope(), random.scope()];
      expect(scopeMatch(have, want), `seed 1, case ${i}: ${have} vs ${want}`).toBe(reference.patternMatch(have, want));
    }
  });

  it(`satisfies agrees with satisfiesExpression over AllOf (${RUNS} sets)`, () => {
    const random = generators(seededRandom(2));
    for (let i = 0; i < RUNS; i++) {
      const [have, want] = [random.scopeSet(), random.scopeSet()];
      expect(satisfies(have, want)).toBe(reference.satisfiesExpression(have, { AllOf: want }));
    }
  });

  it(`satisfiesExpression agrees (${RUNS} expressions)`, () => {
    const random = generators(seededRandom(3));
    for (let i = 0; i < RUNS; i++) {
      const [have, expr] = [random.scopeSet(), random.expression(3)];
      expect(satisfiesExpression(have, expr)).toBe(reference.satisfiesExpression(have, expr));
    }
  });

  it(`missingScopes agrees with removeGivenScopes (${RUNS} expressions)`, () => {
    const random = generators(seededRandom(4));
    for (let i = 0; i < RUNS; i++) {
      const [have, expr] = [random.scopeSet(), random.expression(3)];
      expect(missingScopes(have, expr) ?? null).toEqual(reference.removeGivenScopes(have, expr));
    }
  });

  it(`normalizeScopes agrees with sort + normalizeScopeSet (${RUNS} sets)`, () => {
    const random = generators(seededRandom(5));
    for (let i = 0; i < RUNS; i++) {
      const scopes = [...random.scopeSet(), ...random.scopeSet()];
      expect(normalizeScopes(scopes)).toEqual(referenceNormalize(scopes));
    }
  });

  it(`mergeScopeSets agrees on normalized sets (${RUNS} pairs)`, () => {
    const random = generators(seededRandom(6));
    for (let i = 0; i < RUNS; i++) {
      const a = referenceNormalize(random.scopeSet());
      const b = referenceNormalize(random.scopeSet());
      expect(mergeScopeSets(a, b)).toEqual(reference.mergeScopeSets(a, b));
    }
  });

  it('the generator actually produces matches and misses', () => {
    const random = generators(seededRandom(7));
    let matches = 0;
    for (let i = 0; i < RUNS; i++) if (scopeMatch(random.scope(), random.scope())) matches++;
    expect(matches).toBeGreaterThan(RUNS * 0.1);
    expect(matches).toBeLessThan(RUNS * 0.9);
  });
});
