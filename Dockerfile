# syntax=docker/dockerfile:1
# Build: docker build -t checkpointd .
# Run:   docker run -p 50051:50051 -p 8080:8080 -e DATABASE_URL=postgres://... \
#          -v "$PWD/checkpointd-keys.json:/etc/checkpointd/keys.json:ro" -e AUTH_KEYS_FILE=/etc/checkpointd/keys.json \
#          checkpointd
#        (without DATABASE_URL the embedded PGlite database lives in the /data volume)
# The image listens on 0.0.0.0, so checkpointd refuses to start without authentication
# (AUTH_KEYS_FILE or AUTH_JWKS_FILE/AUTH_JWKS_URL; the README says how to make a key). Add TLS with
#   -v "$PWD/tls:/etc/checkpointd/tls:ro" -e TLS_CERT_FILE=/etc/checkpointd/tls/server.crt -e TLS_KEY_FILE=/etc/checkpointd/tls/server.key
# (and TLS_CLIENT_CA_FILE for mutual TLS); the health check then speaks TLS too.

FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN npm install -g pnpm@10.34.8
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages/proto/package.json packages/proto/
COPY packages/client/package.json packages/client/
COPY packages/inspector/package.json packages/inspector/
COPY packages/server/package.json packages/server/
RUN pnpm install --frozen-lockfile --filter "@checkpointd/server..." --filter "checkpointd-workspace"
COPY packages/proto packages/proto
COPY packages/client packages/client
COPY packages/inspector packages/inspector
COPY packages/server packages/server
# pnpm deploy --prod copies the server's packed files (package.json "files") and its production dependencies.
# The root devDepends on packages/test-support (for the test suites), which is not copied here:
# drop that entry, or deploy fails to resolve it.
RUN pnpm exec tsc -b packages/server \
 && pnpm --filter @checkpointd/inspector build \
 && npm pkg delete "devDependencies.@checkpointd/test-support" \
 && pnpm --filter @checkpointd/server deploy --legacy --prod /out

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=50051 HTTP_PORT=8080 CHECKPOINTD_DATA_DIR=/data
COPY --from=build /out /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 50051 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "/app/dist/cli.js", "health"]
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["serve"]
