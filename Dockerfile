# Ballast's images, from one build: `docker build --target server -t ballast/ballast .` (the app:
# server, web UI, console) and `docker build --target operator -t ballast/operator .` (the same
# code plus a pinned helm). Both run as user 1001, group 0 (the charts' runAsGroup rule), need
# nothing written outside /tmp and /data (read-only root filesystems work), and start with
# `ballast <command>`; e2e/images.e2e.test.ts runs these entrypoints the same way outside Docker.

ARG NODE_IMAGE=node:24.11-bookworm-slim
ARG GO_IMAGE=golang:1.26-bookworm
ARG HELM_VERSION=v3.21.4

# Dependencies and the web UI build (Vite needs the dev dependencies; the runtime does not).
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages/core/package.json packages/core/
COPY packages/deploy/package.json packages/deploy/
COPY apps/server/package.json apps/server/
COPY apps/operator/package.json apps/operator/
COPY apps/cli/package.json apps/cli/
COPY apps/web/package.json apps/web/
RUN npm ci --no-audit --no-fund --loglevel=error
COPY . .
RUN npm run build -w apps/web --silent

# Runtime dependencies only (no Node from npm, no Vite, no test tools).
FROM ${NODE_IMAGE} AS runtime-deps
WORKDIR /src
COPY --from=build /src/package.json /src/package-lock.json ./
COPY --from=build /src/packages/core/package.json packages/core/
COPY --from=build /src/packages/deploy/package.json packages/deploy/
COPY --from=build /src/apps/server/package.json apps/server/
COPY --from=build /src/apps/operator/package.json apps/operator/
COPY --from=build /src/apps/cli/package.json apps/cli/
COPY --from=build /src/apps/web/package.json apps/web/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error

FROM ${NODE_IMAGE} AS server
ENV NODE_ENV=production \
    HOME=/tmp \
    BALLAST_DATA_DIR=/data \
    PORT=8080
WORKDIR /app
COPY --from=runtime-deps /src/node_modules node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/packages/core packages/core
COPY --from=build /src/packages/deploy packages/deploy
COPY --from=build /src/apps/server apps/server
COPY --from=build /src/apps/operator apps/operator
COPY --from=build /src/apps/cli apps/cli
COPY --from=build /src/apps/web/dist apps/web/dist
# Group 0 owns what the process may need to write (OpenShift runs with an arbitrary uid in group 0).
RUN mkdir -p /data && chgrp -R 0 /app /data && chmod -R g=u /app /data \
    && find /app -name '*.test.ts' -delete
USER 1001:0
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["node", "apps/cli/bin/ballast.js"]
CMD ["server"]

FROM ${GO_IMAGE} AS helm
ARG HELM_VERSION
RUN GOBIN=/out CGO_ENABLED=0 go install -trimpath -ldflags=-s "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"

FROM server AS operator
COPY --from=helm /out/helm /usr/local/bin/helm
# The app chart of the same version: what a resource installs when it names no chart and no
# release channel gives one (--default-chart, here through DEFAULT_CHART).
COPY --from=build /src/charts/ballast /app/charts/ballast
ENV DEFAULT_CHART=/app/charts/ballast \
    HELM_CACHE_HOME=/helm/.cache/helm \
    HELM_CONFIG_HOME=/helm/.config/helm \
    HELM_DATA_HOME=/helm/.local/share/helm \
    HOME=/helm
USER 1001:0
EXPOSE 8081 8080
CMD ["operator", "--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8080"]
