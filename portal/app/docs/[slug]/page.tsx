import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { DOC_PAGES, findDoc } from '@/lib/docs-index';

export const dynamicParams = false;

export function generateStaticParams() {
  return DOC_PAGES.map((page) => ({ slug: page.slug }));
}

export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }): Promise<Metadata> {
  const { slug } = await params;
  return { title: findDoc(slug)?.title ?? 'Docs' };
}

export default async function DocPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const page = findDoc(slug);
  if (!page) notFound();
  const { default: Content } = await import(`@/content/${slug}.mdx`);
  const index = DOC_PAGES.indexOf(page);
  const previous = DOC_PAGES[index - 1];
  const next = DOC_PAGES[index + 1];
  return (
    <>
      <Content />
      <hr />
      <nav className="row" style={{ justifyContent: 'space-between' }} aria-label="Previous and next page">
        {previous ? <Link href={`/docs/${previous.slug}`}>← {previous.title}</Link> : <span />}
        {next ? <Link href={`/docs/${next.slug}`}>{next.title} →</Link> : <span />}
      </nav>
    </>
  );
}
