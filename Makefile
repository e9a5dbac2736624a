# Two commands for a newcomer: `make demo` (set up + a whole local Studio login) and `make test`.
SHELL := /bin/bash
VENV := build/venv
PY := $(VENV)/bin/python
HOST_BINS := target/release/define-auth-challenge target/release/create-auth-challenge \
             target/release/verify-auth-challenge target/release/custom-message \
             target/release/local-amplifybackend

.PHONY: demo test unit e2e lint fmt build host-release venv clean

## demo: install what is needed, then run a whole Amplify Studio login locally
demo: venv host-release
	$(PY) tests/e2e/demo.py

## test: unit + integration tests, then the end-to-end suite through ministack
test: unit e2e

unit:
	cargo test --workspace --all-targets

e2e: venv host-release
	$(PY) -m pytest tests/e2e -q -p no:cacheprovider

## lint: formatting and clippy, warnings are errors
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all

## build: release binaries of the four triggers (and the local AmplifyBackend)
build: host-release
	@ls -l $(HOST_BINS)

host-release:
	cargo build --release --bins

venv: $(VENV)/.installed

$(VENV)/.installed: tests/e2e/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r tests/e2e/requirements.txt
	touch $@

clean:
	rm -rf build target
