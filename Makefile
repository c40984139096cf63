# connector-mock — build, run and test.
#
#   make          build build/connector-mock
#   make run      install what is missing, build, start on 127.0.0.1:8088
#   make test     install what is missing, build, check the file graphs
#                 (make deps-graph), run every test suite: plain, under
#                 ASan+UBSan (build/asan), the daemon under valgrind, and
#                 a short run of every fuzzer (FUZZ_SECONDS, default 10)
#   make deps-graph  the file-level call and include graphs of store/ and
#                 server/; fails on a cycle between files (tests/deps-graph)
#   make fuzz     the fuzzers alone (fuzz/README.md); make bench: bench/README.md
#   make clean    remove build/ (the database in var/ stays)
#
# Missing Debian packages are installed with apt-get when make runs as root;
# otherwise make prints the exact apt-get line and stops.

CC ?= cc
BUILD ?= build
PACKAGES := libmicrohttpd-dev libcjson-dev libsqlite3-dev libinih-dev check prometheus \
	libcurl4-openssl-dev pkg-config curl valgrind util-linux clang-14 libclang-rt-14-dev wrk
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
UNIT_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/unit_*.c))
INTEGRATION_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/integration_*.c))
TEST_SUPPORT := $(BUILD)/obj/tests/support.o

# The sanitizer build: its own directory, its own daemon.
ASAN_BUILD := build/asan
ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The daemon under valgrind for the suites that do not measure time.
VALGRIND_SUITES := integration_oms integration_admin integration_readme
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file=$(CURDIR)/build/valgrind/%p.log

.PHONY: all deps run test test-plain test-asan test-valgrind test-fuzz suites unit \
	integration bench clean format lint deps-graph
# keep test objects between builds
.SECONDARY:
.DEFAULT_GOAL := all

all: deps $(BUILD)/connector-mock

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null || exit 1; \
	  else \
	    echo "missing packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

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
	@$(MAKE) --no-print-directory deps-graph
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

# the file-level graphs from the objects' symbols (nm) and the #include
# lines; a cycle between files fails the build's tests
deps-graph: $(BUILD)/obj/server/main.o $(SERVER_OBJ) $(STORE_OBJ)
	@sh tests/deps-graph $(BUILD)/obj

unit: deps $(BUILD)/connector-mock $(UNIT_TESTS)
	@sh tests/run-suites $(UNIT_TESTS)

integration: deps $(BUILD)/connector-mock $(INTEGRATION_TESTS)
	@sh tests/run-suites $(INTEGRATION_TESTS)

C_FILES = store/*.[ch] server/*.[ch] tests/*.[ch] fuzz/*.[ch] bench/*.c

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
