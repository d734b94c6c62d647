// A GraphQL-over-HTTP client for benchmarks: Node's fetch (undici, keep-alive connections reused
// across requests), data or an exception, nothing else on the hot path.

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
  const once = async <T>(query: string, variables: Record<string, unknown> | undefined, options: { auth?: string; signal?: AbortSignal }): Promise<T> => {
    const auth = options.auth ?? defaultAuth;
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: options.signal,
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
    if (body.errors?.length || !body.data) {
      throw new GraphqlRequestError(`GraphQL request failed (HTTP ${response.status}): ${body.errors?.map((e) => e.message).join('; ')}`, body.errors);
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
