import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { PoolInspector } from '../PoolInspector';

export const metadata: Metadata = { title: 'Worker pool' };

export default async function PoolPage({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const { id } = await searchParams;
  return (
    <Requires what="Worker pools" operations={['Query.workerPool', 'Query.workers', 'Query.workerPoolErrors']}>
      <PoolInspector workerPoolId={id ?? ''} />
    </Requires>
  );
}
