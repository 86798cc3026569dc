# The two commands of the README:
#   make demo   a local Dovecot and SMTP sink, sample customer mail, the daemon, the result
#   make test   everything the tests need (venv, Dovecot from Debian), then the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test unit install dovecot bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

dovecot:
	./scripts/ensure-dovecot.sh

demo: install dovecot
	$(BIN)/python scripts/demo.py

# Twice: everything on SQLite, then the integration tests again on PostgreSQL (a fresh
# database per test); both runs always happen, and either failing fails the target.
test: install dovecot
	@status=0; \
	$(BIN)/pytest -q -p no:cacheprovider || status=1; \
	$(BIN)/pytest -q -p no:cacheprovider --database=postgres -m "not postgres" tests/integration || status=1; \
	exit $$status

unit: install
	$(BIN)/pytest -q -p no:cacheprovider tests/unit

bench: install dovecot
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo build *.egg-info
