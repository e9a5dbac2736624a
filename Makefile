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

# x86_64 functions for local runs (ministack executes bootstraps on this host). `sam build` picks
# its own (glibc) triple from Architecture, so it does not share this build's cargo cache.
X86_DIR := build/lambda/x86_64
ARM_DIR := build/lambda/arm64
# The shipped target triples, static musl: no dynamic loader or relocation pass before `main`,
# the largest share of a cold start (BENCHMARKS.md, "Cold-path attribution"). The only place
# these are named; deploy/make_release.py's TRIPLES must match.
X86_TRIPLE := x86_64-unknown-linux-musl
ARM_TRIPLE := aarch64-unknown-linux-musl
LOCAL_BACKEND := target/release/local-amplifybackend

NODE_DIR := build/node-original
NODE_STANDIN_DIR := build/node-standin
CARGO_TOOLS := build/cargo-tools
SEED := $(firstword $(wildcard ../shared/seeds/000_*.txt))
# The Node original is a comparison anchor, not part of the product: the side-by-side targets run
# it beside ours when the seed page is there, and say so in one line when it is not.
NODE_OPT := $(if $(SEED),--node-dir $(NODE_DIR))

.PHONY: bench bench-smoke bench-cold bench-cold-smoke functions-test-ca race load deny fuzz fuzz-smoke node-original node-standin node-original-if-seed \
        demo test unit e2e e2e-arm64 lint fmt build functions-x86_64 local-backend sizes template-lint \
        check migrate rollback retire admin-venv deploy-cargo-lambda release release-check release-compare release-audit release-deploy-test release-arm64-artifacts deploy-sam dev venv tools sam-venv clean

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

e2e: venv tools sam-venv functions-x86_64 local-backend node-standin node-original-if-seed
	$(PY) -m pytest tests/e2e -q -p no:cacheprovider -rs

## lint: formatting, clippy (warnings are errors), and the SAM template
## e2e-arm64: what users deploy — the arm64 release zips of `make build` — through the login
## suite and the SAM deploy (template default arm64), then a bench smoke and a replay race, all
## under qemu-user via binfmt_misc (tests/arm64/emulation.sh; root, installs from apt if needed)
## RELEASE=dist/amplify-studio-login-<version>: that release's arm64 zips instead of `make build`'s
ARM_BIN_DIR := build/lambda/arm64-bin
e2e-arm64: $(if $(RELEASE),release-arm64-artifacts,build) venv tools sam-venv local-backend
	bash tests/arm64/emulation.sh
	STUDIO_ARCH=arm64 $(if $(RELEASE),STUDIO_RELEASE=$(abspath $(RELEASE))) $(PY) -m pytest tests/e2e/test_login.py tests/e2e/test_sam_deploy.py -q -p no:cacheprovider
	tests/arm64/unpack_bootstraps.sh $(ARM_DIR) $(ARM_BIN_DIR) $(FUNCTIONS)
	cargo build --release -p lambda-bench
	target/release/lambda-bench warm --bin-dir $(ARM_BIN_DIR) --events 10 --runs 1
	target/release/lambda-bench race --bin-dir $(ARM_BIN_DIR) --rounds 20 --racers 2
	target/release/lambda-bench race --bin-dir $(ARM_BIN_DIR) --rounds 10 --racers 10

ADMIN_PY := deploy/studio_login_admin deploy/migrate.py deploy/check.py deploy/cargo_lambda_deploy.py
RELEASE_PY := deploy/make_release.py deploy/release.py tests/release/check_audit.py
lint: template-lint
	$(TOOLS)/bin/ruff check --config deploy/ruff.toml $(ADMIN_PY) $(RELEASE_PY)
	cargo fmt --all -- --check
	cargo fmt --manifest-path fuzz/Cargo.toml -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# The fuzz crate is its own workspace (its own instrumentation flags): checked here too.
	cargo clippy --manifest-path fuzz/Cargo.toml --locked --all-targets -- -D warnings

# Both modes: a fresh stack with its pool (UserPoolId blank) and beside an existing pool (cfn-lint
# resolves the conditions with --parameters; sam validate checks both branches of every !If).
template-lint: tools sam-venv
	$(TOOLS)/bin/cfn-lint template.yaml
	$(TOOLS)/bin/cfn-lint template.yaml --parameters AppId=dexample00001 UserPoolId=us-east-1_Example12
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam validate --lint --region us-east-1

fmt:
	cargo fmt --all

## build: arm64 release artifacts, build/lambda/arm64/<function>/bootstrap.zip, platform-checked, with sizes
build: tools
	$(WITH_TOOLS) cargo lambda build --release --target $(ARM_TRIPLE) $(BIN_FLAGS) --output-format zip --lambda-dir $(ARM_DIR)
	python3 deploy/check_artifacts.py --arch arm64 $(ARM_DIR)
	@$(MAKE) --no-print-directory sizes DIR=$(ARM_DIR)

functions-x86_64: tools
	$(WITH_TOOLS) cargo lambda build --release --target $(X86_TRIPLE) $(BIN_FLAGS) --output-format binary --lambda-dir $(X86_DIR)
	python3 deploy/check_artifacts.py --arch x86_64 $(X86_DIR)

local-backend:
	cargo build --release -p local-amplifybackend

# Every artifact is checked; the target fails if any is missing or over 4 MB.
sizes:
	@deploy/sizes.sh $(DIR) $(FUNCTIONS)

## bench: Rust vs the Node original under a loopback Runtime API; writes build/bench.md
bench: functions-x86_64 node-original-if-seed
	cargo build --release -p lambda-bench
	target/release/lambda-bench warm --bin-dir $(X86_DIR) $(NODE_OPT) --events 1000 --runs 5 --markdown build/bench.md

## bench-smoke: a few events per function, fails on any wrong answer (CI)
bench-smoke: functions-x86_64 node-original-if-seed
	cargo build --release -p lambda-bench
	target/release/lambda-bench warm --bin-dir $(X86_DIR) $(NODE_OPT) --events 30 --runs 1

## bench-cold: cold starts (fresh process per trial, AmplifyBackend over TLS) at the CPU share of a
## 128 MB function, the Node original and a minimal reference process (the floor) beside;
## TRIALS= (default 30), MEMORY= (default 128), BASELINE=<bin dir> alternates another build's trials
# verify built with `test-ca` (trusts the bench's own CA as well as Amazon's roots; never shipped),
# beside the release builds of the other three.
TEST_CA_DIR := build/lambda/x86_64-test-ca
functions-test-ca: functions-x86_64
	$(WITH_TOOLS) cargo lambda build --release --target $(X86_TRIPLE) --bin verify-auth-challenge \
	  --features verify-auth-challenge/test-ca --output-format binary --lambda-dir $(TEST_CA_DIR)
	@tests/bench/copy_bootstraps.sh $(X86_DIR) $(TEST_CA_DIR) define-auth-challenge create-auth-challenge custom-message

bench-cold: functions-test-ca node-original-if-seed
	cargo build --release -p lambda-bench
	target/release/lambda-bench cold --trials $(or $(TRIALS),30) --memory $(or $(MEMORY),128) \
	  --bin-dir $(TEST_CA_DIR) $(NODE_OPT) --floor-target $(X86_TRIPLE) \
	  $(if $(BASELINE),--baseline-bin-dir $(BASELINE)) --markdown build/bench-cold.md

## bench-cold-smoke: 3 cold trials per function (CI): fails on a wrong answer, not on timing
bench-cold-smoke: functions-test-ca node-original-if-seed
	cargo build --release -p lambda-bench
	target/release/lambda-bench cold --trials 3 --memory 128 --bin-dir $(TEST_CA_DIR) $(NODE_OPT) --floor-target $(X86_TRIPLE)

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
# tests/fuzz/run.sh seeds each target from tests/fixtures/ and fails on a crash or build error.
fuzz: $(CARGO_TOOLS)/bin/cargo-fuzz
	@PATH="$(CURDIR)/$(CARGO_TOOLS)/bin:$$PATH" FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

$(CARGO_TOOLS)/bin/cargo-fuzz:
	@mkdir -p $(CARGO_TOOLS)/bin
	@if cargo-fuzz --version 2>/dev/null | grep -q ' 0.13.2'; then ln -sf "$$(command -v cargo-fuzz)" $@; \
	 else cargo install cargo-fuzz --locked --version 0.13.2 --root $(CARGO_TOOLS); fi

## node-original: Studio's real verify (from ../shared/seeds/000_*.txt) and its AWS SDK, for the
## side-by-side tests and benchmarks; node-standin: the verify written from SPEC.md (every clone)
node-original: $(NODE_DIR)/.installed
# The seed page is absent on a user's clone: say what is skipped, once; REQUIRE_NODE_ORIGINAL=1
# (CI, which has the page) turns that into a failure.
node-original-if-seed:
	@if [ -n "$(SEED)" ]; then $(MAKE) --no-print-directory node-original; \
	 elif [ -n "$$REQUIRE_NODE_ORIGINAL" ]; then \
	   echo "REQUIRE_NODE_ORIGINAL is set but ../shared/seeds/000_*.txt is missing: the Node original cannot be built"; exit 2; \
	 else echo "../shared/seeds/000_*.txt absent: the Node-original comparisons are skipped (ours only)"; fi
node-standin: $(NODE_STANDIN_DIR)/.installed
$(NODE_STANDIN_DIR)/.installed: tests/e2e/node/verify-standin.js crates/lambda-bench/node/package.json
	mkdir -p $(NODE_STANDIN_DIR)
	cp crates/lambda-bench/node/package.json $(NODE_STANDIN_DIR)/
	cp tests/e2e/node/verify-standin.js $(NODE_STANDIN_DIR)/index.js
	cd $(NODE_STANDIN_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@
$(NODE_DIR)/.installed: crates/lambda-bench/node/bootstrap.js crates/lambda-bench/node/package.json
	@test -n "$(SEED)" || { echo "../shared/seeds/000_*.txt (the page with the original handler) is missing"; exit 2; }
	mkdir -p $(NODE_DIR)
	cp crates/lambda-bench/node/bootstrap.js crates/lambda-bench/node/package.json $(NODE_DIR)/
	python3 crates/lambda-bench/node/extract_handler.py $(SEED) > $(NODE_DIR)/index.js
	cd $(NODE_DIR) && npm install --no-audit --no-fund --loglevel=error
	touch $@

## deploy-cargo-lambda: the four arm64 functions with `cargo lambda deploy`, attached to the pool
deploy-cargo-lambda: tools admin-venv
	@test -n "$(APP_ID)" || { echo "usage: make deploy-cargo-lambda APP_ID=... [SHORT_CODE=rust] [REGION=...]"; exit 2; }
	@test -f $(ARM_DIR)/verify-auth-challenge/bootstrap.zip || $(MAKE) --no-print-directory build
	$(WITH_TOOLS) $(ADMIN) deploy/cargo_lambda_deploy.py --app-id $(APP_ID) --short-code $(or $(SHORT_CODE),rust) \
	  --lambda-dir $(ARM_DIR) $(if $(REGION),--region $(REGION))

## dev: a local AmplifyBackend on :9100 and `cargo lambda watch` (Invoke API on :9000) for all four
## functions, with the verify function pointed at it; see docs/development.md
DEV_APP_ID ?= d1a2b3c4d5e6f7
DEV_BACKEND_PORT ?= 9100
DEV_INVOKE_PORT ?= 9000
dev: tools local-backend
	@$(LOCAL_BACKEND) --port $(DEV_BACKEND_PORT) & backend=$$!; trap "kill $$backend" EXIT; \
	  $(WITH_TOOLS) cargo lambda watch $(if $(SSO),--features sso) \
	    --invoke-address 127.0.0.1 --invoke-port $(DEV_INVOKE_PORT) \
	    --env-var ENDPOINT=http://127.0.0.1:$(DEV_BACKEND_PORT),AMPLIFY_APP_ID=$(DEV_APP_ID)

## check: per trigger, the function a Studio pool calls, its runtime and Lambda deprecation phase,
## a harmless probe, whether the Rust stack's alarms exist, and (IAM simulation, resource policies) the
## verify role's GetToken/DeleteToken and each invoke permission. APP_ID=... [POOL_ID=] [REGION=]
# Standard AWS credential chain. Its own venv (deploy/requirements.txt): no ministack, no pytest.
ADMIN_VENV := build/venv-admin
ADMIN := $(ADMIN_VENV)/bin/python
AWS_OPTS = $(if $(POOL_ID),--pool-id $(POOL_ID)) $(if $(REGION),--region $(REGION))
check: admin-venv
	@test -n "$(APP_ID)" || { echo "usage: make check APP_ID=... [POOL_ID=...] [REGION=...]"; exit 2; }
	$(ADMIN) deploy/check.py --app-id $(APP_ID) $(AWS_OPTS) $(if $(SHORT_CODE),--short-code $(SHORT_CODE))

## migrate: the Rust functions in their own stack beside Studio's (never modified), checked, then
## the pool's four triggers switched in one UpdateUserPool; switches back by itself on failure
## rollback: the recorded triggers back (DELETE_STACK=1 also deletes the stack)
## retire: after a passing check, deletes the Node originals (cannot be undone; code kept in RECORDS)
## Records go to RECORDS (default ~/.local/state/amplify-studio-login/migrations), never under build/.
RECORD_OPTS = $(if $(RECORDS),--records $(RECORDS))
CUTOVER = SAM_CLI=$(CURDIR)/$(SAM_VENV)/bin/sam $(ADMIN) deploy/migrate.py
# RELEASE=dist/amplify-studio-login-<version>: deploy that release's zips (checked against its
# SHA256SUMS); nothing is compiled, no cargo or zig needed.
migrate: admin-venv sam-venv
	@test -n "$(APP_ID)" || { echo "usage: make migrate APP_ID=... [POOL_ID=...] [REGION=...] [RELEASE=dist/...] [YES=1]"; exit 2; }
	$(if $(RELEASE),python3 deploy/release.py unpack $(RELEASE) --arch arm64 --out $(RELEASE_ARTIFACTS)/arm64,@test -f $(ARM_DIR)/verify-auth-challenge/bootstrap.zip || $(MAKE) --no-print-directory build)
	$(CUTOVER) migrate --app-id $(APP_ID) $(AWS_OPTS) $(RECORD_OPTS) \
	  --artifacts $(if $(RELEASE),$(RELEASE_ARTIFACTS)/arm64,$(ARM_DIR)) --architecture arm64 $(if $(YES),--yes)

rollback: admin-venv
	@test -n "$(APP_ID)" || { echo "usage: make rollback APP_ID=... [REGION=...] [DELETE_STACK=1] [YES=1]"; exit 2; }
	$(CUTOVER) rollback --app-id $(APP_ID) $(AWS_OPTS) $(RECORD_OPTS) $(if $(DELETE_STACK),--delete-stack) $(if $(YES),--yes)

retire: admin-venv
	@test -n "$(APP_ID)" || { echo "usage: make retire APP_ID=... [REGION=...]"; exit 2; }
	$(CUTOVER) retire --app-id $(APP_ID) $(AWS_OPTS) $(RECORD_OPTS)

## fleet: every Studio login pool in the account, one row per app [REGIONS=R,R|all] [CHECK=1] [JSON=1]
## migrate-all / rollback-all: the cutover / rollback of every app, one plan, one confirmation
FLEET_OPTS = $(if $(REGIONS),--regions $(REGIONS)) $(RECORD_OPTS)
fleet: admin-venv
	$(ADMIN) deploy/migrate.py fleet $(FLEET_OPTS) $(if $(CHECK),--check) $(if $(JSON),--json)

migrate-all: admin-venv sam-venv
	@test -f $(ARM_DIR)/verify-auth-challenge/bootstrap.zip || $(MAKE) --no-print-directory build
	$(CUTOVER) migrate-all $(FLEET_OPTS) --artifacts $(ARM_DIR) --architecture arm64 \
	  $(if $(KEEP_GOING),--keep-going) $(if $(YES),--yes)

rollback-all: admin-venv
	$(CUTOVER) rollback-all $(FLEET_OPTS) $(if $(DELETE_STACK),--delete-stack) $(if $(KEEP_GOING),--keep-going) $(if $(YES),--yes)

admin-venv: $(ADMIN_VENV)/.installed
$(ADMIN_VENV)/.installed: deploy/requirements.txt
	python3 -m venv $(ADMIN_VENV)
	$(ADMIN_VENV)/bin/pip install --quiet --disable-pip-version-check -r deploy/requirements.txt
	touch $@

## release: dist/amplify-studio-login-<version>/ — eight zips (four functions × arm64, x86_64) with
## the dependency list embedded (cargo auditable), template.yaml, SHA256SUMS, CycloneDX SBOMs,
## release.json; reproducible (deploy/make_release.py). Prints the artifact table.
CARGO_AUDITABLE_VERSION := 0.7.7
CARGO_CYCLONEDX_VERSION := 0.5.9
RUST_AUDIT_INFO_VERSION := 0.5.4
VERSION = $(shell python3 -c 'import tomllib;print(tomllib.load(open("Cargo.toml","rb"))["workspace"]["package"]["version"])')
RELEASE_DIR = dist/amplify-studio-login-$(VERSION)
RELEASE_ARTIFACTS := build/release-artifacts
RELEASE_TOOLS = --auditable $(CURDIR)/$(CARGO_TOOLS)/bin/cargo-auditable --cyclonedx $(CURDIR)/$(CARGO_TOOLS)/bin/cargo-cyclonedx
release: tools $(CARGO_TOOLS)/bin/cargo-auditable $(CARGO_TOOLS)/bin/cargo-cyclonedx
	$(WITH_TOOLS) python3 deploy/make_release.py $(RELEASE_TOOLS) $(RELEASE_OPTS)
	@deploy/check_release_artifacts.sh $(RELEASE_DIR) $(RELEASE_ARTIFACTS) arm64 x86_64

## release-check: rebuild the release from a clean clone of the commit its release.json names (same
## SOURCE_DATE_EPOCH) in another directory, with its own target dir, and compare the zips byte for
## byte. CI: RELEASE_CHECK_OPTS="--arch arm64 --only verify-auth-challenge"
REPRO_DIR := build/repro
REPRO_CLONE := $(REPRO_DIR)/elsewhere/amplify-studio-login
RELEASE_FIELD = $(shell python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))[sys.argv[2]])' $(RELEASE_DIR)/release.json $(1))
release-check: tools $(CARGO_TOOLS)/bin/cargo-auditable
	@test -f $(RELEASE_DIR)/release.json || { echo "run make release first"; exit 2; }
	rm -rf $(REPRO_DIR) && git clone --quiet --no-local . $(REPRO_CLONE) && git -C $(REPRO_CLONE) checkout --quiet $(call RELEASE_FIELD,git_commit)
	cd $(REPRO_CLONE) && $(WITH_TOOLS) SOURCE_DATE_EPOCH=$(call RELEASE_FIELD,source_date_epoch) \
	  python3 deploy/make_release.py --auditable $(CURDIR)/$(CARGO_TOOLS)/bin/cargo-auditable \
	  --out $(CURDIR)/$(REPRO_DIR)/dist $(RELEASE_CHECK_OPTS)
	@$(MAKE) --no-print-directory release-compare

## release-compare: every rebuilt zip under build/repro/dist against the release's, byte for byte
release-compare:
	@deploy/compare_zips.sh $(REPRO_DIR)/dist $(RELEASE_DIR)

## release-audit: read the embedded dependency list back from every zip (rust-audit-info) and
## compare it with Cargo.lock's normal dependencies of that binary (cargo tree)
release-audit: $(CARGO_TOOLS)/bin/rust-audit-info
	python3 tests/release/check_audit.py --release $(RELEASE_DIR) --reader $(CARGO_TOOLS)/bin/rust-audit-info

## deploy-sam: a fresh stack from a release, no toolchain: RELEASE=... APP_ID=... [STACK=...] [REGION=...]
deploy-sam: sam-venv
	@test -n "$(RELEASE)" -a -n "$(APP_ID)" || { echo "usage: make deploy-sam RELEASE=dist/amplify-studio-login-<version> APP_ID=..."; exit 2; }
	python3 deploy/release.py sam-template $(RELEASE) --arch arm64 --out $(RELEASE_ARTIFACTS)/template.yaml
	SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy --template-file $(RELEASE_ARTIFACTS)/template.yaml \
	  --stack-name $(or $(STACK),amplify-studio-login) --resolve-s3 --capabilities CAPABILITY_IAM \
	  $(if $(REGION),--region $(REGION)) --parameter-overrides AppId=$(APP_ID) Architecture=arm64

## release-deploy-test: the SAM fresh stack and the migrate of a Studio pool from the release's
## x86_64 zips through ministack, with cargo, rustc, cargo-lambda and zig removed from PATH
NO_TOOLCHAIN_PATH = $(shell python3 -c 'import os,sys;print(":".join(d for d in os.environ["PATH"].split(":") if d and not any(os.path.exists(os.path.join(d,t)) for t in ("cargo","rustc","cargo-lambda","zig"))))')
release-deploy-test: venv sam-venv node-standin
	@test -x $(LOCAL_BACKEND) || { echo "needs $(LOCAL_BACKEND) (make local-backend)"; exit 2; }
	PATH="$(NO_TOOLCHAIN_PATH)" sh -c '! command -v cargo' && PATH="$(NO_TOOLCHAIN_PATH)" STUDIO_RELEASE=$(CURDIR)/$(RELEASE_DIR) \
	  $(PY) -m pytest tests/e2e/test_sam_deploy.py tests/e2e/test_migrate.py::test_migrate_from_a_release_without_a_toolchain -q -p no:cacheprovider

# The release's arm64 zips (checked against its SHA256SUMS) where `make build` puts its own.
release-arm64-artifacts:
	rm -rf $(ARM_DIR) && python3 deploy/release.py unpack $(RELEASE) --arch arm64 --out $(ARM_DIR)
	python3 deploy/check_artifacts.py --arch arm64 $(ARM_DIR)
	@$(MAKE) --no-print-directory sizes DIR=$(ARM_DIR)

$(CARGO_TOOLS)/bin/cargo-auditable:
	cargo install --locked --version $(CARGO_AUDITABLE_VERSION) cargo-auditable --root $(CARGO_TOOLS)
$(CARGO_TOOLS)/bin/cargo-cyclonedx:
	cargo install --locked --version $(CARGO_CYCLONEDX_VERSION) cargo-cyclonedx --root $(CARGO_TOOLS)
$(CARGO_TOOLS)/bin/rust-audit-info:
	cargo install --locked --version $(RUST_AUDIT_INFO_VERSION) rust-audit-info --root $(CARGO_TOOLS)

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
