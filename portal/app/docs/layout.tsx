import type { ReactNode } from 'react';
import { DocsNav } from './DocsNav';

export default function DocsLayout({ children }: { children: ReactNode }) {
  return (
    <div className="with-sidebar">
      <DocsNav />
      <article className="prose">{children}</article>
    </div>
  );
}
