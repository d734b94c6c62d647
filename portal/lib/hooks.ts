'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { GatewayError, gql, type GraphqlErrorShape } from './graphql';
import { useCredentials, useHydrated } from './session';
import { onReconnected, subscribe } from './ws';

export interface QueryState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
  /** Replaces the data in place (live updates, optimistic edits). */
  setData: (update: (data: T | undefined) => T | undefined) => void;
}

/**
 * Runs a query when its variables change (compared as JSON) and again on sign-in or sign-out.
 * `skip` holds it back (e.g. until a required input exists).
 */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, options: { skip?: boolean } = {}): QueryState<T> {
  const credentials = useCredentials();
  // Credentials live in sessionStorage: nothing runs before hydration, so a page never asks
  // anonymously first and again signed in.
  const hydrated = useHydrated();
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: !options.skip });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => {
    if (!hydrated) return;
    if (options.skip) {
      setState({ loading: false });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    gql<T>(query, JSON.parse(key), { signal: abort.signal }).then(
      (data) => !abort.signal.aborted && setState({ data, loading: false }),
      (error: Error) => !abort.signal.aborted && error.name !== 'AbortError' && setState({ error, loading: false }),
    );
    return () => abort.abort();
  }, [query, key, generation, credentials?.clientId, credentials?.accessToken, options.skip, hydrated]);

  const setData = useCallback((update: (data: T | undefined) => T | undefined) => setState((s) => ({ ...s, data: update(s.data) })), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, setData };
}

/** A mutation with its running and error state. */
export function useMutation<T, V extends Record<string, unknown> = Record<string, unknown>>(query: string) {
  const [state, setState] = useState<{ running: boolean; error?: Error; data?: T }>({ running: false });
  const run = useCallback(
    async (variables: V): Promise<T | undefined> => {
      setState({ running: true });
      try {
        const data = await gql<T>(query, variables);
        setState({ running: false, data });
        return data;
      } catch (error) {
        setState({ running: false, error: error as Error });
        return undefined;
      }
    },
    [query],
  );
  const reset = useCallback(() => setState({ running: false }), []);
  return { run, reset, ...state };
}

/**
 * Subscribes while mounted and `enabled`; `onData` always sees the latest closure. Errors are
 * reported through the returned state. `onResumed` is called when the connection came back after
 * a drop, for a consumer to catch up on what it missed meanwhile.
 */
export function useSubscription<T>(
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
  enabled = true,
  onResumed?: () => void,
): { error: Error | undefined; live: boolean } {
  const credentials = useCredentials();
  const hydrated = useHydrated();
  const handler = useRef(onData);
  handler.current = onData;
  const resumed = useRef(onResumed);
  resumed.current = onResumed;
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ error?: Error; live: boolean }>({ live: false });

  useEffect(() => {
    if (!enabled || !hydrated) return;
    setState({ live: true });
    const stop = subscribe<T>(query, JSON.parse(key), {
      next: (data) => handler.current(data),
      error: (error) => setState({ live: false, error: Array.isArray(error) ? GatewayError.from(error as GraphqlErrorShape[]) : error }),
      complete: () => setState((s) => ({ ...s, live: false })),
    });
    const stopListening = onReconnected(() => resumed.current?.());
    return () => {
      stopListening();
      stop();
    };
  }, [query, key, enabled, hydrated, credentials?.clientId, credentials?.accessToken]);
  return { error: state.error, live: state.live };
}

/** A value that settles `ms` after the last change (for "as you type" queries). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}
