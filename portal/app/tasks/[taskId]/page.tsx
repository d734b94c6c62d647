import type { Metadata } from 'next';
import { TaskInspector } from './TaskInspector';

export async function generateMetadata({ params }: { params: Promise<{ taskId: string }> }): Promise<Metadata> {
  const { taskId } = await params;
  return { title: `Task ${taskId}` };
}

export default async function TaskPage({ params }: { params: Promise<{ taskId: string }> }) {
  const { taskId } = await params;
  return <TaskInspector taskId={taskId} />;
}
