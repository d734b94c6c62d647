import type { Metadata } from 'next';
import { ClientEditor } from '../ClientEditor';

export const metadata: Metadata = { title: 'Create client' };

export default function NewClientPage() {
  return <ClientEditor />;
}
