// The chaos run's summary as a Markdown table (printed, and pasted into README.md).
import type { ChaosReport } from './run';

export function summaryTable(report: ChaosReport): string {
  const list = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const found = Object.values(report.violations).reduce((n, v) => n + v.length, 0);
  const rows: [string, string][] = [
    ['run', `seed ${report.seed}, ${report.seconds} s`],
    ['faults injected', list(report.faults as unknown as Record<string, number>)],
    ['tasks', `${report.tasks} in graphs + ${report.hookTasks} from the hook`],
    ['final states', list(report.states)],
    ['retries by reason', list(report.retries)],
    ['executions journaled', String(report.executions)],
    ['hook seconds fired', String(report.hookFires)],
    ['subscribers', `${report.observed} tasks followed, ${report.subscriberMessages} messages, ${report.reconnects} reconnects`],
    ['files searched for the secret', String(report.filesSearched)],
    ...Object.entries(report.violations).map(([check, violations]) => [`violations — ${check}`, String(violations.length)] as [string, string]),
    ['violations found', String(found)],
  ];
  return ['| | |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

export function violationCount(report: ChaosReport): number {
  return Object.values(report.violations).reduce((n, v) => n + v.length, 0);
}
