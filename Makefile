# Pipeline Pitfalls: two commands do everything.
#   make lab    set up (first run only) and open the course in JupyterLab
#   make test   set up (first run only) and run every test: pytest and nbval over all notebooks
#   (make test-fast: the inner loop for maintainers, under a minute)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= 2

.PHONY: setup lab test test-fast test-on-date lint bench refresh-outputs clean

setup:
	@$(PYTHON) scripts/setup.py

# As root (containers, VMs) JupyterLab refuses to start without --allow-root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

lab: setup
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/00_start_here.ipynb

test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests notebooks --nbval \
		--nbval-sanitize-with tests/nbval_sanitize.cfg

# The whole test command on another day (faketime): nothing may move with the calendar.
#   make test-on-date DATE=2028-06-01
test-on-date: setup
	scripts/test_on_date.sh $(DATE)

lint: setup
	$(BIN)/ruff check pitfalls solutions tests scripts app.py
	$(BIN)/mypy pitfalls solutions

# The inner loop, under a minute: checks, CLI, solutions, exercises (no notebooks, no local AWS).
test-fast: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q -m "not slow and not emulator and not network" tests

bench: setup
	$(BIN)/python scripts/bench_checker.py
	$(BIN)/python scripts/bench.py

# Re-execute every notebook in place (after changing a scenario); commit the result.
refresh-outputs: setup
	$(BIN)/python scripts/refresh_outputs.py $(NOTEBOOKS)

# Drift watch, for maintainers (not CI): the whole suite in a separate environment (.venv-latest/
# and a copy of the tree in .latest/) with the newest aws-cdk-lib, cdk-nag, cfn-lint, moto and
# CDK CLI, then which scenarios changed behaviour. CDK_CLI=aws-cdk@<version> tries another CLI.
.PHONY: test-latest
CDK_CLI ?= aws-cdk@latest
test-latest: setup
	$(BIN)/python scripts/drift.py latest --cli $(CDK_CLI)

clean:
	rm -rf $(VENV) node_modules cdk.out .venv-latest .latest
