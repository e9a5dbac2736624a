# Two commands for a newcomer: `make demo` (set up + a whole local Studio login) and `make test`.
SHELL := /bin/bash
FUNCTIONS := define-auth-challenge create-auth-challenge verify-auth-challenge custom-message
BIN_FLAGS := $(foreach f,$(FUNCTIONS),--bin $(f))

VENV := build/venv
PY := $(VENV)/bin/python
# cargo-lambda, zig (cross-linking) and cfn-lint live here; zig is found through the first
# python3 on PATH, so this venv's bin goes first whenever cargo lambda runs.
TOOLS := build/venv-tools
# SAM CLI pins botocore differently from ministack: its own venv.
SAM_VENV := build/venv-sam
WITH_TOOLS := PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH"

# x86_64 functions for local runs (ministack executes bootstraps on this host); the same flags
# as `sam build` uses for Architecture=x86_64, so both share one cargo cache.
X86_DIR := build/lambda/x86_64
ARM_DIR := build/lambda/arm64
LOCAL_BACKEND := target/release/local-amplifybackend

NODE_DIR := build/node-original
CARGO_TOOLS := build/cargo-tools
SEED := $(firstword $(wildcard ../shared/seeds/000_*.txt))

.PHONY: bench bench-smoke bench-cold bench-cold-smoke functions-test-ca race load deny fuzz fuzz-smoke node-original \
        demo test unit e2e e2e-arm64 lint fmt build functions-x86_64 local-backend sizes template-lint \
        check migrate rollback deploy-cargo-lambda dev venv tools sam-venv clean

## help: the targets and what they do (from these `## ` comments)
.PHONY: help
help:
	@awk '/^## /{ line = substr($$0, 4); if (line ~ /^[a-z0-9 \/-]+: /) print line; else print "    " line }' $(firstword $(MAKEFILE_LIST))

## demo: install what is needed, then run a whole Amplify Studio login locally
demo: venv functions-x86_64 local-backend
	$(PY) tests/e2e/demo.py

## test: unit + integration tests, then the end-to-end suites through ministack
test: unit e2e

unit:
	cargo test --workspace --all-targets

e2e: venv tools sam-venv functions-x86_64 local-backend node-original
	$(PY) -m pytest tests/e2e -q -p no:cacheprovider

## lint: formatting, clippy (warnings are errors), and the SAM template
## e2e-arm64: what users deploy — the arm64 release zips of `make build` — through the login
## suite and the SAM deploy (template default arm64), then a bench smoke and a replay race, all
## under qemu-user via binfmt_misc (tests/arm64/emulation.sh; root, installs from apt if needed)
ARM_BIN_DIR := build/lambda/arm64-bin
e2e-arm64: build venv tools sam-venv local-backend
	bash tests/arm64/emulation.sh
	STUDIO_ARCH=arm64 $(PY) -m pytest tests/e2e/test_login.py tests/e2e/test_sam_deploy.py -q -p no:cacheprovider
	@rm -rf $(ARM_BIN_DIR); for f in $(FUNCTIONS); do mkdir -p $(ARM_BIN_DIR)/$$f && \
	  python3 -m zipfile -e $(ARM_DIR)/$$f/bootstrap.zip $(ARM_BIN_DIR)/$$f && chmod +x $(ARM_BIN_DIR)/$$f/bootstrap || exit 1; done
	cargo build --release -p lambda-bench
	target/release/lambda-bench warm --bin-dir $(ARM_BIN_DIR) --events 10 --runs 1
	target/release/lambda-bench race --bin-dir $(ARM_BIN_DIR) --rounds 20 --racers 2
	target/release/lambda-bench race --bin-dir $(ARM_BIN_DIR) --rounds 10 --racers 10

lint: template-lint
	cargo fmt --all -- --check
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# The fuzz crate is its own workspace (its own instrumentation flags): checked here too.
	cargo clippy --manifest-path fuzz/Cargo.toml --locked --all-targets -- -D warnings

template-lint: tools sam-venv
	$(TOOLS)/bin/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --region us-east-1

fmt:
	cargo fmt --all

## build: arm64 release artifacts, build/lambda/arm64/<function>/bootstrap.zip, platform-checked, with sizes
build: tools
	$(WITH_TOOLS) cargo lambda build --release --arm64 $(BIN_FLAGS) --output-format zip --lambda-dir $(ARM_DIR)
	python3 deploy/check_artifacts.py --arch arm64 $(ARM_DIR)
	@$(MAKE) --no-print-directory sizes DIR=$(ARM_DIR)

functions-x86_64: tools
	$(WITH_TOOLS) cargo lambda build --release --x86-64 $(BIN_FLAGS) --output-format binary --lambda-dir $(X86_DIR)
	python3 deploy/check_artifacts.py --arch x86_64 $(X86_DIR)

local-backend:
	cargo build --release -p local-amplifybackend

# Every artifact is checked; the target fails if any is missing or over 4 MB.
sizes:
	@status=0; for f in $(FUNCTIONS); do \
	  z=$(DIR)/$$f/bootstrap.zip; \
	  if ! s=$$(stat -c %s $$z 2>/dev/null); then echo "$$z: missing"; status=1; continue; fi; \
	  if [ $$s -le 4000000 ]; then verdict='(<= 4 MB)'; else verdict='(OVER 4 MB)'; status=1; fi; \
	  printf '%-24s %9d bytes %s\n' $$f $$s "$$verdict"; \
	done; exit $$status

## bench: Rust vs the Node original under a loopback Runtime API; writes build/bench.md
bench: functions-x86_64 node-original
	cargo build --release -p lambda-bench
	target/release/lambda-bench warm --bin-dir $(X86_DIR) --node-dir $(NODE_DIR) --events 1000 --runs 5 --markdown build/bench.md

## bench-smoke: a few events per function, fails on any wrong answer (CI)
bench-smoke: functions-x86_64
	cargo build --release -p lambda-bench
	@if [ -n "$(SEED)" ]; then $(MAKE) --no-print-directory node-original && \
	  target/release/lambda-bench warm --bin-dir $(X86_DIR) --node-dir $(NODE_DIR) --events 30 --runs 1; \
	else echo "../shared/seeds/000_*.txt missing: smoke without the Node original"; \
	  target/release/lambda-bench warm --bin-dir $(X86_DIR) --events 30 --runs 1; fi

## bench-cold: cold starts (fresh process per trial, AmplifyBackend over TLS) at the CPU share of a
## 128 MB function, the Node original beside; TRIALS= (default 30), MEMORY= (default 128)
# verify built with `test-ca` (trusts the bench's own CA as well as Amazon's roots; never shipped),
# beside the release builds of the other three.
TEST_CA_DIR := build/lambda/x86_64-test-ca
functions-test-ca: functions-x86_64
	$(WITH_TOOLS) cargo lambda build --release --x86-64 --bin verify-auth-challenge \
	  --features verify-auth-challenge/test-ca --output-format binary --lambda-dir $(TEST_CA_DIR)
	@for f in define-auth-challenge create-auth-challenge custom-message; do \
	  mkdir -p $(TEST_CA_DIR)/$$f && cp $(X86_DIR)/$$f/bootstrap $(TEST_CA_DIR)/$$f/bootstrap; done

bench-cold: functions-test-ca node-original
	cargo build --release -p lambda-bench
	target/release/lambda-bench cold --trials $(or $(TRIALS),30) --memory $(or $(MEMORY),128) \
	  --bin-dir $(TEST_CA_DIR) --node-dir $(NODE_DIR) --markdown build/bench-cold.md

## bench-cold-smoke: 3 cold trials per function (CI): fails on a wrong answer, not on timing
bench-cold-smoke: functions-test-ca
	cargo build --release -p lambda-bench
	@if [ -n "$(SEED)" ]; then $(MAKE) --no-print-directory node-original && \
	  target/release/lambda-bench cold --trials 3 --memory 128 --bin-dir $(TEST_CA_DIR) --node-dir $(NODE_DIR); \
	else target/release/lambda-bench cold --trials 3 --memory 128 --bin-dir $(TEST_CA_DIR); fi

## race: 1,000 rounds of 2 and of 10 concurrent verifies of one correct code (real binaries)
race: functions-x86_64
	cargo build --release -p lambda-bench
	target/release/lambda-bench race --bin-dir $(X86_DIR) --rounds $(or $(ROUNDS),1000) --racers 2
	target/release/lambda-bench race --bin-dir $(X86_DIR) --rounds $(or $(ROUNDS),1000) --racers 10

## load: whole logins through ministack (default 10,000, 8 at a time; LOGINS=, CONCURRENCY=)
load: venv functions-x86_64 local-backend
	$(PY) tests/e2e/load.py --logins $(or $(LOGINS),10000) --concurrency $(or $(CONCURRENCY),8)

## deny: licenses, bans and sources of the dependency graph (cargo-deny, installed locally)
deny: $(CARGO_TOOLS)/bin/cargo-deny
	PATH="$(CURDIR)/$(CARGO_TOOLS)/bin:$$PATH" cargo deny check licenses bans sources
	@echo "dependencies (normal, all workspace crates): $$(cargo tree --workspace -e normal --prefix none | sed 's/ (\*)//' | sort -u | wc -l)"
	@echo "duplicate versions:"; cargo tree --workspace -e normal -d --depth 0 --prefix none | grep -v '^$$' | sort -u | sed 's/^/  /'

# Installed into build/ unless this machine already has the same version on PATH.
$(CARGO_TOOLS)/bin/cargo-deny:
	@mkdir -p $(CARGO_TOOLS)/bin
	@if cargo-deny --version 2>/dev/null | grep -q ' 0.18.3'; then ln -sf "$$(command -v cargo-deny)" $@; \
	 else cargo install cargo-deny --locked --version 0.18.3 --root $(CARGO_TOOLS); fi

## fuzz: every trigger's fuzz target for FUZZ_SECONDS each (default 60); fuzz-smoke: 10 s each
FUZZ_TARGETS := define create verify custom_message
# Each run's whole output goes to build/fuzz/<target>.log; the summary lines are shown, and a
# crash, a failed build or any other non-zero exit prints the log's tail and fails the target.
fuzz: $(CARGO_TOOLS)/bin/cargo-fuzz
	@mkdir -p build/fuzz; for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; log=build/fuzz/$$t.log; \
	  (cd fuzz && PATH="$(CURDIR)/$(CARGO_TOOLS)/bin:$$PATH" cargo fuzz run -s none $$t corpus/$$t corpus-seeds/$$t -- \
	    -max_total_time=$(or $(FUZZ_SECONDS),60) -print_final_stats=1) > $$log 2>&1; rc=$$?; \
	  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==|SUMMARY)' $$log | sed "s/^/$$t: /"; \
	  if [ $$rc -ne 0 ]; then tail -n 40 $$log; echo "$$t: FAILED (exit $$rc), full output in $$log"; exit 1; fi; \
	done

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

$(CARGO_TOOLS)/bin/cargo-fuzz:
	@mkdir -p $(CARGO_TOOLS)/bin
	@if cargo-fuzz --version 2>/dev/null | grep -q ' 0.13.2'; then ln -sf "$$(command -v cargo-fuzz)" $@; \
	 else cargo install cargo-fuzz --locked --version 0.13.2 --root $(CARGO_TOOLS); fi

node-original: $(NODE_DIR)/.installed
$(NODE_DIR)/.installed: crates/lambda-bench/node/bootstrap.js crates/lambda-bench/node/package.json
	@test -n "$(SEED)" || { echo "../shared/seeds/000_*.txt (the page with the original handler) is missing"; exit 2; }
	mkdir -p $(NODE_DIR)
	cp crates/lambda-bench/node/bootstrap.js crates/lambda-bench/node/package.json $(NODE_DIR)/
	python3 crates/lambda-bench/node/extract_handler.py $(SEED) > $(NODE_DIR)/index.js
	cd $(NODE_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@

## deploy-cargo-lambda: the four arm64 functions with `cargo lambda deploy`, attached to the pool
deploy-cargo-lambda: tools venv
	@test -n "$(APP_ID)" || { echo "usage: make deploy-cargo-lambda APP_ID=... [SHORT_CODE=rust] [REGION=...]"; exit 2; }
	@test -f $(ARM_DIR)/verify-auth-challenge/bootstrap.zip || $(MAKE) --no-print-directory build
	$(WITH_TOOLS) $(PY) deploy/cargo_lambda_deploy.py --app-id $(APP_ID) --short-code $(or $(SHORT_CODE),rust) \
	  --lambda-dir $(ARM_DIR) $(if $(REGION),--region $(REGION))

## dev: a local AmplifyBackend on :9100 and `cargo lambda watch` (Invoke API on :9000) for all four
## functions, with the verify function pointed at it; see README "Local development"
DEV_APP_ID ?= d1a2b3c4d5e6f7
DEV_BACKEND_PORT ?= 9100
DEV_INVOKE_PORT ?= 9000
dev: tools local-backend
	@$(LOCAL_BACKEND) --port $(DEV_BACKEND_PORT) & backend=$$!; trap "kill $$backend" EXIT; \
	  $(WITH_TOOLS) cargo lambda watch $(if $(SSO),--features sso) \
	    --invoke-address 127.0.0.1 --invoke-port $(DEV_INVOKE_PORT) \
	    --env-var ENDPOINT=http://127.0.0.1:$(DEV_BACKEND_PORT),AMPLIFY_APP_ID=$(DEV_APP_ID)

## check: is a live Studio login pool's sign-in working? APP_ID=... [SHORT_CODE=...] [REGION=...]
# Standard AWS credential chain; invokes each trigger once with a harmless event, prints a table.
AWS_OPTS = $(if $(SHORT_CODE),--short-code $(SHORT_CODE)) $(if $(REGION),--region $(REGION))
check: venv
	@test -n "$(APP_ID)" || { echo "usage: make check APP_ID=... [SHORT_CODE=...] [REGION=...]"; exit 2; }
	$(PY) deploy/check.py --app-id $(APP_ID) $(AWS_OPTS)

## migrate / rollback: move an existing Studio pool's Node triggers to these functions, in place;
## migrate checks the result and rolls back by itself on any failure. Records (the original code)
## go to RECORDS (default ~/.local/state/amplify-studio-login/migrations), never under build/.
RECORD_OPTS = $(if $(RECORDS),--records $(RECORDS))
migrate: tools venv
	@test -n "$(APP_ID)" || { echo "usage: make migrate APP_ID=... [SHORT_CODE=...] [REGION=...] [YES=1]"; exit 2; }
	$(PY) deploy/migrate.py migrate --app-id $(APP_ID) $(AWS_OPTS) $(RECORD_OPTS) \
	  --artifacts $(ARM_DIR) --architecture arm64 $(if $(YES),--yes)

rollback: venv
	@test -n "$(APP_ID)" || { echo "usage: make rollback APP_ID=... [SHORT_CODE=...] [REGION=...] [YES=1]"; exit 2; }
	$(PY) deploy/migrate.py rollback --app-id $(APP_ID) $(AWS_OPTS) $(RECORD_OPTS) $(if $(YES),--yes)

venv: $(VENV)/.installed
$(VENV)/.installed: tests/e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
	touch $@

tools: $(TOOLS)/.installed
$(TOOLS)/.installed: deploy/requirements-tools.txt
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check -r deploy/requirements-tools.txt
	touch $@

sam-venv: $(SAM_VENV)/.installed
$(SAM_VENV)/.installed: deploy/requirements-sam.txt
	python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --disable-pip-version-check -r deploy/requirements-sam.txt
	touch $@

clean:
	rm -rf build target
