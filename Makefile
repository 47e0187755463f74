# latchkey: the two commands are `make run` and `make test`.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
PYTHON ?= /usr/bin/python3
CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DLATCHKEY_WERROR=ON
endif

.PHONY: all deps test-deps interop-deps configure build build-tests run test unit e2e clean install install-files uninstall

all: build

deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test

configure:
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: deps configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target latchkey

# Serves on 127.0.0.1:5000 with ./latchkey.db (settings: see README).
run: build
	./$(BUILD_DIR)/latchkey

build-tests: test-deps configure interop-deps
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# jose (npm), a test-only dependency: verifies our tokens as a foreign service would.
interop-deps: tests/interop/node_modules/.package-lock.json

tests/interop/node_modules/.package-lock.json: tests/interop/package.json tests/interop/package-lock.json
	cd tests/interop && npm ci --no-audit --no-fund --loglevel=error

unit: build-tests
	cd $(BUILD_DIR) && ctest --output-on-failure -j$(JOBS)

e2e: build-tests
	LATCHKEY_BIN=$(abspath $(BUILD_DIR))/latchkey $(PYTHON) -m pytest -q tests/e2e

# Every test: unit (GoogleTest via ctest), then end-to-end (pytest against the
# real binary), with a throwaway PostgreSQL for both.
test: build-tests
	@BUILD_DIR=$(BUILD_DIR) bash scripts/run-tests.sh

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log

# `make install` (PREFIX=/usr/local, DESTDIR for staging): the binary, the
# systemd unit (ExecStart pointing at that binary) and the docs.
# install-files installs what is built, without building.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DOCDIR ?= $(PREFIX)/share/doc/latchkey
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
DOCS = README.md docs/openapi.json docs/postman_collection.json packaging/latchkey.env.example

install: build
	@$(MAKE) --no-print-directory install-files

install-files:
	@test -x $(BUILD_DIR)/latchkey || { echo "make install: build $(BUILD_DIR)/latchkey first (make build)" >&2; exit 1; }
	install -D -m 755 $(BUILD_DIR)/latchkey $(DESTDIR)$(BINDIR)/latchkey
	sed 's|^ExecStart=/usr/local/bin/latchkey|ExecStart=$(BINDIR)/latchkey|' packaging/latchkey.service > $(BUILD_DIR)/latchkey.service
	install -D -m 644 $(BUILD_DIR)/latchkey.service $(DESTDIR)$(UNITDIR)/latchkey.service
	install -d $(DESTDIR)$(DOCDIR)
	install -m 644 $(DOCS) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/latchkey $(DESTDIR)$(UNITDIR)/latchkey.service
	rm -rf $(DESTDIR)$(DOCDIR)

# Fuzzing and sanitizers: `make fuzz` builds the libFuzzer targets with clang
# (in build-asan, the sanitized tree the tests share: scripts/sanitized-build.sh) and fuzzes each for FUZZ_SECONDS; `make sanitize` runs the tests
# under ASan + UBSan (build-asan) and ThreadSanitizer (build-tsan), all of them
# under both (make test runs the concurrency subset under TSan).
FUZZ_SECONDS ?= 60
.PHONY: fuzz sanitize

fuzz:
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

sanitize: test-deps interop-deps
	@bash scripts/sanitize-tests.sh --asan --tsan-full

# Performance (bench/README.md): a Release build under wrk on loopback, 3 runs
# of 10 s per scenario, one table; bench-seed adds the Flask seed and panva's
# oidc-provider side by side; bench-oidc runs only the OpenID Connect scenarios,
# latchkey's and oidc-provider's, 5 runs each, alternated (the machine's speed
# moves by a fifth from minute to minute; the table gives each pair's ratio).
# Bounded: about 12 minutes for bench, 18 for bench-seed, 6 for bench-oidc.
BENCH_ARGS ?=
.PHONY: bench bench-seed bench-oidc bench-deps bench-build
bench-deps:
	@bash scripts/install-deps.sh --bench

bench-build: bench-deps configure
	@cmake --build $(BUILD_DIR) -j$(JOBS) --target latchkey $$(cmake --build $(BUILD_DIR) --target help | grep -q latchkey_micro && echo latchkey_micro)

bench: bench-build
	$(PYTHON) bench/run.py --bin $(BUILD_DIR)/latchkey --micro $(BUILD_DIR)/bench/micro/latchkey_micro $(BENCH_ARGS)

bench-seed: bench-build
	$(PYTHON) bench/run.py --seed --oidc-peer --bin $(BUILD_DIR)/latchkey --micro $(BUILD_DIR)/bench/micro/latchkey_micro $(BENCH_ARGS)

bench-oidc: bench-build
	$(PYTHON) bench/run.py --only oidc --oidc-peer --runs 5 --bin $(BUILD_DIR)/latchkey --micro $(BUILD_DIR)/bench/micro/latchkey_micro $(BENCH_ARGS)
