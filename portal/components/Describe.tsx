// A schema description as text: `code` spans, and paragraphs. No HTML from the schema is trusted.
import { Fragment } from 'react';

export function Describe({ text, className }: { text: string; className?: string }) {
  if (!text) return null;
  return (
    <div className={className}>
      {text.split(/\n\s*\n/).map((paragraph, i) => (
        <p key={i} style={{ margin: '0 0 6px' }}>
          {paragraph.split('`').map((part, j) => (j % 2 === 1 ? <code key={j}>{part}</code> : <Fragment key={j}>{part}</Fragment>))}
        </p>
      ))}
    </div>
  );
}
