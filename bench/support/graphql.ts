// A GraphQL-over-HTTP client for benchmarks: node:http with keep-alive connections reused across
// requests, data or an exception, nothing else on the hot path. Not fetch: undici's fetch spent
// ~0.5 ms of CPU per request here (web streams, abort signals, transferables), three times what
// the gateway spends on a trivial query, and the benchmarks run their clients beside the gateway.
import http from 'node:http';

export class GraphqlRequestError extends Error {
  constructor(
    message: string,
    readonly errors: unknown,
  ) {
    super(message);
  }
}

export interface GraphqlClient {
  readonly url: string;
  /** Requests that failed with INTERNAL_SERVER_ERROR and were sent again, by error message. */
  readonly retried: Map<string, number>;
  /** Posts one operation; resolves to `data`, rejects on any GraphQL or HTTP error. */
  request<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, options?: { auth?: string; signal?: AbortSignal }): Promise<T>;
}

/**
 * `retries`: how many times to resend a request that failed with INTERNAL_SERVER_ERROR, as
 * Taskcluster's clients retry 5xx answers. Only for operations that are safe to repeat
 * (createTask/createTaskGraph and the reports are idempotent; a failed claim was rolled back);
 * every retry is counted in `retried`, so a benchmark can report the server errors it absorbed.
 */
export function graphqlClient(url: string, defaultAuth?: string, retries = 0): GraphqlClient {
  const retried = new Map<string, number>();
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true });
  const once = async <T>(query: string, variables: Record<string, unknown> | undefined, options: { auth?: string; signal?: AbortSignal }): Promise<T> => {
    const auth = options.auth ?? defaultAuth;
    const payload = JSON.stringify({ query, variables });
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    if (auth) headers.authorization = `Bearer ${auth}`;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, signal: options.signal }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(payload);
    });
    let body: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new GraphqlRequestError(`GraphQL request failed (HTTP ${status}): ${text.slice(0, 200)}`, undefined);
    }
    if (body.errors?.length || !body.data) {
      throw new GraphqlRequestError(`GraphQL request failed (HTTP ${status}): ${body.errors?.map((e) => e.message).join('; ')}`, body.errors);
    }
    return body.data;
  };
  return {
    url,
    retried,
    async request<T>(query: string, variables?: Record<string, unknown>, options: { auth?: string; signal?: AbortSignal } = {}): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await once<T>(query, variables, options);
        } catch (error) {
          const first = error instanceof GraphqlRequestError ? (error.errors as { message: string; extensions?: { code?: string } }[] | undefined)?.[0] : undefined;
          if (attempt >= retries || first?.extensions?.code !== 'INTERNAL_SERVER_ERROR' || options.signal?.aborted) throw error;
          const operation = /\{\s*(\w+)/.exec(query)?.[1] ?? 'request';
          const key = `${operation}: ${first.message.replace(/[0-9a-f-]{36}/, '<id>')}`;
          retried.set(key, (retried.get(key) ?? 0) + 1);
        }
      }
    },
  };
}

/** "3 × claimWork: Internal error…" for the summary; "none" when nothing was retried. */
export function describeRetries(client: GraphqlClient): string {
  if (!client.retried.size) return 'none';
  return [...client.retried].map(([what, n]) => `${n} × ${what}`).join('; ');
}

/** The Bearer value of task credentials as claimWork returns them. */
export function credentialsBearer(credentials: { clientId: string; accessToken: string; certificate?: unknown }): string {
  return Buffer.from(JSON.stringify(credentials)).toString('base64url');
}
