'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState } from 'react';

const GROUPS: [string, string][] = [
  ['operations', 'Operations'],
  ['object', 'Types'],
  ['input', 'Inputs'],
  ['enum', 'Enums'],
  ['scalar', 'Scalars'],
  ['interface', 'Interfaces'],
  ['union', 'Unions'],
];

export function TypeNav({ types }: { types: { name: string; kind: string }[] }) {
  const pathname = usePathname();
  const [filter, setFilter] = useState('');
  const shown = types.filter((t) => t.name.toLowerCase().includes(filter.toLowerCase()));
  return (
    <nav className="sidebar" aria-label="Schema types">
      <label htmlFor="type-filter" className="visually-hidden">
        Filter types
      </label>
      <input id="type-filter" type="search" placeholder="Filter types" value={filter} onChange={(e) => setFilter(e.target.value)} style={{ marginBottom: 8 }} />
      <ul>
        <li>
          <Link href="/reference" aria-current={pathname === '/reference' ? 'page' : undefined}>
            Reference home and search
          </Link>
        </li>
      </ul>
      {GROUPS.map(([kind, title]) => {
        const group = shown.filter((t) => t.kind === kind);
        if (!group.length) return null;
        return (
          <div key={kind}>
            <h2>{title}</h2>
            <ul>
              {group.map((t) => (
                <li key={t.name}>
                  <Link href={`/reference/${t.name}`} aria-current={pathname === `/reference/${t.name}` ? 'page' : undefined} prefetch={false}>
                    {t.name}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}
