import type { Metadata } from 'next';
import { TasksHome } from './TasksHome';

export const metadata: Metadata = { title: 'Tasks' };

export default function TasksPage() {
  return <TasksHome />;
}
