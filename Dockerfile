# syntax=docker/dockerfile:1
# One image holds the three apps and the migrator; docker-compose.yml picks the command.

FROM node:24-slim AS build
WORKDIR /app
RUN npm install -g pnpm@10.34.9
# Manifests first, so the dependency layer is reused while only source changes.
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml ./
COPY packages/shared/package.json packages/shared/
COPY packages/testing/package.json packages/testing/
COPY apps/ingest-api/package.json apps/ingest-api/
COPY apps/aggregator-worker/package.json apps/aggregator-worker/
COPY apps/query-api/package.json apps/query-api/
COPY tests/e2e/package.json tests/e2e/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm build \
 && rm -rf node_modules packages/*/node_modules apps/*/node_modules tests/*/node_modules \
 && pnpm install --frozen-lockfile --prod --ignore-scripts

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
CMD ["node", "apps/ingest-api/dist/main.js"]
