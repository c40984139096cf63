# connector-mock — build, run and test.
#
#   make          build build/connector-mock
#   make run      install what is missing, build, start on 127.0.0.1:8088
#   make test     install what is missing, lint, check the file graphs (make
#                 deps-graph), build, run every test suite: plain, under
#                 ASan+UBSan (build/asan), the daemon under valgrind, and a
#                 short run of every fuzzer (FUZZ_SECONDS, default 10)
#   make lint     clang-format's check and cppcheck over every C file
#   make deps-graph  the file-level call and include graphs of store/ and
#                 server/; fails on a cycle between files (tests/deps-graph)
#   make fuzz     the fuzzers alone (fuzz/README.md); make bench: bench/README.md
#   make clean    remove build/ (the database in var/ stays)
#
# Missing Debian packages are installed with apt-get when make runs as root;
# otherwise make prints the exact apt-get line and stops.

CC ?= cc
BUILD ?= build
# Debian packages: what building and running need (make, make run), and
# what the tests add (make test). Test tooling from npm is pinned in
# tests/<tool>/package-lock.json and installed under $(BUILD)/node/<tool>.
RUN_PACKAGES := libmicrohttpd-dev libcjson-dev libsqlite3-dev libcurl4-openssl-dev \
	pkg-config libyaml-dev
TEST_PACKAGES := check prometheus curl valgrind util-linux clang-14 libclang-rt-14-dev wrk \
	clang-format cppcheck chromium mandoc systemd
PKG_MODULES := libmicrohttpd libcjson sqlite3

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 $(WARNINGS) $(CFLAGS) $(EXTRA_CFLAGS) -pthread \
	$(shell pkg-config --cflags $(PKG_MODULES) 2>/dev/null)
LIBS = $(shell pkg-config --libs $(PKG_MODULES) 2>/dev/null) -pthread -lm
TEST_LIBS = $(shell pkg-config --libs check libcurl 2>/dev/null)

STORE_SRC := $(wildcard store/*.c)
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c))
STORE_OBJ := $(STORE_SRC:%.c=$(BUILD)/obj/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/obj/%.o)
HEADERS := $(wildcard store/*.h server/*.h tests/*.h)
# Files compiled into the binary (server/embedded.h): tools/embed.c writes
# them into one generated source, linked with the server's objects.
EMBEDDED := fixtures/default.json fixtures/demo.json conf/connector-mock.conf \
	server/ui/index.html server/ui/app.css server/ui/core.js server/ui/views.js \
	server/ui/panels.js server/ui/app.js \
	docs/openapi.yaml
EMBED_TOOL := $(BUILD)/tools/embed
EMBEDDED_SRC := $(BUILD)/gen/embedded_files.c
EMBEDDED_OBJ := $(BUILD)/obj/gen/embedded_files.o
SERVER_OBJ += $(EMBEDDED_OBJ)
UNIT_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/unit_*.c))
INTEGRATION_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/integration_*.c))
TEST_SUPPORT := $(BUILD)/obj/tests/support.o $(BUILD)/obj/tests/raw.o

# The sanitizer build: its own directory, its own daemon.
ASAN_BUILD := build/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The daemon under valgrind for the suites that do not measure time.
VALGRIND_SUITES := integration_oms integration_admin integration_readme
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file=$(CURDIR)/build/valgrind/%p.log

.PHONY: all deps deps-run run test test-plain test-asan test-valgrind test-fuzz suites unit \
	integration bench clean format lint deps-graph
# keep test objects between builds
.SECONDARY:
.DEFAULT_GOAL := all

all: deps-run $(BUILD)/connector-mock

# deps-run: what make and make run need; deps: that and the test tooling.
deps-run:
	@sh tests/install-packages $(RUN_PACKAGES)

deps: deps-run
	@sh tests/install-packages $(TEST_PACKAGES)
	@command -v npm >/dev/null 2>&1 || sh tests/install-packages nodejs npm

# npm tooling of one test suite: tests/<tool>/package.json and its lockfile,
# installed exactly (npm ci) into $(BUILD)/node/<tool>/node_modules.
$(BUILD)/node/%/.installed: tests/%/package.json tests/%/package-lock.json
	@mkdir -p $(BUILD)/node/$*
	@cp tests/$*/package.json tests/$*/package-lock.json $(BUILD)/node/$*/
	@echo "  NPM     $(BUILD)/node/$*"
	@cd $(BUILD)/node/$* && npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(EMBED_TOOL): tools/embed.c
	@mkdir -p $(dir $@)
	@$(CC) -std=c11 -O2 $(WARNINGS) $< -o $@

$(EMBEDDED_SRC): $(EMBED_TOOL) $(EMBEDDED)
	@mkdir -p $(dir $@)
	@echo "  EMBED   $@"
	@$(EMBED_TOOL) $@ $(EMBEDDED) $(EMBEDDED_GENERATED)

$(EMBEDDED_OBJ): $(EMBEDDED_SRC) server/embedded.h
	@mkdir -p $(dir $@)
	@$(CC) $(ALL_CFLAGS) -I server -c $< -o $@

$(BUILD)/connector-mock: $(BUILD)/obj/server/main.o $(SERVER_OBJ) $(STORE_OBJ)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT) $(SERVER_OBJ) $(STORE_OBJ)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(LIBS) $(TEST_LIBS)

# make run keeps its database in var/ (a --db in ARGS still wins)
run: all
	CONNECTOR_MOCK_DB="$${CONNECTOR_MOCK_DB:-var/connector-mock.db}" ./$(BUILD)/connector-mock $(ARGS)

suites: $(BUILD)/connector-mock $(UNIT_TESTS) $(INTEGRATION_TESTS)

# Each suite prints Check's summary; tests/run-suites fails when a suite
# fails or prints none, and when, all counted, no test ran.
test: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory deps-graph
	@mkdir -p build && rm -f build/test-totals
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-plain
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-asan
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-valgrind
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-browser
	@$(MAKE) --no-print-directory test-fuzz
	@awk '{ p += $$1; f += $$2 } END { printf "total: %d passed, %d failed\n", p, f; exit (f > 0 || p == 0) }' \
	  build/test-totals

test-plain: suites
	@echo "== plain build"
	@sh tests/run-suites $(UNIT_TESTS) $(INTEGRATION_TESTS)

test-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS="-O1 -g" \
	  EXTRA_CFLAGS="$(ASAN_FLAGS)" suites
	@echo "== ASan + UBSan build (daemon: $(ASAN_BUILD)/connector-mock)"
	@CONNECTOR_MOCK_BIN=$(ASAN_BUILD)/connector-mock \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tests/run-suites $(patsubst $(BUILD)/%,$(ASAN_BUILD)/%,$(UNIT_TESTS) $(INTEGRATION_TESTS))

test-valgrind: suites
	@rm -rf build/valgrind && mkdir -p build/valgrind
	@echo "== the daemon under valgrind memcheck"
	@CONNECTOR_MOCK_WRAPPER="$(VALGRIND)" \
	  sh tests/run-suites $(addprefix $(BUILD)/tests/,$(VALGRIND_SUITES))
	@sh tests/check-valgrind build/valgrind

# every harness replays its seeds and saved crashes, then fuzzes briefly
test-fuzz:
	@echo "== fuzzers, $(FUZZ_SECONDS) s each"
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# the file-level graphs from the objects' symbols (nm) and the #include
# lines; a cycle between files fails the build's tests
deps-graph: $(BUILD)/obj/server/main.o $(SERVER_OBJ) $(STORE_OBJ)
	@sh tests/deps-graph $(BUILD)/obj

unit: deps $(BUILD)/connector-mock $(UNIT_TESTS)
	@sh tests/run-suites $(UNIT_TESTS)

integration: deps $(BUILD)/connector-mock $(INTEGRATION_TESTS)
	@sh tests/run-suites $(INTEGRATION_TESTS)

C_FILES = store/*.[ch] server/*.[ch] tools/*.c tests/*.[ch] fuzz/*.[ch] bench/*.c

# bench/run.sh: connector-mock against a bare-MHD baseline and WireMock,
# under wrk; writes bench/results/latest.md (bench/README.md). Not part of
# make test: it takes about 15 minutes and wants a quiet machine.
bench: deps
	@bash bench/run.sh

format:
	clang-format -i $(C_FILES)

# The formatting of every C file checked without changing anything, then
# cppcheck over every C file; a finding fails either. cppcheck is given
# cJSON's header for its cJSON_ArrayForEach macro (else it skips the files
# that use it). A deliberate exception is an inline cppcheck-suppress
# comment, with its reason beside it.
CPPCHECK_FLAGS = --quiet --error-exitcode=1 --std=c11 -j2 \
	--enable=warning,portability,performance --inline-suppr \
	--suppress=missingIncludeSystem -I store -I server -I tests \
	--include=$(shell pkg-config --variable=includedir libcjson 2>/dev/null)/cjson/cJSON.h

lint: deps
	@echo "== lint: clang-format, cppcheck"
	@clang-format --dry-run --Werror $(C_FILES)
	@cppcheck $(CPPCHECK_FLAGS) $(wildcard store server tools cli tests fuzz bench)

clean:
	rm -rf $(BUILD)

# ---- connectorctl (cli/): the OMS operations from the command line -----------
# It links the taskName grammar (store/taskname.c) and libcurl; its pure
# parsers (TIME, --set) are linked into unit_cli and the fuzzers too.
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
CLI_PARSER_OBJ := $(BUILD)/obj/cli/timeparse.o $(BUILD)/obj/cli/timezone.o \
	$(BUILD)/obj/cli/setspec.o
CLI_LIBS = $(shell pkg-config --libs libcurl libcjson 2>/dev/null)
C_FILES += cli/*.[ch]

all: $(BUILD)/connectorctl
suites: $(BUILD)/connectorctl

$(CLI_OBJ) $(BUILD)/obj/tests/unit_cli.o $(BUILD)/obj/tests/integration_cli.o: $(wildcard cli/*.h)

$(BUILD)/connectorctl: $(CLI_OBJ) $(BUILD)/obj/store/taskname.o $(BUILD)/obj/store/text.o
	@echo "  LINK    $@"
	@$(CC) $(ALL_CFLAGS) $^ -o $@ $(CLI_LIBS)

$(BUILD)/tests/unit_cli: $(CLI_PARSER_OBJ)
# the suites that run the binary find it beside the daemon
$(BUILD)/tests/integration_cli $(BUILD)/tests/integration_readme: | $(BUILD)/connectorctl

# The dashboard (server/ui/, at /_mock/ui). Its browser suite drives Debian's
# chromium with puppeteer-core (tests/browser/package-lock.json) against the
# real daemon; make screenshots rewrites docs/ui-light.png and docs/ui-dark.png.
BROWSER_NODE := $(BUILD)/node/browser
.PHONY: test-browser screenshots

test-browser: deps $(BUILD)/connector-mock $(BROWSER_NODE)/.installed
	@echo "== the dashboard in headless chromium"
	@NODE_PATH=$(CURDIR)/$(BROWSER_NODE)/node_modules sh tests/run-suites tests/browser/run.js

screenshots: deps $(BUILD)/connector-mock $(BROWSER_NODE)/.installed
	@NODE_PATH=$(CURDIR)/$(BROWSER_NODE)/node_modules node tests/browser/screenshots.js

# ---- the OpenAPI document ---------------------------------------------------
# docs/openapi.yaml is the one source; the daemon serves it as YAML and as
# JSON (server/docs_routes.c). The JSON is converted at build time by
# tools/yaml2json.c (libyaml, a build dependency only) and embedded under
# the name docs/openapi.json, so the daemon parses no YAML at run time.
YAML2JSON := $(BUILD)/tools/yaml2json
OPENAPI_JSON := $(BUILD)/gen/docs/openapi.json
EMBEDDED_GENERATED += docs/openapi.json=$(OPENAPI_JSON)
$(EMBEDDED_SRC): $(OPENAPI_JSON)

$(YAML2JSON): tools/yaml2json.c
	@mkdir -p $(dir $@)
	@$(CC) -std=c11 -O2 $(WARNINGS) $(shell pkg-config --cflags libcjson yaml-0.1) $< -o $@ \
	  $(shell pkg-config --libs libcjson yaml-0.1)

$(OPENAPI_JSON): $(YAML2JSON) docs/openapi.yaml
	@mkdir -p $(dir $@)
	@echo "  YAML2JSON $@"
	@$(YAML2JSON) docs/openapi.yaml $@

# tests/integration_contract.c lints the document (@redocly/cli) and runs
# the daemon's traffic through a validating proxy (@stoplight/prism-cli),
# both from build/node/contract (the ASan stage uses the same copy).
CONTRACT_TOOLS := build/node/contract/.installed
test-plain test-asan integration: $(CONTRACT_TOOLS)

# ---- install and uninstall ------------------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=]: the daemon (and connectorctl,
# its man page and bash completion when they are built), the man pages, the
# example config (documentation: the defaults are built in), the fixture
# sets and the systemd unit. make uninstall removes exactly those.
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man/man1
DOCDIR = $(PREFIX)/share/doc/connector-mock
DATADIR = $(PREFIX)/share/connector-mock
UNITDIR = $(PREFIX)/lib/systemd/system
COMPLETIONDIR = $(PREFIX)/share/bash-completion/completions
FIXTURE_SETS := fixtures/default.json fixtures/demo.json
INSTALLED_MANS = $(notdir $(wildcard man/*.1))

.PHONY: install uninstall
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(DATADIR)/fixtures $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/connector-mock $(DESTDIR)$(BINDIR)/connector-mock
	if [ -x $(BUILD)/connectorctl ]; then \
	  install -m 0755 $(BUILD)/connectorctl $(DESTDIR)$(BINDIR)/connectorctl; fi
	install -m 0644 $(addprefix man/,$(INSTALLED_MANS)) $(DESTDIR)$(MANDIR)/
	if [ -f cli/connectorctl.bash ]; then install -d $(DESTDIR)$(COMPLETIONDIR) && \
	  install -m 0644 cli/connectorctl.bash $(DESTDIR)$(COMPLETIONDIR)/connectorctl; fi
	install -m 0644 conf/connector-mock.conf $(DESTDIR)$(DOCDIR)/connector-mock.conf
	install -m 0644 $(FIXTURE_SETS) $(DESTDIR)$(DATADIR)/fixtures/
	sed 's|@BINDIR@|$(BINDIR)|' dist/connector-mock.service >$(DESTDIR)$(UNITDIR)/connector-mock.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/connector-mock.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/connector-mock $(DESTDIR)$(BINDIR)/connectorctl \
	  $(addprefix $(DESTDIR)$(MANDIR)/,$(INSTALLED_MANS) connectorctl.1) \
	  $(DESTDIR)$(COMPLETIONDIR)/connectorctl \
	  $(DESTDIR)$(DOCDIR)/connector-mock.conf \
	  $(addprefix $(DESTDIR)$(DATADIR)/fixtures/,$(notdir $(FIXTURE_SETS))) \
	  $(DESTDIR)$(UNITDIR)/connector-mock.service
	rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/fixtures $(DESTDIR)$(DATADIR) 2>/dev/null || true

# last: it reads PKG_MODULES, STORE_SRC and SERVER_SRC above
include fuzz/fuzz.mk
