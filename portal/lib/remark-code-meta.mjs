// Keeps a fenced code block's meta string (```graphql sample …) as `data-meta` on the rendered
// <code>, so the docs' CodeBlock can tell runnable samples from the rest.
export default function remarkCodeMeta() {
  return (tree) => {
    const walk = (node) => {
      if (node.type === 'code' && node.meta) {
        node.data = node.data ?? {};
        node.data.hProperties = { ...(node.data.hProperties ?? {}), 'data-meta': node.meta };
      }
      for (const child of node.children ?? []) walk(child);
    };
    walk(tree);
  };
}
