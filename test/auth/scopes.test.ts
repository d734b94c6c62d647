import { describe, it, expect } from 'vitest';
import {
  compareScopes,
  mergeScopeSets,
  missingScopeList,
  missingScopes,
  normalizeScopes,
  satisfies,
  satisfiesExpression,
  scopeMatch,
  validateExpression,
  validateScope,
  type ScopeExpression,
} from '../../entities/auth/scopes';

describe('validateScope', () => {
  it.each([
    ['a plain scope', 'queue:create-task:highest:proj/ci'],
    ['a scope with one trailing star', 'secrets:get:project/*'],
    ['a star in the middle (a literal character)', 'a*b'],
    ['spaces and punctuation', 'index:insert-task:a b/c~d'],
    ['the empty scope, as Taskcluster allows it', ''],
    ['a lone star', '*'],
  ])('accepts %s', (_name, scope) => {
    expect(validateScope(scope)).toBeNull();
  });

  it.each([
    ['a non-ASCII character', 'secrets:get:café', 'printable ASCII'],
    ['a newline', 'queue:a\nb', 'printable ASCII'],
    ['a tab', 'queue:\t', 'printable ASCII'],
    ['a trailing double star', 'queue:**', "ends in '**'; only one trailing '*' is a wildcard"],
    ['a trailing triple star', '***', "ends in '**'"],
  ])('refuses %s and says why', (_name, scope, message) => {
    expect(validateScope(scope)).toContain(message);
  });
});

describe('validateExpression', () => {
  it.each<[string, unknown]>([
    ['a scope', 'a:b'],
    ['an AllOf of scopes', { AllOf: ['a', 'b'] }],
    ['an empty AnyOf', { AnyOf: [] }],
    ['nested operators', { AnyOf: [{ AllOf: ['a', { AnyOf: ['b'] }] }, 'c'] }],
  ])('accepts %s', (_name, expr) => {
    expect(validateExpression(expr)).toBeNull();
  });

  it.each<[string, unknown, string]>([
    ['a number', 12, 'expected a scope string or an object'],
    ['null', null, 'expected a scope string or an object'],
    ['an array', ['a'], 'expected a scope string or an object'],
    ['an object with both keys', { AllOf: [], AnyOf: [] }, 'expected exactly one key'],
    ['an unknown key', { OneOf: ['a'] }, 'expected exactly one key'],
    ['a non-array operand', { AllOf: 'a' }, 'expression.AllOf: expected an array'],
    ['an invalid scope deep inside', { AnyOf: ['a', { AllOf: ['b**'] }] }, 'expression.AnyOf[1].AllOf[0]'],
  ])('refuses %s and points at the problem', (_name, expr, message) => {
    expect(validateExpression(expr)).toContain(message);
  });
});

describe('scopeMatch', () => {
  it.each([
    ['an identical scope matches', 'a:b', 'a:b', true],
    ['a different scope does not match', 'a:b', 'a:c', false],
    ['a trailing star matches every scope with that prefix', 'a:*', 'a:b:c', true],
    ['a trailing star matches the bare prefix', 'a:*', 'a:', true],
    ['a trailing star matches a star scope under it', 'a*', 'ab*', true],
    ['a trailing star does not match a shorter scope', 'a:b*', 'a:', false],
    ['a lone star matches everything', '*', 'anything:at:all', true],
    ['a lone star matches the empty scope', '*', '', true],
    ['a star in the middle is literal', 'a*b', 'axb', false],
    ['a star in the middle matches itself', 'a*b', 'a*b', true],
    ['a wanted star is not matched by a narrower held scope', 'a:b', 'a:*', false],
    ['the empty scope matches only itself', '', 'a', false],
  ])('%s', (_name, have, want, expected) => {
    expect(scopeMatch(have, want)).toBe(expected);
  });
});

describe('satisfies', () => {
  it.each<[string, string[], string[], boolean]>([
    ['nothing wanted is always satisfied', [], [], true],
    ['every wanted scope must be held', ['a', 'b'], ['a', 'b'], true],
    ['one missing scope fails', ['a'], ['a', 'b'], false],
    ['a star scope can satisfy several wanted scopes', ['q:*'], ['q:1', 'q:2'], true],
    ['held scopes are not expanded through roles', ['assume:admin'], ['q:1'], false],
  ])('%s', (_name, have, want, expected) => {
    expect(satisfies(have, want)).toBe(expected);
  });
});

describe('satisfiesExpression', () => {
  const releaseOrCi: ScopeExpression = {
    AnyOf: [
      { AllOf: ['queue:scheduler-id:ui', { AnyOf: ['queue:create-task:low:ci', 'queue:create-task:lowest:ci'] }] },
      'queue:create-task:ci',
    ],
  };
  it.each<[string, string[], ScopeExpression, boolean]>([
    ['a held scope satisfies itself', ['a'], 'a', true],
    ['a star scope satisfies an AnyOf member', ['abc*'], { AnyOf: ['abcd'] }, true],
    ['AnyOf fails when no member is held', ['abc*'], { AnyOf: ['def'] }, false],
    ['AnyOf with a satisfied AllOf branch', ['abc*'], { AnyOf: [{ AllOf: ['abcdef'] }, 'def'] }, true],
    ['an empty AllOf is satisfied', [], { AllOf: [] }, true],
    ['an empty AnyOf is never satisfied', ['*'], { AnyOf: [] }, false],
    ['AllOf needs every member', ['a'], { AllOf: ['a', 'b'] }, false],
    ['nested alternatives: the flat alternative', ['queue:create-task:ci'], releaseOrCi, true],
    ['nested alternatives: the nested branch', ['queue:scheduler-id:ui', 'queue:create-task:low*'], releaseOrCi, true],
    ['nested alternatives: half a branch is not enough', ['queue:scheduler-id:ui'], releaseOrCi, false],
  ])('%s', (_name, have, expr, expected) => {
    expect(satisfiesExpression(have, expr)).toBe(expected);
  });
});

describe('missingScopes', () => {
  it.each<[string, string[], ScopeExpression, ScopeExpression | undefined]>([
    ['nothing is missing when the expression is satisfied', ['a*'], { AllOf: ['ab', 'ac'] }, undefined],
    ['a missing scope is returned as is', [], 'a', 'a'],
    ['AllOf keeps only the unmet members', ['abc'], { AllOf: [{ AnyOf: ['abc'] }, 'def'] }, 'def'],
    ['AllOf keeps its shape with several unmet members', ['a'], { AllOf: ['a', 'b', 'c'] }, { AllOf: ['b', 'c'] }],
    ['AnyOf is satisfied by one member', ['b'], { AnyOf: ['a', 'b'] }, undefined],
    ['AnyOf lists every unmet alternative', [], { AnyOf: ['a', { AllOf: ['b', 'c'] }] }, { AnyOf: ['a', { AllOf: ['b', 'c'] }] }],
    ['a one-member AnyOf collapses', ['x'], { AnyOf: [{ AllOf: ['x', 'y'] }] }, 'y'],
    ['an empty AnyOf stays unmet', ['*'], { AnyOf: [] }, { AnyOf: [] }],
    ['an empty AllOf is met', [], { AllOf: [] }, undefined],
  ])('%s', (_name, have, expr, expected) => {
    expect(missingScopes(have, expr)).toEqual(expected);
  });
});

describe('missingScopeList', () => {
  it.each<[string, string[], ScopeExpression, string[]]>([
    ['is empty when satisfied', ['a'], 'a', []],
    ['lists the missing scopes in order of mention', ['b'], { AllOf: ['c', 'b', 'a'] }, ['c', 'a']],
    ['flattens alternatives and drops duplicates', [], { AnyOf: [{ AllOf: ['x', 'y'] }, 'x'] }, ['x', 'y']],
  ])('%s', (_name, have, expr, expected) => {
    expect(missingScopeList(have, expr)).toEqual(expected);
  });
});

describe('compareScopes', () => {
  it('sorts a star scope just before its prefix and everything under it', () => {
    const sorted = ['b', 'aa', 'a(', 'a', 'a*', '', '*'].sort(compareScopes);
    expect(sorted).toEqual(['*', '', 'a*', 'a', 'a(', 'aa', 'b']);
  });
});

describe('normalizeScopes', () => {
  it.each<[string, string[], string[]]>([
    ['a lone star stays', ['*'], ['*']],
    ['a lone star covers everything', ['test', '*', 'te*'], ['*']],
    ['a shorter star covers a longer one', ['test*', 't*'], ['t*']],
    ['unrelated star scopes both stay, sorted', ['test*', 'ab*'], ['ab*', 'test*']],
    ['a star drops the scopes it covers but not its shorter prefix', ['abc', 'ab*', 'a', 'ab'], ['a', 'ab*']],
    ['plain scopes are deduplicated and sorted', ['c', 'a', 'b', 'a'], ['a', 'b', 'c']],
    ['a longer star does not cover shorter plain scopes', ['ab', 'a', 'abc*'], ['a', 'ab', 'abc*']],
    ['an empty set stays empty', [], []],
  ])('%s', (_name, scopes, expected) => {
    expect(normalizeScopes(scopes)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const input = ['b', 'a*', 'ab'];
    normalizeScopes(input);
    expect(input).toEqual(['b', 'a*', 'ab']);
  });

  it('normalizes 100,000 scopes without quadratic work (it runs on every expansion)', () => {
    const scopes = Array.from({ length: 100_000 }, (_, i) => `queue:create-task:proj-${i % 7919}/${i}${i % 13 === 0 ? '*' : ''}`);
    const started = performance.now();
    const result = normalizeScopes(scopes);
    // A loose bound for a loaded machine; quadratic work would take far longer.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.length).toBeLessThan(scopes.length);
  });
});

describe('mergeScopeSets', () => {
  it.each<[string, string[], string[], string[]]>([
    ['merging with an empty set gives the other set', ['a', 'b'], [], ['a', 'b']],
    ['shared scopes appear once', ['a', 'b'], ['b', 'c'], ['a', 'b', 'c']],
    ['a star from one side drops what it covers on the other', ['a*'], ['a', 'ab', 'b'], ['a*', 'b']],
    ['the result stays sorted in scope order', ['b*', 'c'], ['', 'a*', 'bz'], ['', 'a*', 'b*', 'c']],
  ])('%s', (_name, a, b, expected) => {
    expect(mergeScopeSets(a, b)).toEqual(expected);
    expect(mergeScopeSets(b, a)).toEqual(expected);
  });
});
