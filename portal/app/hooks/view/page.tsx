import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { HookEditor } from '../HookEditor';

export const metadata: Metadata = { title: 'Hook' };

export default async function HookPage({ searchParams }: { searchParams: Promise<{ group?: string; id?: string }> }) {
  const { group, id } = await searchParams;
  return (
    <Requires what="Hooks" operations={['Query.hook', 'Mutation.updateHook', 'Mutation.triggerHook', 'Query.hookLastFires']}>
      <HookEditor hookGroupId={group ?? ''} hookId={id ?? ''} />
    </Requires>
  );
}
