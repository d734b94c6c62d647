'use client';
// The signed-in credentials, kept in sessionStorage: they last as long as the browser tab and go
// nowhere but to the gateway (through the portal's same-origin /graphql pass-through).
import { useSyncExternalStore } from 'react';

export interface Credentials {
  clientId: string;
  accessToken: string;
}

const KEY = 'taskgate.credentials';
const listeners = new Set<() => void>();
let cached: { raw: string | null; value: Credentials | null } = { raw: null, value: null };

export function getCredentials(): Credentials | null {
  if (typeof window === 'undefined') return null;
  const raw = window.sessionStorage.getItem(KEY);
  if (raw !== cached.raw) {
    let value: Credentials | null = null;
    try {
      const parsed = raw ? JSON.parse(raw) : null;
      if (parsed && typeof parsed.clientId === 'string' && typeof parsed.accessToken === 'string') value = parsed;
    } catch {
      value = null;
    }
    cached = { raw, value };
  }
  return cached.value;
}

export function setCredentials(credentials: Credentials | null): void {
  if (credentials) window.sessionStorage.setItem(KEY, JSON.stringify(credentials));
  else window.sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

/** The `Authorization` header value, or undefined when signed out. */
export function authorization(credentials: Credentials | null = getCredentials()): string | undefined {
  return credentials ? `Bearer ${credentials.clientId}:${credentials.accessToken}` : undefined;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current credentials; re-renders on sign-in and sign-out. Null on the server. */
export function useCredentials(): Credentials | null {
  return useSyncExternalStore(subscribe, getCredentials, () => null);
}

/** False during server rendering and hydration, true after: pages that need sessionStorage wait for it. */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
