# otelcol-docusign — see README.md. Everything installs its own tools; Go modules come through the proxy.
GO        ?= go
OCB_VERSION := 0.165.0
BIN_DIR   := $(CURDIR)/bin
OCB       := $(BIN_DIR)/builder-v$(OCB_VERSION)
DIST      := $(CURDIR)/dist/otelcol-docusign
DOCTOR    := $(CURDIR)/dist/docusign-doctor
VERSION   := $(shell awk '/^  version:/ { print $$2 }' builder-config.yaml)
RELEASE   := $(CURDIR)/dist/release
PLATFORMS := linux/amd64 linux/arm64
# Static binaries (no cgo): the image is FROM scratch and a release binary must run on any libc.
STATIC    := CGO_ENABLED=0
# The flags ocb compiles with, so the doctor and release builds match the collector's.
RELEASE_GOFLAGS := -trimpath -ldflags='-s -w'
GO_TEST_FLAGS ?= -race -timeout 15m

.PHONY: all build dist image test-image ocb-custom doctor run test unit-test e2e lint generate bench fuzz clean

all: lint test

$(OCB):
	mkdir -p $(BIN_DIR)
	GOBIN=$(BIN_DIR) $(GO) install go.opentelemetry.io/collector/cmd/builder@v$(OCB_VERSION)
	mv $(BIN_DIR)/builder $(OCB)

## build: the otelcol-docusign collector at dist/otelcol-docusign (ocb v0.165.0) and dist/docusign-doctor, both static
build: $(OCB)
	$(STATIC) $(OCB) --config builder-config.yaml
	$(STATIC) $(GO) build $(RELEASE_GOFLAGS) -o $(DOCTOR) ./cmd/docusign-doctor

## dist: static release binaries of both programs for $(PLATFORMS) in dist/release/, with SHA256SUMS
# ocb only writes the sources (dist/); go build then cross-compiles them per platform.
dist: $(OCB)
	$(OCB) --config builder-config.yaml --skip-compilation
	rm -rf $(RELEASE) && mkdir -p $(RELEASE)
	@set -e; for p in $(PLATFORMS); do os=$${p%/*}; arch=$${p#*/}; suffix=$(VERSION)_$${os}_$${arch}; \
	  echo "== $$p"; \
	  (cd dist && $(STATIC) GOOS=$$os GOARCH=$$arch $(GO) build $(RELEASE_GOFLAGS) -o $(RELEASE)/otelcol-docusign_$$suffix .); \
	  $(STATIC) GOOS=$$os GOARCH=$$arch $(GO) build $(RELEASE_GOFLAGS) -o $(RELEASE)/docusign-doctor_$$suffix ./cmd/docusign-doctor; \
	done
	cd $(RELEASE) && sha256sum otelcol-docusign_* docusign-doctor_* > SHA256SUMS
	@cat $(RELEASE)/SHA256SUMS

## image: the FROM-scratch image $(IMAGE):$(VERSION) and :latest (deploy/docker/Dockerfile)
IMAGE         ?= otelcol-docusign
IMAGE_CONTEXT := $(CURDIR)/.tmp/image
CA_BUNDLE     ?= /etc/ssl/certs/ca-certificates.crt
image: build
	rm -rf $(IMAGE_CONTEXT) && mkdir -p $(IMAGE_CONTEXT)/empty $(IMAGE_CONTEXT)/state/otelcol-docusign && chmod 0700 $(IMAGE_CONTEXT)/state/otelcol-docusign
	cp $(DIST) $(DOCTOR) $(CA_BUNDLE) deploy/docker/Dockerfile deploy/docker/config.yaml \
	  deploy/docker/passwd deploy/docker/group $(IMAGE_CONTEXT)/
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) -t $(IMAGE):latest $(IMAGE_CONTEXT)

## test-image: build the image and run it against the fake DocuSign (test/image); one SKIP line without Docker
test-image:
	@if ! docker info >/dev/null 2>&1; then echo "SKIP test-image: docker info does not answer (no Docker daemon)"; exit 0; fi; \
	  $(MAKE) --no-print-directory image && \
	  OTELCOL_DOCUSIGN_IMAGE=$(IMAGE):$(VERSION) $(GO) test -count=1 -v -timeout 10m ./test/image/

## ocb-custom: the example distribution of examples/ocb-custom (the receiver beside contrib components) at examples/ocb-custom/dist/otelcol-acme; not part of `make test`
ocb-custom: $(OCB)
	cd examples/ocb-custom && $(OCB) --config builder-config.yaml
	examples/ocb-custom/dist/otelcol-acme components | grep -q 'name: docusign'

## doctor: check a collector configuration's docusign receivers against DocuSign: make doctor CONFIG=path/to/collector.yaml
doctor: build
	@if [ -z "$(CONFIG)" ]; then $(DOCTOR); exit 2; fi
	$(DOCTOR) --config "$(CONFIG)"

## run: the offline demo — simulator + collector printing DocuSign events; Ctrl-C stops both
run: build
	./examples/demo/run.sh

## test: every test CI runs, including the end-to-end test against the built collector
test: build
	OTELCOL_DOCUSIGN_BIN=$(DIST) DOCUSIGN_DOCTOR_BIN=$(DOCTOR) $(GO) test $(GO_TEST_FLAGS) ./...
	$(MAKE) --no-print-directory test-image

## unit-test: the Go tests without building the collector (the end-to-end test skips)
unit-test:
	$(GO) test $(GO_TEST_FLAGS) ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './dist/*')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## generate: rerun mdatagen (v0.159.0, the version that builds here) on metadata.yaml
generate:
	cd receiver/docusignreceiver && $(GO) tool mdatagen metadata.yaml

## bench: conversion, enrichment, drain and users-diff benchmarks summarised as the table in BENCHMARKS.md (~3 min)
BENCH_COUNT ?= 3
BENCH_OUT   ?= $(or $(TMPDIR),/tmp)/otelcol-docusign-bench.txt
bench:
	@mkdir -p $(BIN_DIR) && $(GO) build -o $(BIN_DIR)/simulator ./examples/simulator
	@{ $(GO) test -run '^$$' -bench 'ConvertMonitorPage|FloorStdlibUnmarshal|EnrichMonitorPage' -benchmem -benchtime 2s \
	     -count $(BENCH_COUNT) ./receiver/docusignreceiver/internal/convert/ && \
	   $(GO) test -run '^$$' -bench 'Inventory100k' -benchmem -benchtime 200000x -count $(BENCH_COUNT) \
	     ./receiver/docusignreceiver/internal/identity/ && \
	   DOCUSIGN_BENCH_SIMULATOR=$(BIN_DIR)/simulator $(GO) test -run '^$$' -bench 'MonitorDrain|UsersDiff' \
	     -benchmem -benchtime 1x -count $(BENCH_COUNT) -timeout 10m ./receiver/docusignreceiver/ ; } 2>&1 \
	  | tee $(BENCH_OUT) | $(GO) run ./test/benchtable
	@echo "raw go test output: $(BENCH_OUT)"

## fuzz: every fuzz target in the repository (found by go test -list), one at a time, FUZZTIME each (default 30s)
# New interesting inputs are minimized for at most FUZZMINIMIZETIME (Go's default of 60s per input
# stalls fuzzing on large seed pages). Stops at the first failure; the failing input is written to
# the package's testdata/fuzz/<target>/ and replays as a regression test. scripts/fuzz-target.sh runs
# each target and tells Go's coordinator race at the -fuzztime boundary from a finding.
FUZZTIME         ?= 30s
FUZZMINIMIZETIME ?= 3s
fuzz:
	@list=$$($(GO) test -list '^Fuzz' ./...) || { echo "$$list"; exit 1; }; \
	  targets=$$(echo "$$list" | awk '/^Fuzz/ { names = names " " $$1; next } \
	    /^ok/ { n = split(names, f, " "); for (i = 1; i <= n; i++) print $$2 "@" f[i] } { names = "" }'); \
	  [ -n "$$targets" ] || { echo "no fuzz targets found"; exit 1; }; \
	  for t in $$targets; do \
	    pkg=$${t%@*}; name=$${t#*@}; echo "== $$name ($$pkg) for $(FUZZTIME)"; \
	    ./scripts/fuzz-target.sh $(GO) "$$pkg" "$$name" $(FUZZTIME) $(FUZZMINIMIZETIME) || exit 1; \
	  done

clean:
	rm -rf dist bin .tmp examples/ocb-custom/dist
