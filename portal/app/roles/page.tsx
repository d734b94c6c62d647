import type { Metadata } from 'next';
import { RoleList } from './RoleList';

export const metadata: Metadata = { title: 'Roles' };

export default function RolesPage() {
  return <RoleList />;
}
