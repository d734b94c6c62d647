// The gateway's schema, read from gateway/schema.graphql at build time for the reference pages.
// Server-only: these functions run while pages are prerendered, never in the browser.
import fs from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInterfaceType,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLUnionType,
  getNamedType,
  type GraphQLArgument,
  type GraphQLNamedType,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';

let cached: GraphQLSchema | undefined;

/** gateway/schema.graphql, whether the build runs from the repository root or from portal/. */
function schemaFile(): string {
  const candidates = [path.join(process.cwd(), 'gateway', 'schema.graphql'), path.join(process.cwd(), '..', 'gateway', 'schema.graphql')];
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) throw new Error(`gateway/schema.graphql not found (looked in ${candidates.join(', ')})`);
  return found;
}

export function schema(): GraphQLSchema {
  cached ??= buildSchema(fs.readFileSync(schemaFile(), 'utf8'));
  return cached;
}

export type TypeKind = 'operations' | 'object' | 'input' | 'enum' | 'scalar' | 'interface' | 'union';

export interface RefArg {
  name: string;
  type: string;
  namedType: string;
  description: string;
  defaultValue?: string;
}

export interface RefField {
  name: string;
  type: string;
  namedType: string;
  description: string;
  args: RefArg[];
  deprecated?: string;
}

export interface RefType {
  name: string;
  kind: TypeKind;
  description: string;
  fields: RefField[];
  values: { name: string; description: string }[];
  /** Types whose fields or arguments use this one. */
  usedBy: string[];
}

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

function kindOf(type: GraphQLNamedType): TypeKind {
  if (ROOTS.has(type.name)) return 'operations';
  if (type instanceof GraphQLInputObjectType) return 'input';
  if (type instanceof GraphQLEnumType) return 'enum';
  if (type instanceof GraphQLScalarType) return 'scalar';
  if (type instanceof GraphQLInterfaceType) return 'interface';
  if (type instanceof GraphQLUnionType) return 'union';
  return 'object';
}

function arg(a: GraphQLArgument): RefArg {
  return {
    name: a.name,
    type: String(a.type),
    namedType: getNamedType(a.type as GraphQLType).name,
    description: a.description ?? '',
    defaultValue: a.defaultValue === undefined ? undefined : JSON.stringify(a.defaultValue),
  };
}

/** Every named type of the schema but graphql's own, in name order (operations first). */
export function referenceTypes(): RefType[] {
  const s = schema();
  const types = Object.values(s.getTypeMap()).filter((t) => !t.name.startsWith('__'));
  const usedBy = new Map<string, Set<string>>();
  const use = (target: string, by: string) => {
    if (target === by) return;
    if (!usedBy.has(target)) usedBy.set(target, new Set());
    usedBy.get(target)!.add(by);
  };
  const out: RefType[] = types.map((type) => {
    const fields: RefField[] = [];
    if (type instanceof GraphQLObjectType || type instanceof GraphQLInterfaceType || type instanceof GraphQLInputObjectType) {
      for (const field of Object.values(type.getFields())) {
        const args = 'args' in field ? (field.args as GraphQLArgument[]).map(arg) : [];
        const named = getNamedType(field.type as GraphQLType).name;
        use(named, type.name);
        for (const a of args) use(a.namedType, type.name);
        fields.push({
          name: field.name,
          type: String(field.type),
          namedType: named,
          description: field.description ?? '',
          args,
          deprecated: 'deprecationReason' in field ? (field.deprecationReason ?? undefined) : undefined,
        });
      }
    }
    const values = type instanceof GraphQLEnumType ? type.getValues().map((v) => ({ name: v.name, description: v.description ?? '' })) : [];
    return { name: type.name, kind: kindOf(type), description: type.description ?? '', fields, values, usedBy: [] };
  });
  for (const t of out) t.usedBy = [...(usedBy.get(t.name) ?? [])].sort();
  const rank = (t: RefType) => (t.kind === 'operations' ? ['Query', 'Mutation', 'Subscription'].indexOf(t.name) : 10);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

export function referenceType(name: string): RefType | undefined {
  return referenceTypes().find((t) => t.name === name);
}

export interface SearchEntry {
  /** What is shown: `Task`, `Task.status`, `Query.task`. */
  label: string;
  href: string;
  kind: string;
  /** The description's first sentence, for matching and display. */
  text: string;
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0];
  const end = line.search(/\.\s/);
  return (end > 0 ? line.slice(0, end + 1) : line).slice(0, 140);
}

/** What the reference search looks through: every type, field and operation. */
export function searchIndex(): SearchEntry[] {
  const entries: SearchEntry[] = [];
  for (const type of referenceTypes()) {
    entries.push({ label: type.name, href: `/reference/${type.name}`, kind: type.kind === 'operations' ? 'operations' : type.kind, text: firstSentence(type.description) });
    for (const field of type.fields) {
      const kind = type.name === 'Query' ? 'query' : type.name === 'Mutation' ? 'mutation' : type.name === 'Subscription' ? 'subscription' : 'field';
      entries.push({ label: kind === 'field' ? `${type.name}.${field.name}` : field.name, href: `/reference/${type.name}#${field.name}`, kind, text: firstSentence(field.description) });
    }
  }
  return entries;
}
