import type { Metadata } from 'next';
import { RoleEditor } from '../RoleEditor';

export const metadata: Metadata = { title: 'Create role' };

export default function NewRolePage() {
  return <RoleEditor />;
}
