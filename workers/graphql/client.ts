// A small GraphQL-over-HTTP client that rides out a gateway that is briefly unreachable: calls
// that fail for a reason that may pass (no connection, a 5xx, a retryable error) are retried with
// exponential backoff and jitter until they succeed, the caller's deadline passes, or the
// caller gives up (its AbortSignal). Refusals (bad input, scopes, conflicts) are never retried.
import type { Credentials } from './documents';

export class GraphqlError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'GraphqlError';
  }
}

/** The gateway could not be reached, or kept failing, until the deadline. */
export class GatewayUnavailable extends Error {
  constructor(readonly lastError: unknown) {
    super(`the gateway is unavailable: ${describe(lastError)}`);
    this.name = 'GatewayUnavailable';
  }
}

export interface CallOptions {
  /** `Bearer` value: see bearer(). */
  auth: string | undefined;
  /** Stop retrying after this time (epoch ms); default: retry for ever. */
  until?: number;
  /** Aborts the call and its retries. */
  signal?: AbortSignal;
  /** One attempt's time limit. */
  timeoutMs?: number;
  /** Called before each retry, with the failure. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 10_000;

/** The Authorization value for credentials: temporary ones travel as base64url JSON. */
export function bearer(credentials: Credentials): string {
  if (!credentials.certificate) return `${credentials.clientId}:${credentials.accessToken}`;
  return Buffer.from(JSON.stringify(credentials)).toString('base64url');
}

export class GraphqlClient {
  constructor(readonly url: string) {}

  /** The gateway's origin, for the HTTP paths beside /graphql (artifact uploads). */
  get origin(): string {
    return new URL(this.url).origin;
  }

  async call<T>(query: string, variables: Record<string, unknown>, options: CallOptions): Promise<T> {
    return withRetries(() => this.once<T>(query, variables, options), options);
  }

  private async once<T>(query: string, variables: Record<string, unknown>, options: CallOptions): Promise<T> {
    // One controller per attempt, tied to the caller's signal and a timeout, and untied after:
    // a long-lived signal (the worker's) must not collect a listener per call.
    if (options.signal?.aborted) throw options.signal.reason;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(Object.assign(new Error('the gateway did not answer in time'), { name: 'TimeoutError' })), options.timeoutMs ?? 30_000);
    const onAbort = () => controller.abort(options.signal!.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let text: string;
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.auth ? { authorization: `Bearer ${options.auth}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: controller.signal,
      });
      text = await response.text();
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    }
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string; details?: Record<string, unknown> } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpFailure(response.status, text.slice(0, 200));
    }
    const error = body.errors?.[0];
    if (error) throw new GraphqlError(error.message, error.extensions?.code ?? 'INTERNAL_SERVER_ERROR', error.extensions?.details ?? {});
    if (!response.ok || body.data === undefined || body.data === null) throw new HttpFailure(response.status, text.slice(0, 200));
    return body.data;
  }
}

export class HttpFailure extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
    this.name = 'HttpFailure';
  }
}

/** Whether trying again later may succeed. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof GraphqlError) return error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'RATE_LIMITED';
  if (error instanceof HttpFailure) return error.status >= 500 || error.status === 429 || error.status === 408;
  // fetch's network failures (TypeError "fetch failed"), timeouts and resets.
  return error instanceof Error && (error.name === 'TypeError' || error.name === 'TimeoutError' || /ECONN|EPIPE|socket|network/i.test(error.message));
}

export async function withRetries<T>(attempt: () => Promise<T>, options: Pick<CallOptions, 'until' | 'signal' | 'onRetry'>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      if (!isRetryable(error)) throw error;
      const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(tries - 1, 10)) * (0.75 + Math.random() / 2);
      if (options.until !== undefined && Date.now() + delay > options.until) throw new GatewayUnavailable(error);
      options.onRetry?.(error, tries, delay);
      await sleep(delay, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ? `${error.message} (${cause.code})` : error.message;
  }
  return String(error);
}
