import type { Metadata } from 'next';
import { ClientEditor } from '../ClientEditor';

export const metadata: Metadata = { title: 'Client' };

export default async function EditClientPage({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const { id } = await searchParams;
  return <ClientEditor clientId={id ?? ''} />;
}
