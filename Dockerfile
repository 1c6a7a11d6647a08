# The bot's image: `docker build .` on the official base, or `--build-arg BASE_IMAGE=…` on any base
# that provides what node:24-bookworm-slim does (Debian bookworm; node, npm and npx in
# /usr/local/bin; a `node` user with uid 1000). Its default command is the Slack app; the terminal
# command is on PATH: `docker run IMAGE clear-telemetry --status ERROR --dry-run`.
ARG BASE_IMAGE=node:24-bookworm-slim

# Build with the development dependencies (TypeScript, esbuild), then keep only production's.
FROM ${BASE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY commands ./commands
COPY sandbox ./sandbox
COPY dev ./dev
RUN npm run build --silent \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf dist/sandbox dist/dev

FROM ${BASE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
RUN ln -s /app/bin/clear-telemetry.js /usr/local/bin/clear-telemetry
# A numeric user, so a cluster can check runAsNonRoot without reading /etc/passwd.
USER 1000:1000
# 3000: Slack's requests (HTTP mode). 9090: /healthz, /readyz, /metrics (both modes).
EXPOSE 3000 9090
# No curl in the image: node asks the operators' port itself.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.OPS_PORT || 9090}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 (never npm): it takes SIGTERM itself, stops each run after its batch (resumable),
# and exits within CLEAR_TELEMETRY_SHUTDOWN_TIMEOUT.
CMD ["node", "dist/src/main.js"]
