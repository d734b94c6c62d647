import type { Metadata } from 'next';
import { RoleEditor } from '../RoleEditor';

export const metadata: Metadata = { title: 'Role' };

export default async function EditRolePage({ searchParams }: { searchParams: Promise<{ id?: string }> }) {
  const { id } = await searchParams;
  return <RoleEditor roleId={id ?? ''} />;
}
