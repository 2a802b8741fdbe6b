# placerisk task index: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FAMILIES ?= 20000
DATA ?= data/synthetic

.DEFAULT_GOAL := help
.PHONY: help install browser java demo test test-fast bench bench-small clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install placerisk with its test tools and the Spark extra

demo: $(STAMP) ## Main job end to end on the embedded defaults (synthetic data), ending with every team's weekly list
	$(BIN)/placerisk synth --families $(FAMILIES) --out $(DATA) --overwrite
	$(BIN)/placerisk validate --data $(DATA) --overwrite
	$(BIN)/placerisk features --data $(DATA) --as-of 2023-01-01 2023-04-01 2023-07-01 2023-10-01 2024-01-01 --out outputs/features.parquet --overwrite
	$(BIN)/placerisk train --data $(DATA)
	@echo "Demonstration only: a synthetic panel accepts the red findings so that the weekly lists have a champion."
	@echo "A real deployment needs a real ethics panel that reads the fairness report and decides with its own reasons."
	@echo "On a second run the new candidate meets the first run's champion; trained on the same data, it cannot be shown better,"
	@echo "so the demonstration panel then accepts that explicitly too (--accept-below-champion)."
	$(BIN)/placerisk approve --version candidate --decision approve --reviewer "Demo panel (synthetic data)" \
		--accept "$$($(BIN)/placerisk findings --version candidate --red-ids)" \
		--note "Demonstration on synthetic data, not a real panel decision: the red findings are accepted only so that the demo has a champion." \
	|| $(BIN)/placerisk approve --version candidate --decision approve --reviewer "Demo panel (synthetic data)" \
		--accept "$$($(BIN)/placerisk findings --version candidate --red-ids)" --accept-below-champion \
		--note "Demonstration on synthetic data, not a real panel decision: a re-run of the demo, accepted below the champion it repeats."
	$(BIN)/placerisk decisions
	@echo "Four weeks of lists from late 2024, whose outcomes are known by the data's end, so the monitor has weeks to check:"
	for week in 2024-11-04 2024-11-11 2024-11-18 2024-11-25; do $(BIN)/placerisk score --as-of $$week --force | tail -1; done
	$(BIN)/placerisk monitor --on 2026-03-30 --force
	$(BIN)/placerisk score --as-of 2026-03-30 --force
	@echo "Open the MLflow UI with: $(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db"

browser: ## Install Debian's chromium (headless page checks of the reports) when it is missing
	@command -v chromium >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }

java: ## Install a Java runtime (the Spark engine's tests run Spark in local mode) when none is on the PATH
	@command -v java >/dev/null 2>&1 || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; }

test: $(STAMP) browser java ## Run the whole test suite (includes the slow end-to-end tests, the browser checks and Spark in local mode)
	$(BIN)/python -m pytest

test-fast: $(STAMP) java ## Run the tests without the slow ones
	$(BIN)/python -m pytest -m 'not slow'

bench: $(STAMP) ## All benchmarks at full size (about 1 hour 40 minutes); results in bench/results/, summary in docs/benchmarks.md
	$(BIN)/python bench/bench_foundation.py --families 1000000 --repeat 3 --results bench/results/foundation.json
	$(BIN)/python bench/bench_foundation.py --families 2750000 --repeat 1 --results bench/results/foundation-50m-events.json
	$(BIN)/python bench/bench_features.py --families 1000000 --results bench/results/features.json
	$(BIN)/python bench/bench_features.py --families 1000000 --rate-scale 3.2 --skip-pandas --results bench/results/features-50m-events.json
	$(BIN)/python bench/bench_training.py --families 200000 --results bench/results/training.json
	$(BIN)/python bench/bench_fairness.py --results bench/results/fairness.json
	$(BIN)/python bench/bench_validation_check.py --families 1000000 --results bench/results/validation-check.json
	$(BIN)/python bench/bench_scoring.py --families 1000000 --results bench/results/scoring.json
	$(BIN)/python bench/bench_monitor.py --families 1000000 --results bench/results/monitor.json
	$(BIN)/python bench/bench_spark.py --sizes 100000 300000 1000000 --results bench/results/spark.json
	$(BIN)/python bench/recording_bias.py --families 20000 --seeds 1 2 3 4 5 6 --results bench/results/recording-bias.json
	$(BIN)/python bench/retraining_demo.py --results bench/results/retraining.json

bench-small: $(STAMP) ## The same benchmarks at 50,000 families, as a quick check
	$(BIN)/python bench/bench_foundation.py --families 50000 --results bench/results/foundation-small.json

clean: ## Remove the virtual environment, caches and generated data
	rm -rf $(VENV) .pytest_cache data outputs mlflow.db mlartifacts model-decisions.jsonl
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
