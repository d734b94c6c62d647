'use client';
import type { ReactNode } from 'react';
import { useMissingOperations } from '@/lib/capabilities';
import { ErrorPanel, Loading, NotAvailable } from './States';

/** Renders its children only when the gateway offers every operation named (`Query.secret`, …). */
export function Requires({ operations, what, children }: { operations: string[]; what: string; children: ReactNode }) {
  const { missing, error } = useMissingOperations(operations);
  if (error) return <ErrorPanel error={error} />;
  if (!missing) return <Loading />;
  if (missing.length) return <NotAvailable what={what} operations={missing} />;
  return <>{children}</>;
}
