import type { Metadata } from 'next';
import { ExplorerLoader } from './ExplorerLoader';

export const metadata: Metadata = { title: 'Explorer' };

export default async function ExplorerPage({ searchParams }: { searchParams: Promise<{ query?: string; variables?: string }> }) {
  const { query, variables } = await searchParams;
  return <ExplorerLoader query={query} variables={variables} />;
}
