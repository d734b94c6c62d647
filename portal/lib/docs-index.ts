// The docs' table of contents: every page of content/*.mdx, in reading order.
export interface DocPage {
  slug: string;
  title: string;
  summary: string;
}

export const DOC_SECTIONS: { title: string; pages: DocPage[] }[] = [
  {
    title: 'Start here',
    pages: [
      { slug: 'overview', title: 'What Taskgate is', summary: 'Tasks, runs, workers, the gateway, and how they fit together.' },
      { slug: 'hello-world', title: 'Hello world', summary: 'Create a task, watch its log live, download its artifact.' },
    ],
  },
  {
    title: 'Tutorials',
    pages: [
      { slug: 'task-graphs', title: 'Task graphs and dependencies', summary: 'Many tasks at once, ordered by dependencies, in one transaction.' },
      { slug: 'roles-and-scopes', title: 'Roles and scopes', summary: 'Who may do what; parameterized roles for projects.' },
      { slug: 'secrets', title: 'Secrets in tasks', summary: 'Store a secret and read it from a task without leaking it.' },
      { slug: 'hooks', title: 'Hooks and cron schedules', summary: 'Task templates fired by a schedule, an API call or a webhook.' },
      { slug: 'worker-pools', title: 'Worker pools and provisioning', summary: 'Capacity that follows the queue.' },
      { slug: 'at-scale', title: 'Running at scale', summary: 'MySQL, Redis, several gateways, workers on other machines, docker compose.' },
    ],
  },
  {
    title: 'API',
    pages: [{ slug: 'graphql-api', title: 'GraphQL API guide', summary: 'Authentication, errors and codes, pagination, subscriptions, limits.' }],
  },
];

export const DOC_PAGES: DocPage[] = DOC_SECTIONS.flatMap((s) => s.pages);

export function findDoc(slug: string): DocPage | undefined {
  return DOC_PAGES.find((p) => p.slug === slug);
}
