# Build a static binary, ship it in a minimal non-root image.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o /out/zhibu ./app

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zhibu /usr/local/bin/zhibu
USER nonroot:nonroot
EXPOSE 8080
ENV ZHIBU_LISTEN=:8080 ZHIBU_LOG_FORMAT=json
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/usr/local/bin/zhibu", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/zhibu"]
CMD ["serve", "-migrate"]
