# A small image with the s3-access binary (README, "Docker").
#   docker build -t s3-access .
#   docker run --rm -v "$PWD:/work" s3-access lint .
#
# Stage 1 builds with the minimum supported Rust and the locked dependencies.
FROM rust:1.88-slim AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin s3-access \
 && strip target/release/s3-access

# Stage 2: only the binary, on the Debian release the builder image is based on (same glibc).
FROM debian:bookworm-slim
COPY --from=build /src/target/release/s3-access /usr/local/bin/s3-access
COPY --from=build /src/man/ /usr/local/share/man/man1/
RUN useradd --system --uid 10001 --no-create-home s3access
USER s3access
WORKDIR /work
ENTRYPOINT ["s3-access"]
CMD ["--help"]
