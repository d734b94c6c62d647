// The developer portal's Next.js config. `npm run portal:build` builds it; `npm run portal` serves
// it through portal/server.ts, which also proxies /graphql (HTTP and WebSocket) and the gateway's
// download paths, so the browser talks to one origin and no CORS is needed.
import path from 'node:path';
import createMDX from '@next/mdx';

const here = import.meta.dirname;

const withMDX = createMDX({
  options: {
    // By absolute path: Turbopack passes loader options as data, so plugins are named, not given.
    remarkPlugins: ['remark-gfm', path.join(here, 'lib', 'remark-code-meta.mjs')],
  },
});

/** @type {import('next').NextConfig} */
const config = {
  pageExtensions: ['ts', 'tsx', 'mdx'],
  reactStrictMode: true,
  poweredByHeader: false,
  // Tests and benchmarks build into a folder of their own so they never clobber a running portal.
  distDir: process.env.PORTAL_DIST_DIR || '.next',
  // `npm run typecheck` checks the portal (tsc -p portal/tsconfig.json); the build need not.
  typescript: { ignoreBuildErrors: true },
  // node_modules lives in the repository root, one level up.
  turbopack: { root: path.join(here, '..') },
  outputFileTracingRoot: path.join(here, '..'),
};

export default withMDX(config);
