# One image for the three apps and the migrator; docker-compose.yml picks the command of each service.
# Built the way turborepo documents for monorepos (turbo prune --docker): the install layer depends on
# the pruned manifests and lockfile only, so a source change rebuilds from `COPY out/full` on.
#
# Node 24, an LTS line, satisfies `engines` (>= 20.19); CI also runs the code on Node 20.

FROM node:24-slim AS base
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app

# The three apps and the workspace packages they import, with a lockfile cut down to them:
# apps/cli, tests and bench are left out.
FROM base AS prune
# Keep in step with turbo's version in pnpm-lock.yaml (tests/architecture/test/docker-pins.test.ts checks).
ARG TURBO_VERSION=2.11.11
RUN npm install -g turbo@${TURBO_VERSION}
COPY . .
RUN turbo prune @tally/ingest-api @tally/aggregator-worker @tally/query-api --docker

# Every dependency, dev ones included, for compiling. pnpm's version is the one package.json names.
FROM base AS deps
COPY --from=prune /app/out/json/ .
RUN npm install -g "$(node -p 'require("./package.json").packageManager')" \
 && pnpm install --frozen-lockfile

FROM deps AS build
COPY --from=prune /app/out/full/ .
# turbo prune copies only package manifests, turbo.json and the lockfile from the root.
COPY tsconfig.base.json ./
RUN pnpm turbo run build

# Production dependencies of what runs, from the store the deps stage filled (no download). Filtered,
# so packages/testing's dependencies (vitest) stay out.
FROM deps AS prod-deps
RUN rm -rf node_modules apps/*/node_modules packages/*/node_modules \
 && pnpm install --prod --frozen-lockfile --offline \
      --filter @tally/shared --filter @tally/ingest-api --filter @tally/aggregator-worker --filter @tally/query-api

# Manifests, production node_modules and compiled output: no sources, tests, pnpm or turbo.
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app ./
COPY --from=build /app/packages/shared/dist packages/shared/dist
COPY --from=build /app/apps/ingest-api/dist apps/ingest-api/dist
COPY --from=build /app/apps/aggregator-worker/dist apps/aggregator-worker/dist
COPY --from=build /app/apps/query-api/dist apps/query-api/dist
# The files stay root's: the apps read them and write nowhere on disk.
USER node
CMD ["node", "apps/ingest-api/dist/main.js"]
