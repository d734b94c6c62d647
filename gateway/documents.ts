// Parsed and validated WebSocket operations, shared by every subscription sending the same text.
// A subscription keeps its document for as long as it lasts: 5,000 subscribers of one log held
// 5,000 copies of the same AST (a few KB each) and validated the same text 5,000 times.
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { isStackOverflow, TOO_DEEP_TO_PARSE_MESSAGE } from './errors';
import { MAX_TOKENS } from './limits';

/** Distinct operation texts kept; past this the oldest goes. */
const MAX_DOCUMENTS = 500;
/** Longer texts are parsed each time, so the cache stays small whatever clients send. */
const MAX_CACHED_CHARS = 20_000;

export type ParsedDocument = { document: DocumentNode; errors?: undefined } | { document?: undefined; errors: readonly GraphQLError[] };

export function parsedDocuments(schema: GraphQLSchema): { get(query: string): ParsedDocument } {
  const valid = new Map<string, DocumentNode>();
  return {
    get(query) {
      const cached = valid.get(query);
      if (cached) return { document: cached };
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens: MAX_TOKENS });
      } catch (error) {
        return { errors: [inputError(error)] };
      }
      let errors: readonly GraphQLError[];
      try {
        errors = validate(schema, document);
      } catch (error) {
        // graphql-js's single-field-subscription rule throws, rather than reports, a bad
        // @skip/@include argument on a subscription (`@skip(if: 5)`, an undeclared variable).
        return { errors: [inputError(error)] };
      }
      if (errors.length) return { errors };
      if (typeof query === 'string' && query.length <= MAX_CACHED_CHARS) {
        if (valid.size >= MAX_DOCUMENTS) valid.delete(valid.keys().next().value!);
        valid.set(query, document);
      }
      return { document };
    },
  };
}

/** graphql-js's own error as it is; a stack overflow on a deeply nested document as bad input. */
function inputError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (isStackOverflow(error)) return new GraphQLError(TOO_DEEP_TO_PARSE_MESSAGE, { extensions: { code: 'BAD_USER_INPUT' } });
  throw error;
}
