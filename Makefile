# Every target bootstraps .venv itself: a fresh clone needs only `make run` or `make test`.
VENV    ?= .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.zhifa-installed
PYTEST_ARGS ?=

.PHONY: run test lint typecheck bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## run: start the embedded stack (Temporal dev server, worker, API) in one supervised process group
run: $(STAMP)
	$(VENV)/bin/zhifa dev

## test: lint, type-check and run the whole suite against the real PostgreSQL and Temporal
test: $(STAMP) lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) var/*.db var/*.sqlite .pytest_cache .mypy_cache .ruff_cache
