# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make extract   -> .venv, install, extract corpus/ into data/facts.db
#   make test      -> .venv, install, run the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= data/facts.db
CORPUS ?= corpus
GOLD   ?= gold

.PHONY: install extract test test-fast eval eval-time bench report browse check clean serve

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,browse,bench]'
	@touch $(STAMP)

install: $(STAMP)

extract: $(STAMP)
	@mkdir -p $(dir $(DB))
	$(BIN)/extractor extract $(CORPUS) --db $(DB)

# pytest exits 5 when it collects nothing: that is a failure, never a pass.
test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# the suite without the slow system tests (processes, browser, benchmark): for a quick check while
# working; `make test` runs everything
test-fast: $(STAMP)
	@$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

eval: $(STAMP)
	@mkdir -p data
	$(BIN)/extractor eval --corpus $(CORPUS) --gold $(GOLD) --json data/eval.json
	$(BIN)/extractor eval-quantities --gold $(GOLD)/quantities --json data/eval_quantities.json

# TempEval-3 time-expression measures on TimeBank (development part, held-out part, all)
TIMEBANK ?= $(firstword $(wildcard ../shared/data/timebank.jsonl ../../shared/data/timebank.jsonl) ../shared/data/timebank.jsonl)
eval-time: $(STAMP)
	@mkdir -p data
	$(BIN)/extractor eval-time --data $(TIMEBANK) --json data/eval-time.json

bench: $(STAMP)
	@mkdir -p data
	$(BIN)/python -m benchmarks --corpus $(CORPUS) --json data/bench.json

report: $(STAMP)
	$(BIN)/extractor report --db $(DB) --out data/report

browse: $(STAMP)
	$(BIN)/datasette $(DB) --metadata extractor/data/datasette.yaml

check: $(STAMP)
	$(BIN)/extractor check --db $(DB)

# the audit page on http://127.0.0.1:8000 (issue 19)
serve: $(STAMP)
	$(BIN)/extractor serve --db $(DB)

clean:
	rm -rf $(VENV) data/*.db data/*.db-wal data/*.db-shm
