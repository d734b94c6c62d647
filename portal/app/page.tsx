import Link from 'next/link';

const CARDS: { href: string; title: string; text: string }[] = [
  { href: '/docs', title: 'Docs and tutorials', text: 'What Taskgate is, hello world, task graphs, roles and scopes, secrets, hooks, worker pools, running at scale.' },
  { href: '/reference', title: 'API reference', text: 'Every type, field and argument of the GraphQL schema, searchable.' },
  { href: '/explorer', title: 'Explorer', text: 'GraphiQL against the gateway with your credentials; subscriptions included.' },
  { href: '/tasks', title: 'Tasks and groups', text: 'Inspect a task, its runs, artifacts and live log; a whole task group with its graph.' },
  { href: '/roles', title: 'Roles and clients', text: 'Self-service access: roles, clients, and the scope inspector.' },
  { href: '/secrets', title: 'Secrets, hooks, worker pools', text: 'Manage secrets, hooks with cron schedules, and worker pools.' },
];

export default function Home() {
  return (
    <div>
      <h1>Taskgate developer portal</h1>
      <p className="muted" style={{ maxWidth: 760 }}>
        Taskgate runs tasks and task graphs on workers anywhere, in the tradition of Mozilla&apos;s Taskcluster, behind one typed GraphQL gateway
        with live subscriptions. New here? Start with <Link href="/docs/hello-world">hello world</Link>.
      </p>
      <div className="grid-2" style={{ marginTop: 20 }}>
        {CARDS.map((card) => (
          <Link key={card.href} href={card.href} className="card" style={{ color: 'inherit' }}>
            <h2 style={{ color: 'var(--accent)' }}>{card.title}</h2>
            <p style={{ margin: 0 }}>{card.text}</p>
          </Link>
        ))}
      </div>
    </div>
  );
}
