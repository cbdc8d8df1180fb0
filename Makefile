# Cobra Space — every target does its own set-up on a fresh machine.
# PocketBase v0.40 needs Go 1.27: the go command fetches this exact
# toolchain through the module proxy when the machine's Go is older.
export GOTOOLCHAIN := go1.27.3

BIN      := bin/cobraspace
HTTP     ?= 127.0.0.1:8090
E2E_DIR  := tests/e2e

.PHONY: run build test vet lint gotest race node web-deps chromium e2e-deps e2e screenshots seed clean

## run: build and serve on http://$(HTTP) with the embedded SQLite in pb_data/
## (the web client in pb_public/ at /, the dashboard at /_/);
## another address: make run HTTP=0.0.0.0:8080
run: build web-deps
	./$(BIN) serve --http $(HTTP)

build:
	go build -o $(BIN) .

## seed: demo data in pb_data/ (make seed SEED_FLAGS="--users 1000 --posts 10000")
seed: build
	./$(BIN) seed $(SEED_FLAGS)

## test: go vet, golangci-lint, every Go test (the realtime packages also under the race detector),
## then the end-to-end tests (real server, JS SDK, curl flow, Chromium)
test: vet lint gotest race e2e

vet:
	go vet ./...

## lint: golangci-lint (.golangci.yml: the standard linters, misspell, goimports),
## fetched through the Go module proxy at a pinned version (nothing to install)
GOLANGCI_LINT := go run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
lint:
	$(GOLANGCI_LINT) run ./...

gotest:
	go test -count=1 ./...

race:
	go test -race -count=1 ./internal/chat/ ./hooks/

node:
	@command -v npm >/dev/null || { apt-get update && apt-get install -y nodejs npm; }

## web-deps: the web client's libraries (PocketBase SDK, marked, DOMPurify, highlight.js) from the npm registry
web-deps: node
	cd pb_public && npm ci --no-audit --no-fund

## chromium: Debian's Chromium (browser tests) and fonts for Korean text and emoji
chromium:
	@test -x /usr/bin/chromium && fc-list | grep -qi "noto sans cjk" || { apt-get update && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-noto-cjk fonts-noto-color-emoji; }

e2e-deps: node web-deps chromium
	cd $(E2E_DIR) && npm ci --no-audit --no-fund

e2e: build e2e-deps
	cd $(E2E_DIR) && COBRASPACE_BIN=$(CURDIR)/$(BIN) node --test --test-concurrency=1 *.test.mjs

## screenshots: the browser tests, saving their screenshots to docs/screenshots
screenshots: build e2e-deps
	cd $(E2E_DIR) && COBRASPACE_BIN=$(CURDIR)/$(BIN) SCREENSHOT_DIR=$(CURDIR)/docs/screenshots node --test browser.test.mjs chat_product_browser.test.mjs

clean:
	rm -rf bin
