'use client';
import { useState } from 'react';

/** Copies text to the clipboard and says so; falls back to selecting it where the clipboard is closed. */
export function CopyButton({ text, label = 'Copy', className }: { text: string; label?: string; className?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>();
  return (
    <button
      type="button"
      className={className}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied('yes');
        } catch {
          setCopied('no');
        }
        setTimeout(() => setCopied(undefined), 2000);
      }}
      aria-live="polite"
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Copy blocked: select and copy' : label}
    </button>
  );
}
