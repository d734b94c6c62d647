import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { HookEditor } from '../HookEditor';

export const metadata: Metadata = { title: 'New hook' };

export default function NewHookPage() {
  return (
    <Requires what="Hooks" operations={['Mutation.createHook']}>
      <HookEditor />
    </Requires>
  );
}
