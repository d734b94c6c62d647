import type { Metadata } from 'next';
import { Requires } from '@/components/Requires';
import { LogViewer } from './LogViewer';

export async function generateMetadata({ params }: { params: Promise<{ taskId: string; runId: string }> }): Promise<Metadata> {
  const { taskId, runId } = await params;
  return { title: `Log of ${taskId} run ${runId}` };
}

export default async function LogPage({ params }: { params: Promise<{ taskId: string; runId: string }> }) {
  const { taskId, runId } = await params;
  return (
    <Requires what="The live log" operations={['Subscription.taskLog']}>
      <LogViewer taskId={taskId} runId={Number(runId)} />
    </Requires>
  );
}
