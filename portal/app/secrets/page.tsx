import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { SecretList } from './SecretList';

export const metadata: Metadata = { title: 'Secrets' };

export default function SecretsPage() {
  return (
    <Requires what="Secrets" operations={['Query.secrets', 'Query.secret', 'Mutation.setSecret']}>
      <SecretList />
    </Requires>
  );
}
