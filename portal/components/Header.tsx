'use client';
// The site header: navigation, and who is signed in with their scopes.
import Link from 'next/link';
import { usePathname, useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { useQuery } from '@/lib/hooks';
import { setCredentials, useCredentials, useHydrated } from '@/lib/session';

const NAV: { href: string; label: string; match: string[] }[] = [
  { href: '/docs', label: 'Docs', match: ['/docs'] },
  { href: '/reference', label: 'Reference', match: ['/reference'] },
  { href: '/explorer', label: 'Explorer', match: ['/explorer'] },
  { href: '/tasks', label: 'Tasks', match: ['/tasks', '/groups'] },
  { href: '/roles', label: 'Roles', match: ['/roles'] },
  { href: '/clients', label: 'Clients', match: ['/clients'] },
  { href: '/scopes', label: 'Scopes', match: ['/scopes'] },
  { href: '/secrets', label: 'Secrets', match: ['/secrets'] },
  { href: '/hooks', label: 'Hooks', match: ['/hooks'] },
  { href: '/pools', label: 'Worker pools', match: ['/pools'] },
];

export const WHOAMI = `query WhoAmI { whoAmI { clientId scopes temporary } }`;

export function Header() {
  const pathname = usePathname() ?? '/';
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [pathname]);
  return (
    <header className="site-header" data-open={open}>
      <div className="site-header-inner">
        <Link href="/" className="brand" aria-label="Taskgate home">
          <span className="brand-mark" aria-hidden>
            TG
          </span>
          Taskgate
        </Link>
        <button type="button" className="nav-toggle" aria-expanded={open} aria-controls="site-nav" onClick={() => setOpen(!open)}>
          Menu
        </button>
        <nav id="site-nav" className="site-nav" aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.href} href={item.href} aria-current={item.match.some((m) => pathname.startsWith(m)) ? 'page' : undefined}>
              {item.label}
            </Link>
          ))}
        </nav>
        <Session />
      </div>
    </header>
  );
}

function Session() {
  const hydrated = useHydrated();
  const credentials = useCredentials();
  const router = useRouter();
  const who = useQuery<{ whoAmI: { clientId: string | null; scopes: string[]; temporary: boolean } }>(WHOAMI, {}, { skip: !credentials });
  if (!hydrated) return <div className="session" />;
  if (!credentials) {
    return (
      <div className="session">
        <Link className="button primary" href="/signin" data-testid="sign-in-link">
          Sign in
        </Link>
      </div>
    );
  }
  const scopes = who.data?.whoAmI.scopes ?? [];
  return (
    <div className="session" data-testid="session">
      <details>
        <summary aria-label={`Signed in as ${credentials.clientId}; show scopes`}>
          <span className="mono" data-testid="signed-in-as">
            {credentials.clientId}
          </span>{' '}
          <span className="muted small">{who.error ? '(refused)' : who.data ? `${scopes.length} scope${scopes.length === 1 ? '' : 's'}` : '…'}</span>
        </summary>
        <div className="popover" data-testid="session-scopes">
          <p className="small muted" style={{ marginTop: 0 }}>
            Signed in as <strong>{credentials.clientId}</strong> for this browser tab. Your scopes, with roles expanded:
          </p>
          {who.error ? (
            <p className="small">The gateway refused these credentials: {who.error.message}</p>
          ) : (
            <ul className="scope-list">
              {scopes.map((scope) => (
                <li key={scope}>{scope}</li>
              ))}
            </ul>
          )}
        </div>
      </details>
      <button
        type="button"
        onClick={() => {
          setCredentials(null);
          router.push('/');
        }}
      >
        Sign out
      </button>
    </div>
  );
}
