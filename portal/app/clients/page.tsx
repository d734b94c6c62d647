import type { Metadata } from 'next';
import { ClientList } from './ClientList';

export const metadata: Metadata = { title: 'Clients' };

export default function ClientsPage() {
  return <ClientList />;
}
