'use client';
// The portal's GraphQL client: POST /graphql (forwarded to the gateway by the portal's server)
// with the signed-in credentials, and errors kept with their code and details.
import { authorization, getCredentials } from './session';

export interface GraphqlErrorShape {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; details?: Record<string, unknown> };
}

/** What went wrong, with the gateway's code (INSUFFICIENT_SCOPES, NOT_FOUND, …) and details. */
export class GatewayError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  constructor(
    message: string,
    code: string,
    details: Record<string, unknown> = {},
    readonly errors: GraphqlErrorShape[] = [],
  ) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.details = details;
  }

  static from(errors: GraphqlErrorShape[]): GatewayError {
    const first = errors[0];
    return new GatewayError(first?.message ?? 'unknown error', first?.extensions?.code ?? 'INTERNAL_SERVER_ERROR', first?.extensions?.details ?? {}, errors);
  }
}

export const GRAPHQL_PATH = '/graphql';

export function websocketUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}${GRAPHQL_PATH}`;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Use these credentials instead of the signed-in ones (sign-in checks them first). */
  auth?: string | null;
}

/** Runs a query or mutation; throws a GatewayError on any error. */
export async function gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth === undefined ? authorization(getCredentials()) : (options.auth ?? undefined);
  let response: Response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: options.signal,
    });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new GatewayError('The gateway cannot be reached: check your network and that the gateway is running.', 'NETWORK_ERROR');
  }
  let body: { data?: T; errors?: GraphqlErrorShape[] };
  try {
    body = await response.json();
  } catch {
    throw new GatewayError(`The gateway answered ${response.status} ${response.statusText} without a GraphQL body.`, 'NETWORK_ERROR');
  }
  if (body.errors?.length) throw GatewayError.from(body.errors);
  if (!body.data) throw new GatewayError('The gateway answered without data.', 'INTERNAL_SERVER_ERROR');
  return body.data;
}
