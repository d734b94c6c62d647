'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { DOC_SECTIONS } from '@/lib/docs-index';

export function DocsNav() {
  const pathname = usePathname();
  return (
    <nav className="sidebar" aria-label="Docs">
      <ul>
        <li>
          <Link href="/docs" aria-current={pathname === '/docs' ? 'page' : undefined}>
            Docs home
          </Link>
        </li>
      </ul>
      {DOC_SECTIONS.map((section) => (
        <div key={section.title}>
          <h2>{section.title}</h2>
          <ul>
            {section.pages.map((page) => (
              <li key={page.slug}>
                <Link href={`/docs/${page.slug}`} aria-current={pathname === `/docs/${page.slug}` ? 'page' : undefined}>
                  {page.title}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}
