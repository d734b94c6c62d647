import type { Metadata } from 'next';
import Link from 'next/link';
import { DOC_SECTIONS } from '@/lib/docs-index';

export const metadata: Metadata = { title: 'Docs' };

export default function DocsHome() {
  return (
    <>
      <h1>Taskgate docs</h1>
      <p>
        Taskgate runs <strong>tasks</strong> — a command, a container of work — on <strong>workers</strong> that can be anywhere, and everything
        goes through one GraphQL gateway. These pages take you from nothing to running task graphs with secrets, hooks and worker pools. Every code
        sample here is run by the test suite against a live gateway, so what you read is what works.
      </p>
      <p>
        Start with <Link href="/docs/overview">what Taskgate is</Link>, then <Link href="/docs/hello-world">hello world</Link>.
      </p>
      {DOC_SECTIONS.map((section) => (
        <section key={section.title}>
          <h2>{section.title}</h2>
          <ul>
            {section.pages.map((page) => (
              <li key={page.slug}>
                <Link href={`/docs/${page.slug}`}>{page.title}</Link> — {page.summary}
              </li>
            ))}
          </ul>
        </section>
      ))}
      <h2>Reference</h2>
      <p>
        The <Link href="/reference">API reference</Link> lists every type, field and argument, generated from the gateway&apos;s schema. The{' '}
        <Link href="/explorer">explorer</Link> runs queries with your credentials.
      </p>
    </>
  );
}
