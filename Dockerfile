# Builds the single executable, then runs it in a small image as a non-root user.
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home /data sluice && mkdir -p /data /etc/sluice && chown sluice /data
COPY --from=build /src/dist/sluice /usr/local/bin/sluice
COPY config.yaml /etc/sluice/config.yaml
USER sluice
WORKDIR /data
# Set here, Bun's outgoing-request limit spares the executable its re-exec at start (~25 ms).
ENV CONFIG_PATH=/etc/sluice/config.yaml DATABASE_URL=sqlite:/data/sluice.db BUN_CONFIG_MAX_HTTP_REQUESTS=65535
VOLUME /data
EXPOSE 8080
# `sluice health` GETs /health on $PORT (default 8080): the small image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 CMD ["/usr/local/bin/sluice", "health"]
ENTRYPOINT ["/usr/local/bin/sluice"]
CMD ["serve"]
