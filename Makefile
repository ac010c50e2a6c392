# Two commands: `make run` serves the product, `make test` runs every check.
# Both install what is missing into .venv first, offline-safe (no model downloads).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

# Nothing may fetch weights or data at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export NEMO_GUARDRAILS_NO_USAGE_STATS := 1
export TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS :=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: install run test lint worker serve-model

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned to the local CPU wheel; the constraint keeps every later
	# install from replacing it with a CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	echo "torch==2.13.0" > $(VENV)/constraints.txt
	$(BIN)/pip install -q -c $(VENV)/constraints.txt -e ".[dev]"
	# Export MiniLM to ONNX from the installed weights (local, no download).
	$(BIN)/python -m guardrails.embeddings build
	# Build the input rails' int8 classifier from the committed adapter (local, deterministic).
	$(BIN)/python -m guardrails.classifier build
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py load_knowledge chatbot/knowledge/starter
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with a demo account above."
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

test: install lint
	CELERY_TASK_ALWAYS_EAGER=true DB_CONN_MAX_AGE=0 WARM_UP=false $(BIN)/python -m pytest

# Production-style processes (with REDIS_URL set): a Celery worker and a model server.
worker: install
	$(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2

serve-model: install
	$(BIN)/python manage.py build_tiny_model
	$(BIN)/python manage.py serve_model --model var/models/tiny-chat --port 8001
