# Agentry: one image for every process (API, worker, migrations). Node 24 runs the TypeScript
# sources directly (type stripping); the one build step is the web console's static files.
# See docs/deployment.md.

# --- The web console: built with the development packages, only its static files are kept --------
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY client ./client
COPY console ./console
RUN npm run console:build

# --- Dependencies: production packages only, installed from the lock file ------------------------
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- Runtime -------------------------------------------------------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    # Listen on every interface: inside a container loopback is unreachable from outside.
    HOST=0.0.0.0 \
    PORT=8000 \
    # Scratch space (file extraction's work directory) and, without DATABASE_URL, the embedded
    # database. Mount a volume here for the embedded mode; on PostgreSQL it may be an emptyDir.
    DATA_DIR=/var/lib/agentry
# pg_dump and pg_restore for `agentry backup` and `agentry restore` on PostgreSQL. pg_dump must be of
# the server's major version or newer: bookworm's client is 15, as compose.yaml's postgres:15 is.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY drizzle ./drizzle
COPY --from=console /app/console/dist ./console/dist
# The image's own "node" user (uid 1000); it owns only the data directory.
RUN mkdir -p /var/lib/agentry && chown node:node /var/lib/agentry
USER node
EXPOSE 8000
# Liveness of an API process (slim images have no curl). Worker processes serve no HTTP: their
# orchestrator disables this check (compose.yaml, deploy/kubernetes/worker-deployment.yaml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["serve"]
