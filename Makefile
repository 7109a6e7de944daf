# The two commands of the README. Everything else is CMake.
#   make run   — install missing packages, build, run plinth on the example
#   make test  — install missing packages, build with sanitizers, run every test
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
RUN_DIR  ?= build-release
TEST_DIR ?= build
EXAMPLE  ?= examples/plinth.toml

.PHONY: all run test deps build build-test bench clean

all: build

deps:
	@./scripts/install-deps

build: deps
	@cmake -S . -B $(RUN_DIR) -DCMAKE_BUILD_TYPE=Release -DPL_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(RUN_DIR) -j$(JOBS)

# plinth's main job on the bundled example, offline: check the
# configuration, load and list its plugins, stream a chat through the
# offline provider (native, then the same provider as a sandboxed Wasm
# module), and call a Wasm tool.
run: build
	./$(RUN_DIR)/cli/plinth config check $(EXAMPLE)
	./$(RUN_DIR)/cli/plinth plugins --config $(EXAMPLE)
	./$(RUN_DIR)/cli/plinth chat offline --config $(EXAMPLE) --stream "Hello plinth, stream me a reply"
	./$(RUN_DIR)/cli/plinth chat offline-wasm --config $(EXAMPLE) --stream "Hello from the Wasm sandbox"
	./$(RUN_DIR)/cli/plinth tools calculator --config $(EXAMPLE)
	./$(RUN_DIR)/cli/plinth tool calculator calculate '{"expression": "(2 + 3) * 4 ^ 0.5"}' --config $(EXAMPLE)

# The CI build: clang-19, -Werror, ASan + UBSan, fault injection and the
# libFuzzer targets, all in one tree so one ctest runs everything.
build-test: deps
	@cmake -S . -B $(TEST_DIR) -DCMAKE_C_COMPILER=clang-19 \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPL_WERROR=ON -DPL_SANITIZE=ON \
	  -DPL_TESTING=ON -DPL_FUZZ=ON >/dev/null
	@cmake --build $(TEST_DIR) -j$(JOBS)

test: build-test
	cd $(TEST_DIR) && ctest --output-on-failure -j$(JOBS)

# Each bench prints a small table; together they take about ten seconds.
bench: build
	./$(RUN_DIR)/bench/bench_config_parse
	./$(RUN_DIR)/bench/bench_provider_overhead
	./$(RUN_DIR)/bench/bench_provider_throughput
	./$(RUN_DIR)/bench/wasm/bench_wasm
	./$(RUN_DIR)/bench/extism/bench_extism

clean:
	rm -rf $(RUN_DIR) $(TEST_DIR)
