import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { PoolEditor } from '../PoolEditor';

export const metadata: Metadata = { title: 'New worker pool' };

export default function NewPoolPage() {
  return (
    <Requires what="Worker pools" operations={['Mutation.createWorkerPool']}>
      <PoolEditor />
    </Requires>
  );
}
