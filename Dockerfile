# One image for every Taskgate process; docker-compose.yml picks the command
# (npm run gateway | cron | portal | worker).
FROM node:20-bookworm-slim

# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so editing the source does not reinstall them. Dev dependencies stay:
# the processes run TypeScript through tsx.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The portal is built into the image: the node user below cannot write /app at run time.
RUN npm run portal:build

# Empty named volumes take this folder's owner, so the node user can write artifacts.
RUN mkdir -p /data/artifacts && chown -R node:node /data
# A larger young generation: the gateway allocates briefly per request (GraphQL values, rows,
# statuses), and with V8's default 16 MiB semi-space it spent ~10 % of its CPU in scavenges under
# bench/queue-throughput; 64 MiB took ~5 % of its CPU off, for up to ~150 MiB more memory at peak.
ENV NODE_ENV=production DATA_DIR=/data NODE_OPTIONS=--max-semi-space-size=64
USER node
EXPOSE 4000 3000
CMD ["npm", "run", "gateway"]
