'use client';
// A scopes textarea (one scope per line) beside the live expansion of what it grants, asked of
// the gateway as you type (expandScopes).
import { useMemo } from 'react';
import { ErrorPanel } from '@/components/States';
import { useDebounced, useQuery } from '@/lib/hooks';

export function parseScopes(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ];
}

export function ScopesEditor({
  id,
  value,
  onChange,
  label = 'Scopes',
  hint = 'One scope per line. A trailing * matches every scope that starts with what comes before it.',
  expansionTitle = 'Expanded scopes',
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  label?: string;
  hint?: string;
  expansionTitle?: string;
}) {
  return (
    <div className="grid-2">
      <div>
        <label htmlFor={id}>{label}</label>
        <textarea id={id} value={value} onChange={(e) => onChange(e.target.value)} spellCheck={false} rows={10} data-testid="scopes-input" />
        <div className="field-hint">{hint}</div>
      </div>
      <Expansion scopes={parseScopes(value)} title={expansionTitle} />
    </div>
  );
}

export function Expansion({ scopes, title = 'Expanded scopes' }: { scopes: string[]; title?: string }) {
  // Debounced as text: a new array each render would restart the timer forever.
  const settledText = useDebounced(scopes.join('\n'), 250);
  const settled = useMemo(() => (settledText ? settledText.split('\n') : []), [settledText]);
  const state = useQuery<{ expandScopes: string[] }>(`query ExpandScopes($scopes: [String!]!) { expandScopes(scopes: $scopes) }`, { scopes: settled });
  const direct = useMemo(() => new Set(settled), [settled]);
  const expanded = state.data?.expandScopes;
  return (
    <div>
      <div className="label-like" style={{ fontWeight: 600, margin: '10px 0 4px', fontSize: '0.92rem' }}>
        {title}{' '}
        <span className="muted small" aria-live="polite">
          {state.loading ? 'updating…' : expanded ? `${expanded.length} scope${expanded.length === 1 ? '' : 's'}` : ''}
        </span>
      </div>
      <div className="card" style={{ minHeight: 120, maxHeight: 360, overflow: 'auto' }} data-testid="expanded-scopes">
        {state.error ? (
          <ErrorPanel error={state.error} title="These scopes cannot be expanded" />
        ) : expanded && expanded.length === 0 ? (
          <span className="muted">No scopes.</span>
        ) : (
          <ul className="scope-list">
            {(expanded ?? []).map((scope) => (
              <li key={scope} className={direct.has(scope) ? undefined : 'added'} title={direct.has(scope) ? 'given directly' : 'granted through a role'}>
                {scope}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="field-hint">Green scopes come from roles the scopes above can assume.</div>
    </div>
  );
}
