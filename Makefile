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

.PHONY: install extract test eval bench report browse check clean

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

eval: $(STAMP)
	@mkdir -p data
	$(BIN)/extractor eval --corpus $(CORPUS) --gold $(GOLD) --json data/eval.json
	$(BIN)/extractor eval-quantities --gold $(GOLD)/quantities --json data/eval_quantities.json

bench: $(STAMP)
	@mkdir -p data
	$(BIN)/python -m benchmarks --corpus $(CORPUS) --json data/bench.json

report: $(STAMP)
	$(BIN)/extractor report --db $(DB) --out data/report

browse: $(STAMP)
	$(BIN)/datasette $(DB) --metadata extractor/data/datasette.yaml

check: $(STAMP)
	$(BIN)/extractor check --db $(DB)

clean:
	rm -rf $(VENV) data/*.db data/*.db-wal data/*.db-shm
