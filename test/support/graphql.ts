// A GraphQL client over real HTTP and real WebSocket, as tooling would use the gateway.
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphqlResponse<T = Record<string, any>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; details?: any } }[];
  extensions?: Record<string, any>;
}

export type Auth = string | undefined;

/** `auth` is `<clientId>:<accessToken>` or any other Bearer value. */
export async function gql<T = Record<string, any>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  auth?: Auth,
  headers: Record<string, string> = {},
): Promise<GraphqlResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphqlResponse<T>;
  return { ...body, status: response.status };
}

/** Like gql, but fails the test on any error and returns data. */
export async function gqlOk<T = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>, auth?: Auth): Promise<T> {
  const result = await gql<T>(url, query, variables, auth);
  if (result.errors?.length || !result.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** The first error's code, for asserting refusals. */
export function errorCode(result: GraphqlResponse): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

export function wsClient(url: string, auth?: Auth, options: { retryAttempts?: number } = {}): Client {
  return createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: auth ? { authorization: `Bearer ${auth}` } : {},
    retryAttempts: options.retryAttempts ?? 0,
    lazy: true,
  });
}

/** Runs one query or mutation over the WebSocket. */
export function wsQuery<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>): Promise<GraphqlResponse<T>> {
  return new Promise((resolve, reject) => {
    let result: GraphqlResponse<T> = { status: 0 };
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => (result = { ...(value as GraphqlResponse<T>), status: 0 }),
        error: reject,
        complete: () => resolve(result),
      },
    );
  });
}

/** Collects a subscription's events until stopped. */
export function wsSubscribe<T = Record<string, any>>(client: Client, query: string, variables?: Record<string, unknown>) {
  const events: GraphqlResponse<T>[] = [];
  const errors: unknown[] = [];
  let waiters: (() => void)[] = [];
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        events.push(value as GraphqlResponse<T>);
        waiters.forEach((w) => w());
        waiters = [];
      },
      error: (error) => errors.push(error),
      complete: () => undefined,
    },
  );
  return {
    events,
    errors,
    stop,
    /** Resolves once `count` events arrived (or rejects after `ms`). */
    async waitFor(count: number, ms = 10_000): Promise<GraphqlResponse<T>[]> {
      const deadline = Date.now() + ms;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${events.length}: ${JSON.stringify(errors)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return events;
    },
  };
}
