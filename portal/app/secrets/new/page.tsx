import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { SecretEditor } from '../SecretEditor';

export const metadata: Metadata = { title: 'New secret' };

export default function NewSecretPage() {
  return (
    <Requires what="Secrets" operations={['Mutation.setSecret']}>
      <SecretEditor />
    </Requires>
  );
}
