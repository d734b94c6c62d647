import type { Metadata } from 'next';
import { GroupInspector } from './GroupInspector';

export async function generateMetadata({ params }: { params: Promise<{ taskGroupId: string }> }): Promise<Metadata> {
  const { taskGroupId } = await params;
  return { title: `Group ${taskGroupId}` };
}

export default async function GroupPage({ params }: { params: Promise<{ taskGroupId: string }> }) {
  const { taskGroupId } = await params;
  return <GroupInspector taskGroupId={taskGroupId} />;
}
