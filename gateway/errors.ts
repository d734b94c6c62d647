// Maps every error to one code of the closed set (DESIGN §6). Domain errors keep their message
// and details; database outages get a clear retryable message; anything else is logged by the
// caller with the request id and shown only as "internal error".
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../entities/db/unavailable';
import { DomainError, ErrorCode } from '../entities/errors';

/** Apollo's and graphql-js's own codes, all of which mean "the request itself is wrong". */
const INPUT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);
const OWN_CODES = new Set<string>(['TOO_COMPLEX', 'UNAUTHENTICATED', 'RATE_LIMITED', 'INSUFFICIENT_SCOPES', 'NOT_FOUND', 'CONFLICT', 'EXPIRED']);

/**
 * graphql-js gives up validating when comparing same-named fields would take too long (thousands
 * of `a: currentScopes` or `__typename` in one selection) and says only this.
 */
const VALIDATION_ABORTED = 'Validation aborted.';
export const VALIDATION_ABORTED_MESSAGE =
  'the operation is too large to validate: too many fields share one response name (repeated fields or aliases); send fewer fields';

/**
 * graphql-js parses by recursion: a document nesting a few thousand lists, objects or selections
 * (within the token limit) overflows the stack, and its parser says only "Maximum call stack
 * size exceeded".
 */
export const TOO_DEEP_TO_PARSE_MESSAGE = 'the document nests lists, objects or selections too deeply to parse; real operations nest a few levels';

/** Whether `error`, or what it wraps, is a stack overflow. */
export function isStackOverflow(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
    if (e instanceof RangeError && e.message.includes('call stack')) return true;
  }
  return false;
}

export const DATABASE_UNAVAILABLE_MESSAGE = 'The database cannot be reached right now; retry in a few seconds.';

export interface Classified {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** True when the error is unexpected and must be logged with the request id. */
  internal: boolean;
}

export function classifyError(error: unknown, fallbackMessage?: string): Classified {
  const original = unwrapResolverError(error);
  if (original instanceof DomainError) {
    return { code: original.code, message: original.message, details: original.details, internal: false };
  }
  if (isDatabaseUnavailable(original)) {
    return { code: 'INTERNAL_SERVER_ERROR', message: DATABASE_UNAVAILABLE_MESSAGE, details: { retryable: true }, internal: false };
  }
  // Apollo's parse, validation and variable errors carry graphql-js's error as `originalError`,
  // so their code is trusted whether or not one is set. (Resolver errors were unwrapped above.)
  // A GraphQLError without any code is graphql-js's own validation error (the WebSocket path);
  // one without a path is a request error too (variable coercion), since resolver errors carry
  // the path of the field that threw and were unwrapped above.
  if (original instanceof GraphQLError && (original.extensions?.code !== undefined || !original.originalError || !original.path)) {
    const code = String(original.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED');
    if (OWN_CODES.has(code)) {
      return { code: code as ErrorCode, message: original.message, details: original.extensions?.details as Record<string, unknown>, internal: false };
    }
    if (code === 'GRAPHQL_VALIDATION_FAILED' && original.message === VALIDATION_ABORTED) {
      return { code: 'TOO_COMPLEX', message: VALIDATION_ABORTED_MESSAGE, internal: false };
    }
    if (INPUT_CODES.has(code)) {
      return { code: 'BAD_USER_INPUT', message: isStackOverflow(original) ? TOO_DEEP_TO_PARSE_MESSAGE : withoutVariableValue(original), internal: false };
    }
  }
  return { code: 'INTERNAL_SERVER_ERROR', message: fallbackMessage ?? 'Internal error', internal: true };
}

/**
 * graphql-js words a bad variable as `Variable "$x" got invalid value <the whole value> at "x.f";
 * <why>`. That value may be a secret or a token the caller sent (a mistyped field next to a
 * secret's value echoes the value): keep where and why, drop what.
 */
export function withoutVariableValue(error: GraphQLError): string {
  const reason = error.originalError?.message;
  if (reason === undefined || !error.message.startsWith('Variable "$') || !error.message.endsWith(`; ${reason}`)) return error.message;
  const prefix = error.message.slice(0, -(reason.length + 2));
  const match = /^(Variable "\$[^"]*") got invalid value [\s\S]*?(?: at ("[^"]*"))?$/.exec(prefix);
  if (!match) return error.message;
  return `${match[1]} got an invalid value${match[2] ? ` at ${match[2]}` : ''}; ${reason}`;
}

/**
 * The request each error arose in, noted when a request meets it (Apollo's formatError is given
 * no context). A map rather than an AsyncLocalStorage: holding a store switches on Node's promise
 * hooks, which cost ~5 % of the gateway's CPU in bench/queue-throughput.
 */
const requestIds = new WeakMap<object, string>();

/** The error and the one it wraps, if any: Apollo hands formatError either. */
function errorAndOriginal(error: unknown): object[] {
  if (typeof error !== 'object' || error === null) return [];
  const original = (error as { originalError?: unknown }).originalError;
  return typeof original === 'object' && original !== null ? [error, original] : [error];
}

export function noteRequestId(error: unknown, requestId: string): void {
  for (const e of errorAndOriginal(error)) requestIds.set(e, requestId);
}

export function requestIdOf(error: unknown): string | undefined {
  for (const e of errorAndOriginal(error)) {
    const id = requestIds.get(e);
    if (id) return id;
  }
  return undefined;
}

export function formatError(requestId: (error: unknown) => string | undefined) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const id = requestId(error);
    const c = classifyError(error, `Internal error; quote request id ${id ?? 'unknown'} when reporting it.`);
    const extensions: Record<string, unknown> = { code: c.code };
    if (c.details && Object.keys(c.details).length) extensions.details = c.details;
    return { message: c.message, locations: formatted.locations, path: formatted.path, extensions };
  };
}

/**
 * A GraphQLError with one of our codes, for errors raised in the transport layer. `cause` is kept
 * as `originalError`, so formatting classifies the error by what actually happened.
 */
export function transportError(code: ErrorCode, message: string, details?: Record<string, unknown>, httpStatus?: number, cause?: unknown): GraphQLError {
  return new GraphQLError(message, {
    originalError: cause instanceof Error ? cause : undefined,
    extensions: { code, ...(details ? { details } : {}), ...(httpStatus ? { http: { status: httpStatus } } : {}) },
  });
}
