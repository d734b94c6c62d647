import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Describe } from '@/components/Describe';
import { referenceType, referenceTypes, type RefField } from '@/lib/schema';

export const dynamicParams = false;

export function generateStaticParams() {
  return referenceTypes().map((t) => ({ type: t.name }));
}

export async function generateMetadata({ params }: { params: Promise<{ type: string }> }): Promise<Metadata> {
  const { type } = await params;
  return { title: `${type} · API reference` };
}

const KIND_LABEL: Record<string, string> = {
  operations: 'operations',
  object: 'type',
  input: 'input',
  enum: 'enum',
  scalar: 'scalar',
  interface: 'interface',
  union: 'union',
};

/** A type expression with its named type linked: `[Task!]!` links `Task`. */
function TypeRef({ type, named }: { type: string; named: string }) {
  const at = type.indexOf(named);
  return (
    <code>
      {type.slice(0, at)}
      <Link href={`/reference/${named}`} prefetch={false}>
        {named}
      </Link>
      {type.slice(at + named.length)}
    </code>
  );
}

export default async function TypePage({ params }: { params: Promise<{ type: string }> }) {
  const { type: name } = await params;
  const type = referenceType(name);
  if (!type) notFound();
  const operation = type.kind === 'operations';
  return (
    <article className="prose" style={{ maxWidth: 980 }}>
      <p className="small muted" style={{ marginBottom: 0 }}>
        <Link href="/reference">API reference</Link> · {KIND_LABEL[type.kind]}
      </p>
      <h1 className="mono">{type.name}</h1>
      <Describe text={type.description} />
      {type.fields.length > 0 && (
        <section>
          <h2>{operation ? `${type.name === 'Query' ? 'Queries' : type.name === 'Mutation' ? 'Mutations' : 'Subscriptions'}` : 'Fields'}</h2>
          {type.fields.map((field) => (
            <Field key={field.name} field={field} operation={operation} />
          ))}
        </section>
      )}
      {type.values.length > 0 && (
        <section>
          <h2>Values</h2>
          <ul>
            {type.values.map((v) => (
              <li key={v.name}>
                <code>{v.name}</code> <Describe text={v.description} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {type.usedBy.length > 0 && (
        <section>
          <h2>Used by</h2>
          <p className="row">
            {type.usedBy.map((by) => (
              <Link key={by} href={`/reference/${by}`} className="mono" prefetch={false}>
                {by}
              </Link>
            ))}
          </p>
        </section>
      )}
    </article>
  );
}

function Field({ field, operation }: { field: RefField; operation: boolean }) {
  return (
    <div id={field.name} className="card" style={{ marginBottom: 10, scrollMarginTop: 70 }}>
      <h3 style={{ margin: 0 }} className="mono">
        <a href={`#${field.name}`} style={{ color: 'inherit' }}>
          {field.name}
        </a>
        {': '}
        <TypeRef type={field.type} named={field.namedType} />
      </h3>
      {field.deprecated && <p className="notice small">Deprecated: {field.deprecated}</p>}
      <Describe text={field.description} className="small" />
      {field.args.length > 0 && (
        <div className="table-wrap">
          <table className="small">
            <thead>
              <tr>
                <th>{operation ? 'Argument' : 'Argument'}</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {field.args.map((a) => (
                <tr key={a.name}>
                  <td className="mono">{a.name}</td>
                  <td>
                    <TypeRef type={a.type} named={a.namedType} />
                    {a.defaultValue !== undefined && <div className="muted">default {a.defaultValue}</div>}
                  </td>
                  <td>
                    <Describe text={a.description} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
