// Seeded generation of GraphQL operations for the fuzz test: valid operations built from the
// checked-in schema, then broken on purpose (text mutations, wrong variables). Deterministic for
// a seed, so a failure replays with FUZZ_SEED.
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  GraphQLField,
  GraphQLInputType,
  GraphQLNamedType,
  GraphQLObjectType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/**
 * claimWork is a long poll (about 20 s when nothing is pending): a valid one would look like a
 * hang. It is still reached through mutated operations that fail validation.
 */
const LONG_POLLS = new Set(['claimWork']);

export function loadSchema(): GraphQLSchema {
  const file = path.resolve(__dirname, '..', '..', 'gateway', 'schema.graphql');
  return buildSchema(fs.readFileSync(file, 'utf8'));
}

export interface Operation {
  query: string;
  variables: Record<string, unknown>;
  kind: 'query' | 'mutation' | 'subscription';
}

/**
 * A valid operation on one root field, arguments as variables or inline literals. With `extreme`,
 * values keep their type but take edge values (long or odd strings, extreme numbers and dates),
 * so they get past validation to the commands and the database.
 */
export function validOperation(schema: GraphQLSchema, random: Random, kind: Operation['kind'], extreme = false): Operation {
  const root = kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const fields = Object.values(root!.getFields()).filter((f) => !LONG_POLLS.has(f.name));
  const field = random.pick(fields);
  const variables: Record<string, unknown> = {};
  const definitions: string[] = [];
  const args: string[] = [];
  for (const arg of field.args) {
    if (!isNonNullType(arg.type) && random.chance(0.5)) continue;
    const value = inputValue(arg.type, random, 0, extreme);
    if (random.chance(0.6)) {
      const name = `v${definitions.length}`;
      definitions.push(`$${name}: ${String(arg.type)}`);
      variables[name] = value;
      args.push(`${arg.name}: $${name}`);
    } else {
      args.push(`${arg.name}: ${literal(value, arg.type)}`);
    }
  }
  const head = definitions.length ? `${kind} Op(${definitions.join(', ')})` : `${kind} Op`;
  const call = args.length ? `${field.name}(${args.join(', ')})` : field.name;
  return { query: `${head} { ${call}${selection(field, random, 0)} }`, variables, kind };
}

function selection(field: GraphQLField<unknown, unknown>, random: Random, depth: number): string {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return isScalarType(type) || isEnumType(type) ? '' : ' { __typename }';
  return ` { ${selectFields(type, random, depth + 1).join(' ')} }`;
}

function selectFields(type: GraphQLObjectType, random: Random, depth: number): string[] {
  const usable = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  const leaves = usable.filter((f) => !isObjectType(getNamedType(f.type)));
  const picked = new Set<string>(['__typename']);
  for (let i = 0; i < 1 + random.int(3); i++) {
    const pool = depth < 3 && random.chance(0.4) ? usable : leaves;
    if (pool.length) picked.add(random.pick(pool).name);
  }
  return [...picked].map((name) => (name === '__typename' ? name : `${name}${selection(type.getFields()[name], random, depth)}`));
}

const STRINGS = ['x', 'fuzz/a', 'fuzz-b', 'public/x', 'queue:*', 'assume:anonymous', 'a*'];

/** A plausible value of an input type (right shape, arbitrary content). */
export function inputValue(type: GraphQLInputType, random: Random, depth: number, extreme = false): unknown {
  if (isNonNullType(type)) return inputValue(type.ofType, random, depth, extreme);
  if (isListType(type)) {
    const length = extreme && random.chance(0.2) ? random.pick([100, 2000]) : random.int(3);
    return Array.from({ length }, () => inputValue(type.ofType, random, depth + 1, extreme && length < 100));
  }
  if (isEnumType(type)) return random.pick(type.getValues()).name;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) || (depth < 3 && random.chance(0.4))) value[f.name] = inputValue(f.type, random, depth + 1, extreme);
    }
    return value;
  }
  const name = (type as GraphQLNamedType).name;
  if (extreme && random.chance(0.5)) return extremeScalar(name, random);
  switch (name) {
    case 'ID':
      return slugLike(random);
    case 'Int':
      return random.int(5);
    case 'Float':
      return random.next() * 4;
    case 'Boolean':
      return random.chance(0.5);
    case 'DateTime':
      return new Date(Date.UTC(2030, 0, 1) + random.int(1e9)).toISOString();
    case 'JSON':
    case 'JSONObject':
      return { a: random.int(9), b: [random.pick(STRINGS)] };
    default:
      return random.pick(STRINGS);
  }
}

/** A value of the scalar's type at an edge: what validation lets through to the commands. */
function extremeScalar(name: string, random: Random): unknown {
  switch (name) {
    case 'Int':
      return random.pick([2 ** 31 - 1, -(2 ** 31), 0, -1, 1001, 10_001]);
    case 'Float':
      return random.pick([1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -0]);
    case 'Boolean':
      return random.chance(0.5);
    case 'DateTime':
      return random.pick(['1970-01-01T00:00:00.000Z', '0001-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '2038-01-19T03:14:08Z', '1969-12-31T23:59:59.999Z']);
    case 'JSON':
    case 'JSONObject':
      return random.pick<unknown>([
        JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 1}}}'),
        { $eval: 'x', $let: { a: { $json: 1 } } },
        { big: 'x'.repeat(300_000) },
        Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])),
        nested(200, random.chance(0.5)),
      ]);
    default:
      return random.pick(['x'.repeat(random.pick([255, 256, 1000, 70_000])), ...NASTY_STRINGS, '*'.repeat(40), 'a'.repeat(22), ' ', 'assume:**', 'a\nb']);
  }
}

function slugLike(random: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let s = '';
  for (let i = 0; i < 22; i++) s += alphabet[random.int(alphabet.length)];
  return s;
}

/** A GraphQL literal for a value; enum values of `type` print bare. */
export function literal(value: unknown, type?: GraphQLInputType): string {
  const named = type ? getNamedType(type) : undefined;
  if (Array.isArray(value)) {
    const inner = type && isNonNullType(type) ? type.ofType : type;
    const item = inner && isListType(inner) ? inner.ofType : undefined;
    return `[${value.map((v) => literal(v, item)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const fields = named && isInputObjectType(named) ? named.getFields() : {};
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v, fields[k]?.type)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') return named && isEnumType(named) ? value : JSON.stringify(value);
  return String(value);
}

// ---- Breaking operations -----------------------------------------------------------------------

const NASTY_STRINGS = [
  '',
  '\u0000',
  '\u0007\u001b[31m',
  '\ud800',
  '\udfff\ud800',
  '\uffff\ufffe',
  '💥'.repeat(50),
  '__proto__',
  'constructor',
  '../../etc/passwd',
  "' OR 1=1 --",
  '%s%n%x',
  '${x}',
  '{"$eval": "1"}',
  '<script>',
  '\r\n\r\nHTTP/1.1 200 OK',
];

/** Values that are wrong for nearly any argument: types, sizes, shapes and nasty keys. */
export function wrongValue(random: Random, depth = 0): unknown {
  switch (random.int(14)) {
    case 0:
      return random.pick(NASTY_STRINGS);
    case 1:
      return 'x'.repeat(random.pick([1000, 70_000, 1_000_000]));
    case 2:
      return random.pick([2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -1e308, 5e-324, -0, 0.5, -1]);
    case 3:
      return random.pick([null, true, false, 0]);
    case 4:
      return random.pick(['NaN', 'Infinity', '-Infinity', 'undefined', 'null', '1e999']);
    case 5:
      return depth < 3 ? [wrongValue(random, depth + 1), wrongValue(random, depth + 1)] : [];
    case 6:
      return JSON.parse('{"__proto__": {"polluted": true, "isAdmin": true}, "constructor": {"prototype": {"x": 1}}}');
    case 7:
      // Deeper nesting is sent as raw text (fuzz-requests.ts): JSON.stringify here would overflow.
      return nested(random.pick([50, 500, 1000]), random.chance(0.5));
    case 8:
      return Array.from({ length: random.pick([1000, 20_000]) }, (_, i) => (random.chance(0.5) ? i : 'x'));
    case 9:
      return { toString: 'x', valueOf: 1, hasOwnProperty: 'y', prototype: null };
    case 10:
      return '2030-13-45T99:99:99Z';
    case 11:
      return { scopes: ['**'], secret: 5, expires: 'never', name: { a: 1 } };
    case 12:
      return String.fromCharCode(...Array.from({ length: 64 }, () => random.int(0x10000)));
    default:
      return random.chance(0.5) ? {} : [];
  }
}

/** [[[…]]] or {"a":{"a":…}}, `levels` deep. */
function nested(levels: number, arrays: boolean): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = arrays ? [value] : { a: value };
  return value;
}

/** Variables of the wrong type, shape or size (or none at all, or not an object). */
export function breakVariables(variables: Record<string, unknown>, random: Random): unknown {
  const names = Object.keys(variables);
  switch (random.int(6)) {
    case 0:
      return random.pick([null, 'x', 42, [], [variables], true]);
    case 1:
      return {};
    case 2:
      return { ...variables, unknownVariable: wrongValue(random) };
    default: {
      const copy: Record<string, unknown> = { ...variables };
      const name = names.length ? random.pick(names) : 'v0';
      copy[name] = deepReplace(copy[name], random);
      return copy;
    }
  }
}

/** Replaces the value itself or one leaf inside it with a wrong value. */
function deepReplace(value: unknown, random: Random): unknown {
  if (value !== null && typeof value === 'object' && random.chance(0.6)) {
    const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as unknown as Record<string, unknown>) : { ...value };
    const keys = Object.keys(copy);
    if (keys.length) {
      const key = random.pick(keys);
      copy[key] = deepReplace(copy[key], random);
    } else copy[random.pick(['__proto__', 'x', '0'])] = wrongValue(random);
    return copy;
  }
  return wrongValue(random);
}

/** Text mutations of an operation: syntax, names, literals, size and nesting. */
const TEXT_MUTATIONS: ((query: string, random: Random) => string)[] = [
  // Drop, add or duplicate braces and parentheses.
  (q, r) => dropChar(q, r, /[{}()[\]]/),
  (q, r) => insertAt(q, r, r.pick(['{', '}', '(', ')', '[', ']', '{}', ')(', '...', '$', '@', ':', '!', '='])),
  (q, r) => dropChar(q, r, /./),
  (q, r) => {
    const start = r.int(q.length);
    return q.slice(0, start + r.int(40)) + q.slice(start);
  },
  (q, r) => q.slice(0, r.int(q.length)),
  // Unknown fields and arguments.
  (q, r) => q.replace(/\{ /, `{ ${r.pick(['noSuchField', '__proto__', 'constructor', '__schema', '__type'])} `),
  (q, r) => q.replace(/\(/, `(${r.pick(['noSuchArg', '__proto__', 'first'])}: ${literal(wrongValue(r))}, `),
  // Wrong literal types in place of arguments.
  (q, r) => q.replace(/: ("[^"]*"|-?\d+(\.\d+)?|true|false|[A-Z_]+)(?=[,)}])/, `: ${r.pick(['5', '"x"', 'null', '[1, 2]', '{a: 1}', 'ENUM_X', '1e999', '99999999999999999999999', '-0.0', '$undeclared', 'true'])}`),
  (q, r) => q.replace(/"[^"]*"/, literal(wrongValue(r))),
  // Broken strings and escapes, control characters.
  (q, r) => insertAt(q, r, r.pick(['"\\uD800"', '"\\u{110000}"', '"\\x"', '"unterminated', '"""block', '\u0000', '\u0001', '\u007f', '\ufeff', '\u2028', '#comment\n', '\t\r'])),
  // Size and nesting.
  (q) => q.replace(/\{ /, `{ ${'__typename '.repeat(3000)}`),
  (q, r) => q.replace(/\{ /, `{ ${'__type(name: "Query") { fields { type { ofType { '.repeat(r.pick([5, 30, 200]))}name${' } } } }'.repeat(r.pick([5, 30, 200]))} `),
  (q, r) => `${'{'.repeat(r.pick([100, 5000, 200_000]))}${q}`,
  (q, r) => q.replace(/\{ /, `{ f: __typename @${r.pick(['skip(if: 5)', 'include', 'deprecated', 'noSuch', 'skip(if: $nope)', 'include(if: true) @include(if: false)'])} `),
  // Several operations, fragments and cycles.
  (q) => `${q} ${q}`,
  (q) => `${q} query Op { __typename }`,
  (q) => `${q} fragment A on Query { ...B } fragment B on Query { ...A }`,
  (q) => q.replace(/^(query|mutation|subscription)/, 'subscription'),
  (q) => q.replace(/^(query|mutation|subscription)/, 'mutation'),
  (q) => q.replace(/^(query|mutation|subscription) Op(\([^)]*\))?/, '$1 Op($x: NoSuchType, $x: Int)'),
  (q) => q.replace(/: \$v\d/, ': $undeclared'),
  (q) => q.replace(/\$v0: [^,)]+/, '$v0: [[Int!]!]!'),
];

/** One to three text mutations of a valid operation. */
export function breakQuery(query: string, random: Random): string {
  let broken = query;
  for (let i = 0, n = 1 + random.int(3); i < n; i++) broken = random.pick(TEXT_MUTATIONS)(broken, random);
  return broken;
}

function dropChar(q: string, random: Random, which: RegExp): string {
  const positions = [...q].map((c, i) => (which.test(c) ? i : -1)).filter((i) => i >= 0);
  if (!positions.length) return q;
  const at = random.pick(positions);
  return q.slice(0, at) + q.slice(at + 1);
}

function insertAt(q: string, random: Random, text: string): string {
  const at = random.int(q.length + 1);
  return q.slice(0, at) + text + q.slice(at);
}
