import { GraphQLError, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GraphqlLimits } from '../../entities/config';
import { DEFAULT_PAGE } from '../../entities/pagination';
import { enforceLimits, MAX_VALUE_DEPTH, measureOperation, valueDepth } from '../../gateway/limits';

const measure = (query: string, variables?: Record<string, unknown>, operationName?: string) =>
  measureOperation(parse(query), operationName, variables);

/** `{ a { a { … x } } }` with `levels` fields on the deepest path. */
function nested(levels: number): string {
  return '{ ' + 'a { '.repeat(levels - 1) + 'x' + ' }'.repeat(levels - 1) + ' }';
}

describe('measureOperation: depth', () => {
  it.each([
    ['{ currentScopes }', 1],
    ['{ a b c }', 1],
    ['{ whoAmI { clientId } }', 2],
    ['{ a { b { c } } d }', 3],
    [nested(12), 12],
    [nested(50), 50],
    ['{ __typename }', 1],
  ])('counts %s as %i deep', (query, depth) => {
    expect(measure(query).depth).toBe(depth);
  });

  it('counts the fields inside a fragment as if they were written in place', () => {
    expect(measure('{ a { ...F } } fragment F on T { b { c } }').depth).toBe(3);
  });

  it('adds no level for an inline fragment', () => {
    expect(measure('{ a { ... on T { b { c } } } }').depth).toBe(3);
  });

  it('follows fragments inside fragments and inline fragments', () => {
    expect(measure('{ a { ... on T { ...F } } } fragment F on T { b { ...G } } fragment G on T { c { d } }').depth).toBe(4);
  });

  it('takes the deepest branch', () => {
    expect(measure('{ a { b } c { d { e { f } } } }').depth).toBe(4);
  });

  it('measures the named operation when a document has several', () => {
    const query = 'query Shallow { a } query Deep { a { b { c } } }';
    expect(measure(query, undefined, 'Shallow').depth).toBe(1);
    expect(measure(query, undefined, 'Deep').depth).toBe(3);
  });

  it('measures nothing for an operation name the document lacks', () => {
    expect(measure('query A { a { b } }', undefined, 'B')).toEqual({ depth: 0, cost: 0 });
  });

  it('does not hang on a fragment that spreads itself', () => {
    expect(measure('{ a { ...F } } fragment F on T { b { ...F } }')).toEqual({ depth: 2, cost: 2 });
  });

  it('does not hang on a cycle through two fragments', () => {
    const result = measure('{ ...A } fragment A on Query { a { ...B } } fragment B on T { b { ...A } }');
    expect(result.depth).toBe(2);
  });

  it('ignores a spread of a fragment the document does not define', () => {
    expect(measure('{ a { ...Missing b } }')).toEqual({ depth: 2, cost: 2 });
  });

  it('measures a fragment used many times without re-walking it (no exponential blow-up)', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, …: walking it naively visits 2^40 fields.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i < levels - 1 ? `fragment F${i} on T { a: x { ...F${i + 1} } b: x { ...F${i + 1} } }` : `fragment F${i} on T { leaf }`,
    );
    const result = measure(`{ root { ...F0 } } ${fragments.join(' ')}`);
    expect(result.depth).toBe(levels + 1);
    expect(result.cost).toBeGreaterThan(2 ** 40);
  });
});

describe('measureOperation: cost', () => {
  it('charges 1 per field', () => {
    expect(measure('{ a b c }').cost).toBe(3);
    expect(measure('{ whoAmI { clientId scopes } }').cost).toBe(3);
  });

  it('charges every alias of the same field', () => {
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: currentScopes`).join(' ');
    expect(measure(`{ ${aliases} }`).cost).toBe(500);
  });

  it.each([
    ['{ roles(first: 10) { nodes { roleId } } }', 1 + 10 * (1 + 1)],
    ['{ roles(last: 7) { nodes { roleId scopes } } }', 1 + 7 * (1 + 2)],
    ['{ roles(first: 1000) { edges { node { roleId } } } }', 1 + 1000 * (1 + 1 + 1)],
    ['{ roles(first: 0) { nodes { roleId } } }', 1 + 1 * 2],
  ])('multiplies what is selected under %s by the page size', (query, cost) => {
    expect(measure(query).cost).toBe(cost);
  });

  it('reads the page size from a variable', () => {
    const query = 'query ($n: Int) { roles(first: $n) { nodes { roleId } } }';
    expect(measure(query, { n: 3 }).cost).toBe(1 + 3 * 2);
    expect(measure(query, { n: 500 }).cost).toBe(1 + 500 * 2);
  });

  it('assumes the default page size when the variable is missing', () => {
    const query = 'query ($n: Int) { roles(first: $n) { nodes { roleId } } }';
    expect(measure(query, {}).cost).toBe(1 + DEFAULT_PAGE * 2);
  });

  it('assumes the default page size for a connection asked for without first or last', () => {
    expect(measure('{ roles { nodes { roleId } } }').cost).toBe(1 + DEFAULT_PAGE * 2);
    expect(measure('{ clients(prefix: "x") { pageInfo { hasNextPage } } }').cost).toBe(1 + DEFAULT_PAGE * 2);
    expect(measure('{ clients { edges { cursor } } }').cost).toBe(1 + DEFAULT_PAGE * 2);
  });

  it('does not multiply a plain object field', () => {
    expect(measure('{ whoAmI { clientId } }').cost).toBe(2);
  });

  it('multiplies nested pages together', () => {
    expect(measure('{ a(first: 10) { nodes { b(first: 20) { nodes { c } } } } }').cost).toBe(1 + 10 * (1 + (1 + 20 * (1 + 1))));
  });

  it('prices the fields of a fragment inside a page once per item', () => {
    expect(measure('{ roles(first: 5) { ...R } } fragment R on RoleConnection { nodes { roleId scopes } }').cost).toBe(1 + 5 * 3);
  });
});

describe('enforceLimits', () => {
  const limits: GraphqlLimits = { maxDepth: 5, maxCost: 100, maxBodyBytes: 1_048_576 };

  function refusal(query: string, variables?: Record<string, unknown>): GraphQLError {
    try {
      enforceLimits(limits, parse(query), undefined, variables);
    } catch (error) {
      return error as GraphQLError;
    }
    throw new Error('expected TOO_COMPLEX');
  }

  it('returns the measure of an operation within the limits', () => {
    expect(enforceLimits(limits, parse(nested(5)), undefined, undefined)).toEqual({ depth: 5, cost: 5 });
  });

  it('refuses an operation one level too deep with TOO_COMPLEX, the depth and the limit', () => {
    const error = refusal(nested(6));
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.extensions.code).toBe('TOO_COMPLEX');
    expect(error.message).toBe('the operation is 6 levels deep; the limit is 5');
    expect(error.extensions.details).toEqual({ depth: 6, maxDepth: 5, cost: 6, maxCost: 100 });
  });

  it('refuses an operation over the cost, saying how to fix it', () => {
    const error = refusal('query ($n: Int) { roles(first: $n) { nodes { roleId } } }', { n: 50 });
    expect(error.extensions.code).toBe('TOO_COMPLEX');
    expect(error.message).toBe('the operation costs 101; the limit is 100 (ask for smaller pages)');
    expect(error.extensions.details).toEqual({ depth: 3, maxDepth: 5, cost: 101, maxCost: 100 });
  });

  it('accepts an operation that costs exactly the limit', () => {
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: currentScopes`).join(' ');
    expect(enforceLimits(limits, parse(`{ ${aliases} }`), undefined, undefined).cost).toBe(100);
    expect(refusal(`{ ${aliases} extra: currentScopes }`).extensions.code).toBe('TOO_COMPLEX');
  });

  it('answers HTTP 400 for a refusal', () => {
    expect(refusal(nested(6)).extensions.http).toEqual({ status: 400 });
  });

  it('refuses a variable nested over MAX_VALUE_DEPTH levels with BAD_USER_INPUT, and accepts one at the limit', () => {
    const query = 'mutation ($p: JSON) { triggerHook(hookGroupId: "g", hookId: "h", payload: $p) { taskId } }';
    expect(() => enforceLimits(limits, parse(query), undefined, { p: nestedArrays(MAX_VALUE_DEPTH) })).not.toThrow();
    for (const depth of [MAX_VALUE_DEPTH + 1, 20_000]) {
      const error = refusal(query, { p: nestedArrays(depth) });
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.message).toBe(`a variable nests lists and objects more than ${MAX_VALUE_DEPTH} levels deep, the limit`);
    }
  });

  it('refuses an argument literal nested over MAX_VALUE_DEPTH levels', () => {
    const literal = (depth: number) => `{ triggerHook(hookGroupId: "g", hookId: "h", payload: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}) { taskId } }`;
    expect(() => enforceLimits(limits, parse(literal(MAX_VALUE_DEPTH)), undefined, undefined)).not.toThrow();
    expect(refusal(literal(MAX_VALUE_DEPTH + 1)).message).toContain('an argument nests');
  });
});

/** `[[…[1]…]]`, `depth` lists deep, built without recursion. */
function nestedArrays(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('valueDepth', () => {
  it.each([
    [1, 0],
    ['x', 0],
    [null, 0],
    [[], 1],
    [{}, 1],
    [[1, [2]], 2],
    [{ a: [{ b: 1 }] }, 3],
    [{ a: 1, b: { c: { d: [] } } }, 4],
  ])('counts %j as %i deep', (value, depth) => {
    expect(valueDepth(value)).toBe(depth);
  });

  it('counts 100,000 nested lists without overflowing the stack', () => {
    expect(valueDepth(nestedArrays(100_000))).toBe(100_000);
  });
});

describe('the default limits', () => {
  it('admit the standard introspection query that GraphiQL sends', async () => {
    const { getIntrospectionQuery, parse } = await import('graphql');
    const { loadConfig } = await import('../../entities/config');
    const { enforceLimits } = await import('../../gateway/limits');
    expect(() => enforceLimits(loadConfig({}).limits, parse(getIntrospectionQuery()), undefined, {})).not.toThrow();
  });
});
