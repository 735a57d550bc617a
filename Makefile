# Two commands a new user needs: `make run` builds the sample briefings, `make test` runs the tests.
# `make test-fast` is the quick loop while editing: lint and the unit tests, no end-to-end suite
# (tests/e2e/: builds with WeasyPrint, subprocesses, SMTP, a browser, the installed wheel).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-fast send-local clean

$(STAMP): pyproject.toml
	@echo "installing reportgen and its dependencies into $(VENV)/ (once; about 40 s)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reportgen build

test: $(STAMP)
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/pytest -q -n 2

test-fast: $(STAMP)
	$(BIN)/ruff check reportgen tests bench
	$(BIN)/pytest -q -n 2 -m "not e2e and not budget" --ignore=tests/e2e

# Start a throwaway SMTP server on 127.0.0.1:8025 that accepts and discards mail, send the
# built briefings to it (local-smtp.yaml, its own ledger), list what was delivered, stop it.
send-local: $(STAMP)
	@$(BIN)/python -m aiosmtpd -n -l 127.0.0.1:8025 -c aiosmtpd.handlers.Sink & pid=$$!; \
	sleep 1; $(BIN)/reportgen --config local-smtp.yaml send; status=$$?; \
	$(BIN)/reportgen --config local-smtp.yaml status; kill $$pid; exit $$status

clean:
	rm -rf $(VENV) outputs/*/
