# The two set-up commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint venv clean bench pyc

venv: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The package's bytecode, compiled ahead (only what changed; well under a second): with
# PYTHONDONTWRITEBYTECODE set, as some CI runners and sandboxes do, an editable install never
# caches it, and every `readiness` process (the suite starts a few hundred) would compile its
# modules again: about 0.2 s of CPU each.
pyc: $(STAMP)
	@$(BIN)/python -m compileall -q src

DEMO := definitions/2026.12-options-launch.yaml

# The demo gathers real evidence and prints a real verdict. NO-GO (exit 1) is a legitimate
# outcome of the example, so only exit codes >= 2 (invalid definition, internal error) fail it.
demo: pyc
	[ -f build/keys/readiness.key ] || $(BIN)/readiness keygen --out build/keys
	$(BIN)/readiness run $(DEMO) --report-dir build/report --attest build/keys/readiness.key \
	  || [ $$? -eq 1 ]
	$(BIN)/readiness verify build/report/readiness.intoto.json --key build/keys/readiness.pub
	@# The programme: two small suites of their own (the load tests' evidence above is reused),
	@# then every release of definitions/ in dependency order. Exit 1 (not all on track) is
	@# the example's legitimate outcome.
	mkdir -p build/logs
	$(BIN)/readiness run definitions/2026.12-risk-limits.yaml --only risk-limits-tests \
	  > build/logs/risk-limits.txt || [ $$? -eq 1 ]
	$(BIN)/readiness run definitions/2026.12-wallet-withdrawals-v3.yaml --only wallet-tests \
	  > build/logs/wallet-withdrawals-v3.txt || [ $$? -eq 1 ]
	$(BIN)/readiness portfolio --since 7d --report-dir build/portfolio || [ $$? -eq 1 ]

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite on $(WORKERS) pytest-xdist workers, whole files per worker (the drills run in order
# within their file; files with real tools go first, tests/conftest.py), with branch coverage of
# src/readiness printed at the end: in-process tests and the console scripts they spawn
# (coverage's patch = subprocess, pyproject.toml). Four workers on two cores: the suite waits
# on real processes, timeouts and a browser often enough that a third and a fourth keep both
# cores busy (quiet machine, mypy cold: 1m46-1m50 with four, 2m03 with three; a fresh clone
# with nothing cached: 1m55s-2m12s with mypy beside the suite as below, 2m04s-2m19s before).
# Bytecode is cached even where PYTHONDONTWRITEBYTECODE is set: each worker and each spawned
# interpreter would otherwise rewrite and compile every test module and the package again.
# No test collected (pytest exit 5) fails, with a line saying so. WORKERS=0: one process.
# On a fresh clone nothing is cached: mypy takes 16 s on one core, and every worker would
# rewrite and compile every test module at once while collecting. So one plain collection
# writes pytest's rewritten test modules first (4 s), and mypy runs at the lowest priority
# beside the whole suite, in the time the suite leaves a core idle (its processes wait on
# real tools, timeouts and a browser); its verdict and output come after the suite's. If it is
# not done when the suite is (four workers leave it little; a machine busy with other work
# none), it is stopped and run again in the foreground, from the cache it has written so far.
WORKERS ?= 4
test: pyc
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	@mkdir -p build; rm -f build/mypy.code build/mypy.pid
	@(nice -n 19 $(BIN)/mypy > build/mypy.log 2>&1 & echo $$! > build/mypy.pid; \
	    wait $$!; echo $$? > build/mypy.code) & beside=$$!; \
	  PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q --collect-only -p no:cacheprovider \
	    > /dev/null 2>&1; \
	  PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n $(WORKERS) --dist loadfile --cov \
	    --cov-report=term:skip-covered; \
	  code=$$?; \
	  if [ $$code -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	  if [ -f build/mypy.code ]; then \
	    wait $$beside; typed=$$(cat build/mypy.code); \
	    echo "$(BIN)/mypy (beside the suite)"; cat build/mypy.log; \
	  else \
	    kill $$(cat build/mypy.pid) 2>/dev/null; wait $$beside; \
	    echo "$(BIN)/mypy (not done beside the suite: the rest in the foreground, from its cache)"; \
	    $(BIN)/mypy; typed=$$?; \
	  fi; \
	  if [ $$code -eq 0 ]; then exit $$typed; fi; \
	  exit $$code

# The big evidence of issue 15 against the best parsers (BENCH_RUNS paired rounds, default 11),
# then the store and the portfolio.
bench: pyc
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/history_store.py
	$(BIN)/python benchmarks/portfolio.py

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
