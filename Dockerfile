# leakhound as a container: a static musl binary on an empty base, run as a non-root user.
#
#   docker build -t leakhound .
#   docker run --rm -v "$PWD:/scan" leakhound scan .
#   docker run --rm -v "$PWD:/scan" leakhound git .
#
# `leakhound git` reads repositories with libgit2, built into the binary: no git binary is
# needed at run time. The image has no shell, so `--revoke-hook` (which runs `sh -c`) is not
# available in it. The mounted repository must be readable by uid 65532 (or pass `--user`).
# The release workflow (.github/workflows/release.yml) builds it for linux/amd64 and
# linux/arm64 and pushes it to ghcr.io.

# Build: Alpine's Rust targets musl and links statically by default.
FROM rust:1-alpine AS build
# build-base: the C compiler libgit2's bundled build needs; zlib-static for libz-sys. Versions
# are those of the rust:1-alpine release (pinning apk versions breaks at each Alpine update).
# hadolint ignore=DL3018
RUN apk add --no-cache build-base pkgconf zlib-dev zlib-static ca-certificates
WORKDIR /src
COPY . .
RUN cargo build --release --locked \
    && cp target/release/leakhound /leakhound \
    && strip /leakhound \
    && /leakhound --version

# Run: nothing but the binary and the CA bundle (for --verify's TLS), as an unprivileged user.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /leakhound /usr/local/bin/leakhound
USER 65532:65532
WORKDIR /scan
ENTRYPOINT ["/usr/local/bin/leakhound"]
CMD ["--help"]
