'use client';
// A code block in the docs: copy button, placeholders filled with fresh values in the browser
// (see lib/samples.ts), and for GraphQL samples a link that opens them in the explorer.
import { isValidElement, useEffect, useState, type ReactElement, type ReactNode } from 'react';
import { CopyButton } from '@/components/CopyButton';
import { hasPlaceholders, parseMeta, substitute, type Substitutions } from '@/lib/samples';

// One set of values per page load, shared by every block: the task a sample creates is the one
// the next sample reads.
let shared: Substitutions | undefined;
function substitutions(): Substitutions {
  shared ??= { slugs: new Map(), now: Date.now(), random: (bytes) => crypto.getRandomValues(bytes) };
  return shared;
}

interface CodeProps {
  className?: string;
  children?: ReactNode;
  'data-meta'?: string;
}

export function CodeBlock(props: { children?: ReactNode }) {
  const code = isValidElement(props.children) ? (props.children as ReactElement<CodeProps>) : undefined;
  const source = typeof code?.props.children === 'string' ? code.props.children.replace(/\n$/, '') : '';
  const language = /language-(\S+)/.exec(code?.props.className ?? '')?.[1] ?? '';
  const meta = parseMeta(code?.props['data-meta']);
  const [text, setText] = useState(source);
  useEffect(() => {
    if (hasPlaceholders(source)) setText(substitute(source, substitutions()));
  }, [source]);

  if (!code) return <pre>{props.children}</pre>;
  const label = meta.variables ? 'variables' : meta.sample ? `${language} · runnable sample` : language;
  return (
    <div className="docs-code" data-sample={meta.sample ? language : undefined} data-variables={meta.variables ? '' : undefined}>
      <div className="code-head">
        <span className="code-label">{label}</span>
        <span className="code-actions">
          {language === 'graphql' && !meta.variables && (
            <button
              type="button"
              onClick={(event) => {
                // The variables, if any, are the block right after this one.
                const next = event.currentTarget.closest('.docs-code')?.nextElementSibling;
                const variables = next?.matches('[data-variables]') ? next.querySelector('code')?.textContent : undefined;
                const params = new URLSearchParams({ query: text, ...(variables ? { variables } : {}) });
                window.location.assign(`/explorer?${params}`);
              }}
            >
              Try it
            </button>
          )}
          <CopyButton text={text} />
        </span>
      </div>
      <pre tabIndex={0}>
        <code className={code.props.className}>{text}</code>
      </pre>
    </div>
  );
}
