# connector-mock — build, run and test.
#
#   make          build build/connector-mock
#   make run      install what is missing, build, start on 127.0.0.1:8088
#   make test     install what is missing, build, run every test suite: plain,
#                 under ASan+UBSan (build/asan), the daemon under valgrind, and
#                 a short run of every fuzzer (FUZZ_SECONDS, default 10)
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
RUN_PACKAGES := libmicrohttpd-dev libcjson-dev libsqlite3-dev libinih-dev libcurl4-openssl-dev \
	pkg-config
TEST_PACKAGES := check prometheus curl valgrind util-linux clang-14 libclang-rt-14-dev wrk \
	clang-format cppcheck chromium
PKG_MODULES := libmicrohttpd libcjson sqlite3 inih

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
EMBEDDED := fixtures/default.json fixtures/demo.json conf/connector-mock.conf
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
	integration bench clean format lint
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
	@$(EMBED_TOOL) $@ $(EMBEDDED)

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

run: all
	./$(BUILD)/connector-mock $(ARGS)

suites: $(BUILD)/connector-mock $(UNIT_TESTS) $(INTEGRATION_TESTS)

# Each suite prints Check's summary; tests/run-suites fails when a suite
# fails or prints none, and when, all counted, no test ran.
test: deps
	@mkdir -p build && rm -f build/test-totals
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-plain
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-asan
	@TEST_TOTALS=$(CURDIR)/build/test-totals $(MAKE) --no-print-directory test-valgrind
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

# cppcheck, and the formatting checked without changing anything
lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --suppress=missingIncludeSystem -I store -I server store server
	clang-format --dry-run --Werror $(C_FILES)

clean:
	rm -rf $(BUILD)

# last: it reads PKG_MODULES, STORE_SRC and SERVER_SRC above
include fuzz/fuzz.mk
