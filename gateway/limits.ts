// Depth and cost of an operation, computed before it runs, on HTTP and WebSocket alike.
// Cost: every field costs 1, and a field taking `first`/`last` (a connection page) multiplies
// the cost of what is selected under it by that page size (DEFAULT_PAGE when absent), so
// "1000 roles with 1000 scopes each" is priced as what it will cost the database and the wire.
import {
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  valueFromASTUntyped,
  visit,
} from 'graphql';
import type { GraphqlLimits } from '../entities/config';
import { DEFAULT_PAGE } from '../entities/pagination';

/** Bounds parsing work before validation runs (validating an alias bomb is quadratic). */
export const MAX_TOKENS = 10_000;

/**
 * How deep argument values and variables may nest (lists and objects). type-graphql converts
 * arguments recursively: a JSON payload of 20,000 nested arrays overflowed the stack, an internal
 * error. Real payloads nest a few levels; literals in the text are bounded by parsing as well.
 */
export const MAX_VALUE_DEPTH = 100;

export interface OperationMeasure {
  depth: number;
  cost: number;
}

export function measureOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): OperationMeasure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return { depth: 0, cost: 0 };
  return measureSelection(operation.selectionSet, { fragments, variables: variables ?? {}, visiting: new Set(), measured: new Map() });
}

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  /** Fragments on the current path, to stop at a cycle. */
  visiting: Set<string>;
  /**
   * Each fragment's measure, computed once: a fragment's depth and cost do not depend on where it
   * is spread. Without this, fragments that each spread the next one twice cost 2^n walks — 40
   * of them (well under the token limit) hung the process.
   */
  measured: Map<string, OperationMeasure>;
}

function measureSelection(selection: SelectionSetNode, walk: Walk): OperationMeasure {
  let depth = 0;
  let cost = 0;
  for (const node of selection.selections) {
    let inner: OperationMeasure;
    if (node.kind === Kind.FIELD) {
      inner = measureField(node, walk);
    } else if (node.kind === Kind.INLINE_FRAGMENT) {
      inner = measureSelection(node.selectionSet, walk);
    } else {
      const name = node.name.value;
      const fragment = walk.fragments.get(name);
      // A fragment cycle is a validation error reported elsewhere; do not recurse forever.
      if (!fragment || walk.visiting.has(name)) continue;
      let known = walk.measured.get(name);
      if (!known) {
        walk.visiting.add(name);
        known = measureSelection(fragment.selectionSet, walk);
        walk.visiting.delete(name);
        walk.measured.set(name, known);
      }
      inner = known;
    }
    depth = Math.max(depth, inner.depth);
    cost += inner.cost;
  }
  return { depth, cost };
}

function measureField(field: FieldNode, walk: Walk): OperationMeasure {
  if (!field.selectionSet) return { depth: 1, cost: 1 };
  const below = measureSelection(field.selectionSet, walk);
  return { depth: below.depth + 1, cost: 1 + pageSize(field, walk.variables) * below.cost };
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  let size: number | undefined;
  let paged = false;
  for (const arg of field.arguments ?? []) {
    if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
    paged = true;
    const value = valueFromASTUntyped(arg.value, variables);
    if (typeof value === 'number') size = Math.max(size ?? 0, value);
  }
  if (size !== undefined) return Math.max(1, size);
  return paged || isConnection(field) ? DEFAULT_PAGE : 1;
}

/** A connection field selects `edges`, `nodes` or `pageInfo`. */
function isConnection(field: FieldNode): boolean {
  return Boolean(
    field.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && ['edges', 'nodes', 'pageInfo'].includes(s.name.value)),
  );
}

/** Lists and objects inside one another in a JSON value: `1` is 0, `[1]` 1, `{a: [1]}` 2. */
export function valueDepth(value: unknown, stopAbove = Infinity): number {
  let max = 0;
  // A stack, not recursion: the value may be deeper than the call stack.
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max && (max = depth + 1) > stopAbove) return max;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return max;
}

/** literalDepth by document: Apollo hands a repeated operation the same parsed document. */
const literalDepths = new WeakMap<DocumentNode, number>();

/** The deepest list or object literal in the document's arguments (graphql's visit does not recurse). */
function literalDepth(document: DocumentNode): number {
  let known = literalDepths.get(document);
  if (known === undefined) literalDepths.set(document, (known = walkLiterals(document)));
  return known;
}

function walkLiterals(document: DocumentNode): number {
  let depth = 0;
  let max = 0;
  const enter = () => void (max = Math.max(max, ++depth));
  const leave = () => void depth--;
  visit(document, { ListValue: { enter, leave }, ObjectValue: { enter, leave } });
  return max;
}

/**
 * Throws BAD_USER_INPUT for values nested too deep, TOO_COMPLEX when over the depth or cost
 * limit; otherwise returns the measure for `extensions.cost`.
 */
export function enforceLimits(
  limits: GraphqlLimits,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): OperationMeasure {
  const variablesDepth = valueDepth(variables ?? {}, MAX_VALUE_DEPTH + 1) - 1;
  const problem =
    variablesDepth > MAX_VALUE_DEPTH ? 'a variable nests' : literalDepth(document) > MAX_VALUE_DEPTH ? 'an argument nests' : undefined;
  if (problem) {
    throw new GraphQLError(`${problem} lists and objects more than ${MAX_VALUE_DEPTH} levels deep, the limit`, {
      extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } },
    });
  }
  const measure = measureOperation(document, operationName, variables);
  if (measure.depth > limits.maxDepth) {
    throw tooComplex(`the operation is ${measure.depth} levels deep; the limit is ${limits.maxDepth}`, measure, limits);
  }
  if (measure.cost > limits.maxCost) {
    throw tooComplex(`the operation costs ${measure.cost}; the limit is ${limits.maxCost} (ask for smaller pages)`, measure, limits);
  }
  return measure;
}

function tooComplex(message: string, measure: OperationMeasure, limits: GraphqlLimits): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: 'TOO_COMPLEX',
      details: { depth: measure.depth, maxDepth: limits.maxDepth, cost: measure.cost, maxCost: limits.maxCost },
      http: { status: 400 },
    },
  });
}
