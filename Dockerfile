# syntax=docker/dockerfile:1
# Multi-stage build of the `boltic` binary: build with the pinned toolchain, run on a slim Debian
# as a non-root user. The demo project is copied in so the image works out of the box.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# make: the jemalloc allocator the binary links is built from source; zopfli: the browser
# bundle's gzip copies.
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config make nodejs npm zopfli \
    && rm -rf /var/lib/apt/lists/*
COPY . .
# The web app's browser bundle (wasm + ECharts + CSS) into /site, then the server binary.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    SITE_DIR=/site scripts/build-frontend.sh \
    && cargo build --release --locked -p boltic-server && cp target/release/boltic /usr/local/bin/boltic

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /srv/boltic --create-home boltic \
    && mkdir -p /var/lib/boltic && chown boltic /var/lib/boltic
COPY --from=build /usr/local/bin/boltic /usr/local/bin/boltic
COPY --chown=boltic demo /srv/boltic/demo
COPY --from=build /site /srv/boltic/site
USER boltic
WORKDIR /srv/boltic
ENV BOLTIC_PROJECT=/srv/boltic/demo/air_boltic BOLTIC_LOG=info BOLTIC_LISTEN=0.0.0.0:3000 \
    BOLTIC_SITE_DIR=/srv/boltic/site BOLTIC_DATABASE=/var/lib/boltic/boltic.db
# Users, sessions, app dashboards, share links and the audit log (SQLite): keep this on a volume.
# The image makes no user: create the first admin with `boltic users add … --role admin` in the
# container. It listens on all of the container's interfaces; publish the port on a loopback or
# behind an https proxy (and set BOLTIC_PUBLIC_URL), never bare on a public address.
VOLUME /var/lib/boltic
EXPOSE 3000
ENTRYPOINT ["boltic"]
# The server; `docker run <image> pipeline run ...` runs other commands.
CMD ["serve"]
