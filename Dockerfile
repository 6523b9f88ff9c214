# syntax=docker/dockerfile:1

# Build: one self-contained executable (the embedded database, migrations, the password list and
# the docs UI inside).
FROM oven/bun:1.4.4 AS build
WORKDIR /src
COPY package.json bun.lock ./
# bun install applies postgres.js's patch and fails without it.
COPY patches ./patches
# The build below makes the assets postinstall would make, from the sources not yet copied here.
RUN bun install --frozen-lockfile --ignore-scripts
COPY tsconfig.json drizzle.config.ts ./
COPY scripts ./scripts
COPY drizzle ./drizzle
COPY src ./src
RUN bun run build \
 && mkdir -p /rootfs/data \
 && cp dist/signup-service /rootfs/signup-service

# Run: glibc and nothing else (`ldd` names only libc, libm, libdl, libpthread); no shell, no curl.
FROM gcr.io/distroless/base-debian12:nonroot
COPY --from=build --chown=nonroot:nonroot /rootfs/ /
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data \
    NODE_ENV=production
USER nonroot
EXPOSE 8000
# The embedded database lives here when DATABASE_URL is not set.
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD ["/signup-service", "healthcheck"]
# Exec form: the service is PID 1 and handles SIGTERM itself (graceful shutdown).
ENTRYPOINT ["/signup-service"]
CMD ["serve"]
