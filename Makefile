# Two commands a new user needs: `make run` builds the sample briefings, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/reportgen build

test: $(STAMP)
	$(BIN)/ruff check reportgen tests
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) outputs/*/
