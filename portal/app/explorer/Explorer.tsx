'use client';
// GraphiQL against the gateway, with the signed-in credentials: queries and mutations over
// HTTP (/graphql on this origin, forwarded to the gateway), subscriptions over graphql-ws.
import type { Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/setup-workers/webpack';
import 'graphiql/style.css';
import { Kind, parse } from 'graphql';
import { GRAPHQL_PATH } from '@/lib/graphql';
import { authorization } from '@/lib/session';
import { wsClient } from '@/lib/ws';

const DEFAULT_QUERY = `# Welcome to the Taskgate explorer. Ctrl-Enter runs the operation;
# Ctrl-Space completes; the Docs button lists every type.
query WhoAmI {
  whoAmI { clientId scopes }
}
`;

function isSubscription(query: string, operationName?: string | null): boolean {
  try {
    const operations = parse(query).definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const chosen = operationName ? operations.find((o) => o.kind === Kind.OPERATION_DEFINITION && o.name?.value === operationName) : operations[0];
    return chosen?.kind === Kind.OPERATION_DEFINITION && chosen.operation === 'subscription';
  } catch {
    return false;
  }
}

const fetcher: Fetcher = async (params) => {
  if (isSubscription(params.query, params.operationName)) {
    return wsClient().iterate({ query: params.query, variables: params.variables ?? undefined, operationName: params.operationName ?? undefined });
  }
  const auth = authorization();
  const response = await fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(params),
  });
  return response.json();
};

export function Explorer({ query, variables }: { query?: string; variables?: string }) {
  return <GraphiQL fetcher={fetcher} defaultQuery={DEFAULT_QUERY} initialQuery={query} initialVariables={variables} />;
}
