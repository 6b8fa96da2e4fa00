# syntax=docker/dockerfile:1

# ---- build ----------------------------------------------------------------------------
FROM rust:1.95-bookworm AS builder
WORKDIR /build

# Dependency layer: build the locked dependency graph against placeholder sources, so a
# change to the project's own code does not rebuild every crate.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches bench \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && echo 'fn main() {}' > benches/pipeline.rs \
    && echo 'fn main() {}' > bench/baseline_202.rs \
    && cargo build --release --locked \
    && rm -rf src benches bench \
       target/release/sentry-dingtalk* \
       target/release/deps/sentry_dingtalk-* \
       target/release/deps/libsentry_dingtalk-* \
       target/release/.fingerprint/sentry-dingtalk-*

# The real sources (templates and examples are compiled in with include_str!).
COPY src ./src
COPY templates ./templates
COPY examples ./examples
COPY benches ./benches
COPY bench ./bench
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/sentry-dingtalk /usr/local/bin/sentry-dingtalk

# ---- runtime --------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 relay \
    && useradd --system --uid 10001 --gid relay --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin relay \
    && mkdir -p /data \
    && chown relay:relay /data

COPY --from=builder /usr/local/bin/sentry-dingtalk /usr/local/bin/sentry-dingtalk
COPY examples /usr/share/sentry-dingtalk/examples

ENV DATA_DIR=/data \
    LISTEN_ADDR=0.0.0.0:8080

USER relay
WORKDIR /data
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1

ENTRYPOINT ["sentry-dingtalk"]
CMD ["serve"]
