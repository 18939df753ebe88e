# syntax=docker/dockerfile:1
# okta-mcp for a team (remote mode): `okta-mcp serve --http` in a small,
# non-root image. Build from the repository root:
#
#   docker build -t okta-mcp .
#
# The build needs Okta's specs (openapi/spec.lock). build.rs uses
# openapi/<name>.yaml when it is in the build context (copy the files from
# ../shared/okta-openapi/ there for an offline build: that folder is outside
# the context), and otherwise downloads the pinned release and checks its
# sha256 (that is what curl is for). No setting or secret is baked in: they
# come from the environment at run time (README, "Serve your team").
# Checked by deploy/check.sh (hadolint).

FROM rust:1.95-slim-bookworm AS build
# curl: build.rs's spec download. Not version-pinned on purpose: Debian's
# security updates replace the pinned version and the build would break.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/okta-mcp
COPY . .
# Cached crates and build outputs between builds (BuildKit); the binary is
# copied out of the cache in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/okta-mcp/target \
    cargo build --release --locked --bin okta-mcp \
 && cp target/release/okta-mcp /okta-mcp

# distroless cc: glibc, CA certificates and nothing else (no shell, no
# package manager); user nonroot, uid 65532, HOME /home/nonroot.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /okta-mcp /usr/local/bin/okta-mcp
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/okta-mcp"]
# Remote mode on every interface; needs OKTA_MCP_PUBLIC_URL and the other
# settings of README's "Serve your team". `docker run IMAGE doctor` etc. run
# the other subcommands.
CMD ["serve", "--http", "0.0.0.0:8080"]
