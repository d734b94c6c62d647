'use client';
// One graphql-ws client per signed-in identity, over the portal's same-origin /graphql WebSocket.
// It reconnects by itself; subscriptions are resumed with their original variables, so a
// consumer that can resume (taskLog's fromLine) must ignore what it has already seen.
import { createClient, type Client } from 'graphql-ws';
import { authorization, getCredentials } from './session';
import { websocketUrl, type GraphqlErrorShape } from './graphql';

let current: { auth: string | undefined; client: Client } | undefined;

export function wsClient(): Client {
  const auth = authorization(getCredentials());
  if (current && current.auth === auth) return current.client;
  current?.client.dispose();
  const client = createClient({
    url: websocketUrl(),
    connectionParams: auth ? { authorization: auth } : {},
    lazy: true,
    lazyCloseTimeout: 2000,
    retryAttempts: 1000,
    // A refused sign-in (4403) will not get better by retrying.
    shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && (event as CloseEvent).code === 4403),
  });
  current = { auth, client };
  return client;
}

/**
 * Calls `listener` each time the connection is back after a drop (its subscriptions are then
 * being resumed): whatever they would have delivered meanwhile was missed. Returns the function
 * that stops listening.
 */
export function onReconnected(listener: () => void): () => void {
  return wsClient().on('connected', (_socket, _payload, wasRetry) => {
    if (wasRetry) listener();
  });
}

export interface SubscriptionHandlers<T> {
  next: (data: T) => void;
  error?: (errors: GraphqlErrorShape[] | Error) => void;
  complete?: () => void;
}

/** Subscribes; returns the function that stops it. */
export function subscribe<T>(query: string, variables: Record<string, unknown>, handlers: SubscriptionHandlers<T>): () => void {
  return wsClient().subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors?.length) handlers.error?.(value.errors as GraphqlErrorShape[]);
        else if (value.data) handlers.next(value.data as T);
      },
      error: (error) => {
        if (Array.isArray(error)) handlers.error?.(error as GraphqlErrorShape[]);
        else if (error instanceof Error) handlers.error?.(error);
        else handlers.error?.(new Error(describeClose(error)));
      },
      complete: () => handlers.complete?.(),
    },
  );
}

function describeClose(event: unknown): string {
  if (event && typeof event === 'object' && 'code' in event) {
    const close = event as CloseEvent;
    return close.reason || `the live connection closed (${close.code})`;
  }
  return 'the live connection failed';
}
