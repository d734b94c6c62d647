// Recognises "the database cannot be reached" among driver errors, so callers get a clear,
// retryable error instead of an internal one. The pool reconnects by itself when it returns.
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_CANTOPEN',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  // TypeORM keeps the driver's error as `driverError`; Apollo and our transport errors keep what
  // was thrown (e.g. while authenticating) as `originalError`.
  type Chained = { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown; originalError?: unknown };
  let e = error as Chained | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && /Can't add new command when connection is in closed state/i.test(e.message)) return true;
    e = (e.driverError ?? e.originalError ?? e.cause) as Chained | undefined;
  }
  return false;
}
