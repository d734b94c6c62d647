'use client';
// Searches types, fields and operations by name and description, as you type.
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';

interface Entry {
  label: string;
  href: string;
  kind: string;
  text: string;
}

export function ReferenceSearch({ entries }: { entries: Entry[] }) {
  const [query, setQuery] = useState('');
  const router = useRouter();
  const results = useMemo(() => {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const scored: [number, Entry][] = [];
    for (const entry of entries) {
      const label = entry.label.toLowerCase();
      const name = label.split('.').pop()!;
      let score = -1;
      if (name === q || label === q) score = 0;
      else if (name.startsWith(q)) score = 1;
      else if (label.includes(q)) score = 2;
      else if (entry.text.toLowerCase().includes(q)) score = 3;
      if (score >= 0) scored.push([score, entry]);
    }
    return scored.sort((a, b) => a[0] - b[0] || a[1].label.length - b[1].label.length).slice(0, 50).map(([, e]) => e);
  }, [entries, query]);

  return (
    <section aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <label htmlFor="reference-search" className="visually-hidden">
        Search the API reference
      </label>
      <input
        id="reference-search"
        type="search"
        autoFocus
        placeholder="e.g. claimWork, TaskStatus, deadline, scopes"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && results[0]) router.push(results[0].href);
        }}
        aria-describedby="search-hint"
      />
      <div id="search-hint" className="field-hint">
        Names of types, fields and operations, and words of their descriptions. Enter opens the first result.
      </div>
      {query.trim() && (
        <>
          <p className="small muted" aria-live="polite">
            {results.length === 0 ? 'Nothing matches.' : `${results.length}${results.length === 50 ? '+' : ''} results`}
          </p>
          <ul className="search-results" data-testid="reference-results">
            {results.map((entry) => (
              <li key={entry.href}>
                <Link href={entry.href} className="mono">
                  {entry.label}
                </Link>{' '}
                <span className="badge state-unscheduled">{entry.kind}</span>
                {entry.text && <div className="small muted">{entry.text}</div>}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
