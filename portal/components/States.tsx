'use client';
// Loading, empty, error and "not available" states, the same on every page.
import Link from 'next/link';
import type { ReactNode } from 'react';
import { GatewayError } from '@/lib/graphql';
import { useCredentials } from '@/lib/session';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state-box loading" role="status" aria-live="polite">
      {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="state-box" data-testid="empty">
      {children}
    </div>
  );
}

export function NotAvailable({ what, operations }: { what: string; operations: string[] }) {
  return (
    <div className="notice" role="status" data-testid="not-available">
      <strong>{what} is not available on this gateway yet.</strong> The gateway does not offer{' '}
      {operations.map((op, i) => (
        <span key={op}>
          {i > 0 && ', '}
          <code>{op}</code>
        </span>
      ))}
      ; this page works once it does.
    </div>
  );
}

/** Shows any error; INSUFFICIENT_SCOPES lists the missing scopes and the roles that grant them. */
export function ErrorPanel({ error, title, onRetry }: { error: unknown; title?: string; onRetry?: () => void }) {
  const credentials = useCredentials();
  if (!error) return null;
  const e = error instanceof GatewayError ? error : new GatewayError(error instanceof Error ? error.message : String(error), 'ERROR');
  const retry = onRetry && (
    <button type="button" onClick={onRetry}>
      Try again
    </button>
  );
  if (e.code === 'INSUFFICIENT_SCOPES') {
    const missing = (e.details.missing as string[] | undefined) ?? [];
    const roles = (e.details.grantingRoles as string[] | undefined) ?? [];
    return (
      <div className="alert" role="alert" data-testid="insufficient-scopes">
        <h2>{title ?? 'Insufficient scopes'}</h2>
        <p>
          {e.details.action ? <code>{String(e.details.action)}</code> : 'This'} needs scopes that{' '}
          {credentials ? (
            <>
              <strong>{credentials.clientId}</strong> does not hold
            </>
          ) : (
            'an anonymous visitor does not hold'
          )}
          .
        </p>
        <h3>Missing scopes</h3>
        <ul className="scope-list" data-testid="missing-scopes">
          {missing.map((scope) => (
            <li key={scope}>{scope}</li>
          ))}
        </ul>
        {roles.length > 0 ? (
          <>
            <h3>Roles that would grant them</h3>
            <ul className="scope-list" data-testid="granting-roles">
              {roles.map((role) => (
                <li key={role}>
                  <Link href={`/roles/edit?id=${encodeURIComponent(role)}`}>assume:{role}</Link>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <p className="small">No role grants them: ask an administrator to add them to your client or to one of your roles.</p>
        )}
        <p className="row">
          <Link className="button" href="/signin">
            {credentials ? 'Sign in as another client' : 'Sign in'}
          </Link>
          <Link className="button" href={`/scopes?scope=${encodeURIComponent(missing[0] ?? '')}`}>
            Who holds it?
          </Link>
          {retry}
        </p>
      </div>
    );
  }
  const headings: Record<string, string> = {
    UNAUTHENTICATED: 'Not signed in, or the credentials were refused',
    NOT_FOUND: 'Not found',
    BAD_USER_INPUT: 'The gateway refused the input',
    CONFLICT: 'Conflict',
    EXPIRED: 'Expired',
    TOO_COMPLEX: 'The request is too complex',
    RATE_LIMITED: 'Too many requests',
    NETWORK_ERROR: 'The gateway cannot be reached',
    GATEWAY_UNREACHABLE: 'The gateway cannot be reached',
    INTERNAL_SERVER_ERROR: 'The gateway had an internal error',
  };
  return (
    <div className="alert" role="alert" data-testid="error" data-code={e.code}>
      <h2>{title ?? headings[e.code] ?? 'Something went wrong'}</h2>
      <p>{e.message}</p>
      <p className="small muted">
        Code <code>{e.code}</code>
        {typeof e.details.field === 'string' && (
          <>
            {' '}
            · field <code>{e.details.field}</code>
          </>
        )}
      </p>
      <div className="row">
        {e.code === 'UNAUTHENTICATED' && (
          <Link className="button" href="/signin">
            Sign in
          </Link>
        )}
        {retry}
      </div>
    </div>
  );
}

/** The usual trio: loading until data or an error, then the children with the data. */
export function QueryView<T>({
  state,
  what,
  children,
}: {
  state: { data: T | undefined; error: Error | undefined; loading: boolean; reload: () => void };
  what?: string;
  children: (data: T) => ReactNode;
}) {
  if (state.error) return <ErrorPanel error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}
