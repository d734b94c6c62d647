// Paths the portal's server forwards to the gateway as they are: GraphQL (HTTP and WebSocket)
// and the gateway's download endpoints, so artifact links work from the portal's own origin.
export const GATEWAY_PATHS = {
  graphql: '/graphql',
  prefixes: ['/artifacts/', '/index/'],
} as const;

export function isGatewayPath(url: string): boolean {
  const path = url.split('?')[0];
  return path === GATEWAY_PATHS.graphql || GATEWAY_PATHS.prefixes.some((prefix) => path.startsWith(prefix));
}
