# okta-mcp for a team (remote mode): `okta-mcp serve --http` in a small,
# non-root image. Build from the repository root:
#
#   docker build -t okta-mcp .
#
# The build needs Okta's spec. It uses ./openapi/ or ../shared/okta-openapi/
# when the file is in the build context, and otherwise downloads the pinned
# release from openapi/spec.lock and checks its sha256 (the builder has curl).
# Settings come from the environment at run time; see README, "Serve your team".

FROM rust:1.95-slim-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/okta-mcp
COPY . .
RUN cargo build --release --locked --bin okta-mcp \
 && cp target/release/okta-mcp /okta-mcp

# distroless cc: glibc, CA certificates and nothing else (no shell, no
# package manager); runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /okta-mcp /usr/local/bin/okta-mcp
USER 65532:65532
ENV OKTA_MCP_HTTP_ADDR=0.0.0.0:8080 \
    RUST_LOG=info
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/okta-mcp"]
CMD ["serve", "--http", "0.0.0.0:8080"]
