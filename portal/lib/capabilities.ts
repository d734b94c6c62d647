'use client';
// Which operations this gateway offers, asked once per page load. Pages for areas a gateway may
// not have yet (secrets, hooks, worker pools, live logs) say so instead of failing.
import { useEffect, useState } from 'react';
import { gql } from './graphql';

export type Operations = Set<string>;

let cached: Promise<Operations> | undefined;

export function operations(): Promise<Operations> {
  cached ??= gql<{ __schema: Record<'queryType' | 'mutationType' | 'subscriptionType', { fields: { name: string }[] } | null> }>(
    `query Capabilities { __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }`,
    {},
    { auth: null },
  ).then(
    (data) => {
      const ops = new Set<string>();
      const add = (prefix: string, type: { fields: { name: string }[] } | null) => type?.fields.forEach((f) => ops.add(`${prefix}.${f.name}`));
      add('Query', data.__schema.queryType);
      add('Mutation', data.__schema.mutationType);
      add('Subscription', data.__schema.subscriptionType);
      return ops;
    },
    (error) => {
      cached = undefined;
      throw error;
    },
  );
  return cached;
}

/** undefined while asking; then which of `wanted` (e.g. `Query.secret`) the gateway lacks. */
export function useMissingOperations(wanted: string[]): { missing: string[] | undefined; error: unknown } {
  const key = wanted.join(',');
  const [state, setState] = useState<{ missing: string[] | undefined; error: unknown }>({ missing: undefined, error: undefined });
  useEffect(() => {
    let stopped = false;
    operations().then(
      (ops) => !stopped && setState({ missing: key.split(',').filter((op) => !ops.has(op)), error: undefined }),
      (error) => !stopped && setState({ missing: undefined, error }),
    );
    return () => {
      stopped = true;
    };
  }, [key]);
  return state;
}
