import type { Metadata } from 'next';
import { ScopeInspector } from './ScopeInspector';

export const metadata: Metadata = { title: 'Scope inspector' };

export default async function ScopesPage({ searchParams }: { searchParams: Promise<{ scope?: string; scopes?: string }> }) {
  const { scope, scopes } = await searchParams;
  return <ScopeInspector initialScope={scope ?? ''} initialScopes={scopes ?? ''} />;
}
