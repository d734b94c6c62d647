import type { ReactNode } from 'react';
import { referenceTypes } from '@/lib/schema';
import { TypeNav } from './TypeNav';

export default function ReferenceLayout({ children }: { children: ReactNode }) {
  const types = referenceTypes().map((t) => ({ name: t.name, kind: t.kind }));
  return (
    <div className="with-sidebar">
      <TypeNav types={types} />
      <div style={{ minWidth: 0 }}>{children}</div>
    </div>
  );
}
