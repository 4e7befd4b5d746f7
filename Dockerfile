# syntax=docker/dockerfile:1
#
# govchat: one static binary in a distroless, non-root image.
#
#   docker build -t govchat .
#   docker run -p 8080:8080 -v "$PWD/knowledge:/knowledge:ro" -v govchat-data:/data govchat
#
# The knowledge base shipped in the repository is copied to /knowledge; mount
# your own over it. /data (index, conversation history) is a volume.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (pure-Go SQLite, no cgo), reproducible paths, no debug tables.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/govchat ./cmd/govchat \
 && mkdir -p /out/data /out/secrets

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/govchat /usr/local/bin/govchat
COPY --from=build /src/knowledge /knowledge
COPY --from=build --chown=65532:65532 /out/data /data
# Shared secrets of several instances (GOVCHAT_CONTACT_KEY_FILE=/secrets/contact.key):
# a volume mounted here starts owned by the nonroot user.
COPY --from=build --chown=65532:65532 /out/secrets /secrets
ENV GOVCHAT_ADDR=:8080 \
    GOVCHAT_KNOWLEDGE=/knowledge \
    GOVCHAT_DATA=/data
# distroless "nonroot": uid/gid 65532.
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["/usr/local/bin/govchat", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/govchat"]
CMD ["serve"]
