# ngx_ws_guard: the project's commands.
#
#   make demo    install what is missing, build, run the guarded demo
#   make test    install what is missing, build, run every test
#   make build   build/ngx_http_ws_guard_module.so for Debian's nginx
#   make unit    core unit tests under AddressSanitizer and UBSan
#   make fuzz    libFuzzer targets for a bounded time (FUZZ_SECONDS each)
#   make bench   benchmarks (figures, never pass or fail)

SHELL        = /bin/bash
CC          ?= cc
FUZZ_SECONDS ?= 30
PROVE_FLAGS ?=

SAN_FLAGS    = -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
UNIT_CFLAGS  = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter \
               -Wpointer-arith -g -O1 $(SAN_FLAGS) -Isrc -It/unit

# core sources of each unit test and fuzz target, and their libraries
origin_SRCS  = src/ngx_ws_guard_origin.c
utf8_SRCS    = src/ngx_ws_guard_utf8.c
frame_SRCS   = src/ngx_ws_guard_frame.c src/ngx_ws_guard_utf8.c
jwt_SRCS     = src/ngx_ws_guard_jwt.c
jwt_LIBS     = -lyajl -lcrypto
inflate_SRCS = src/ngx_ws_guard_inflate.c
inflate_LIBS = -lz
schema_SRCS  = src/ngx_ws_guard_schema.c src/ngx_ws_guard_schema_compile.c \
               src/ngx_ws_guard_json.c src/ngx_ws_guard_utf8.c \
               src/ngx_ws_guard_schema_value.c
schema_LIBS  = -lyajl -lpcre2-8

json_SRCS    = src/ngx_ws_guard_json.c src/ngx_ws_guard_utf8.c
json_LIBS    = -lyajl

UNITS        = origin utf8 frame jwt inflate schema json
FUZZERS      = origin utf8 frame jwt inflate schema json

# the official JSON Schema Test Suite, beside the repository
SCHEMA_SUITE ?= ../shared/json-schema-test-suite/draft2020-12

SOURCES      = config ngx_ws_guard_module.c $(wildcard src/*.c src/*.h)

VALGRIND_TESTS ?= t/006-frame-protocol.t t/007-frame-limits.t \
                  t/010-jwt-expiry.t t/012-schema.t t/013-message-scope.t \
                  t/014-deny-pattern.t t/020-rate.t t/021-limit-zone.t \
                  t/026-read-ahead.t

.PHONY: all build deps demo test unit schema-suite fuzz prove valgrind \
        bench bench-profile clean

all: build

deps:
	@sh scripts/install-deps.sh

build: build/ngx_http_ws_guard_module.so

build/ngx_http_ws_guard_module.so: $(SOURCES) scripts/build-module.sh
	@scripts/build-module.sh

demo: deps build
	@scripts/demo.sh

test: deps build unit schema-suite fuzz prove valgrind

prove: build
	prove $(PROVE_FLAGS) t/*.t

valgrind: build
	scripts/valgrind-check.sh $(VALGRIND_TESTS)

build/unit/test_%: t/unit/test_%.c t/unit/unit.h $(wildcard src/ngx_ws_guard_*.[ch])
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) $($*_SRCS) $< $($*_LIBS) -o $@

unit: $(addprefix build/unit/test_,$(UNITS))
	@set -e; for u in $(UNITS); do \
	    (cd t/unit && ../../build/unit/test_$$u); \
	done

build/unit/schema_suite: t/unit/schema_suite.c $(schema_SRCS) \
                         $(wildcard src/ngx_ws_guard_schema*.h)
	@mkdir -p build/unit
	$(CC) $(UNIT_CFLAGS) $(schema_SRCS) $< $(schema_LIBS) -o $@

schema-suite: build/unit/schema_suite
	@suite=$$(cd $(SCHEMA_SUITE) && pwd) && \
	    cd t/unit && ../../build/unit/schema_suite "$$suite"

build/fuzz/fuzz_%: t/fuzz/fuzz_%.c $(wildcard src/ngx_ws_guard_*.[ch])
	@mkdir -p build/fuzz
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -Isrc $($*_SRCS) $< $($*_LIBS) -o $@

fuzz: $(addprefix build/fuzz/fuzz_,$(FUZZERS))
	@set -e; for f in $(FUZZERS); do \
	    mkdir -p build/fuzz/corpus_$$f; \
	    build/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	        build/fuzz/corpus_$$f t/fuzz/corpus_$$f \
	        > build/fuzz/$$f.log 2>&1 \
	        || { tail -n 40 build/fuzz/$$f.log; exit 1; }; \
	    echo "fuzz $$f: $(FUZZ_SECONDS) s, clean," \
	        $$(grep -o 'number_of_executed_units: *[0-9]*' \
	           build/fuzz/$$f.log | grep -o '[0-9]*$$') "runs"; \
	done

build/bench/bench_core: bench/bench_core.c $(frame_SRCS) $(wildcard src/*.h)
	@mkdir -p build/bench
	$(CC) -O2 -g -Isrc $(frame_SRCS) $< -o $@

build/bench/bench_schema: bench/bench_schema.c $(schema_SRCS) \
                          $(wildcard src/*.h)
	@mkdir -p build/bench
	$(CC) -O2 -g -Isrc $(schema_SRCS) $< $(schema_LIBS) -o $@

build/bench/bench_utf8: bench/bench_utf8.c $(utf8_SRCS) $(wildcard src/*.h)
	@mkdir -p build/bench
	$(CC) -O2 -g -Isrc $(utf8_SRCS) $< -o $@

BENCH_CFLAGS = -std=gnu99 -O2 -g -Wall -Wextra -Werror

build/bench/ws_%: bench/ws_%.c bench/ws_bench.h
	@mkdir -p build/bench
	$(CC) $(BENCH_CFLAGS) $< -lcrypto -o $@

# a reference, not the module's code: simdjson (libsimdjson-dev) parsing
# the messages of bench_schema's "1 KiB ws_load -j" rows
build/bench/bench_simdjson: bench/bench_simdjson.cc
	@mkdir -p build/bench
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror $< -lsimdjson -o $@

build/bench/kib.bin: build/bench/bench_schema
	build/bench/bench_schema --write-kib $@

# figures only: nothing here passes or fails on timing
bench: deps build build/bench/bench_core build/bench/bench_utf8 \
       build/bench/bench_schema build/bench/bench_simdjson \
       build/bench/kib.bin build/bench/ws_load build/bench/ws_echo
	build/bench/bench_core
	build/bench/bench_utf8
	build/bench/bench_schema
	build/bench/bench_simdjson build/bench/kib.bin
	bench/jwt_handshakes.sh
	bench/run.sh

bench-profile: build build/bench/ws_load build/bench/ws_echo
	PROFILE=1 bench/run.sh

clean:
	rm -rf build t/servroot
