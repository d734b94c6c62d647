// How MDX elements render in the docs: code blocks get copy, fresh placeholder values and
// "open in the explorer"; everything else is plain HTML styled by globals.css.
import type { MDXComponents } from 'mdx/types';
import { CodeBlock } from '@/components/docs/CodeBlock';

const components: MDXComponents = {
  pre: CodeBlock,
};

export function useMDXComponents(): MDXComponents {
  return components;
}
