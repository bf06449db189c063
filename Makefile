# Two entry points a newcomer needs: `make demo` and `make test`. Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bot clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	NEWSDESK_DATA_DIR=$${NEWSDESK_DATA_DIR:-./data/demo} $(BIN)/newsdesk ingest samples/news
	NEWSDESK_DATA_DIR=$${NEWSDESK_DATA_DIR:-./data/demo} $(BIN)/newsdesk ask "What did Mayor Okonkwo say about the ferry schedule?"

test: $(STAMP)
	bash scripts/ensure-postgres.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bot: $(STAMP)
	$(BIN)/newsdesk bot

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
