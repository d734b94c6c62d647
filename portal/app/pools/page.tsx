import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { PoolList } from './PoolList';

export const metadata: Metadata = { title: 'Worker pools' };

export default function PoolsPage() {
  return (
    <Requires what="Worker pools" operations={['Query.workerPools', 'Query.workerPool']}>
      <PoolList />
    </Requires>
  );
}
