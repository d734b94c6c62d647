import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { SecretEditor } from '../SecretEditor';

export const metadata: Metadata = { title: 'Secret' };

export default async function SecretPage({ searchParams }: { searchParams: Promise<{ name?: string }> }) {
  const { name } = await searchParams;
  return (
    <Requires what="Secrets" operations={['Query.secret', 'Mutation.setSecret']}>
      <SecretEditor name={name ?? ''} />
    </Requires>
  );
}
