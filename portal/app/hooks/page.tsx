import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { HookList } from './HookList';

export const metadata: Metadata = { title: 'Hooks' };

export default function HooksPage() {
  return (
    <Requires what="Hooks" operations={['Query.hookGroups', 'Query.hooks', 'Query.hook']}>
      <HookList />
    </Requires>
  );
}
