import type { Metadata } from 'next';
import Link from 'next/link';
import { searchIndex } from '@/lib/schema';
import { ReferenceSearch } from './ReferenceSearch';

export const metadata: Metadata = { title: 'API reference' };

export default function ReferenceHome() {
  return (
    <div className="prose">
      <h1>API reference</h1>
      <p>
        Every type, field and argument of the gateway&apos;s GraphQL schema, generated from <code>gateway/schema.graphql</code> when the portal was
        built. Start from the operations: <Link href="/reference/Query">queries</Link>, <Link href="/reference/Mutation">mutations</Link> and{' '}
        <Link href="/reference/Subscription">subscriptions</Link>. The <Link href="/docs/graphql-api">API guide</Link> explains authentication,
        errors, pagination and limits.
      </p>
      <ReferenceSearch entries={searchIndex()} />
    </div>
  );
}
