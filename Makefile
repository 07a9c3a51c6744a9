# A thin layer over meson and dev.sh. `make help` lists the targets.
BUILD ?= build
ASAN ?= build-asan

.PHONY: help deps build run test test-quick arch asan bench bench-quick \
	fuzz format lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | \
		awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install the missing Debian packages (apt-get)
	./dev.sh deps

build: ## build $(BUILD)/pmkb
	@test -f $(BUILD)/build.ninja || meson setup $(BUILD)
	ninja -C $(BUILD)

run: build ## serve ./postmortems at http://127.0.0.1:8080
	./$(BUILD)/pmkb serve

test: ## every suite, also under ASan+UBSan (what CI runs)
	./dev.sh test

test-quick: build ## unit and end-to-end tests, normal build only
	meson test -C $(BUILD) --suite unit --suite e2e --print-errorlogs

arch: ## the layering check: include cycles and layer order (server/layers.txt)
	python3 tests/arch/check_layers.py

asan: ## build with AddressSanitizer + UBSan and run unit and e2e tests
	@test -f $(ASAN)/build.ninja || meson setup $(ASAN) \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN)
	meson test -C $(ASAN) --suite unit --suite e2e --print-errorlogs

bench: build ## the full benchmark table (up to 15 minutes)
	python3 tests/bench/run.py --full

bench-quick: build ## a short benchmark run (about 3 minutes)
	python3 tests/bench/run.py --quick

fuzz: ## run each libFuzzer target for FUZZ_SECONDS (default 60)
	python3 tests/fuzz/run.py --seconds $${FUZZ_SECONDS:-60}

format: ## clang-format the C sources
	clang-format -i server/*.c server/*/*.c include/pmkb/*/*.h tests/unit/*.c

lint: build ## pmkb lint on the sample postmortems
	./$(BUILD)/pmkb lint postmortems

clean: ## remove build directories
	rm -rf $(BUILD) $(ASAN) build-fuzz
