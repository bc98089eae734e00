# Rembuk: `make run` serves the demo, `make test` runs the whole suite. Both set themselves up.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# Besides babel's defaults (_, gettext, ngettext, pgettext, ...): the lazy forms used in forms
# and module-level labels. scripts/translations.py and tests/test_i18n_catalogues.py use the same.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2
# Babel skips directories starting with "_" by default, which would miss templates/_macros.
BABEL_IGNORE_DIRS := .* __pycache__

.PHONY: run test lint translations extract-messages bench clean-db screenshots

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(BIN)/.installed

translations: $(BIN)/.installed
	$(BIN)/pybabel compile -d consult/translations

extract-messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --ignore-dirs "$(BABEL_IGNORE_DIRS)" -o consult/translations/messages.pot \
		--no-location --sort-output --project Rembuk --version 1.0 --copyright-holder Rembuk .
	$(BIN)/pybabel update -i consult/translations/messages.pot -d consult/translations --no-fuzzy-matching --ignore-obsolete

run: translations
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo --if-empty
	@echo ""
	@echo "  Rembuk is running on http://127.0.0.1:5000 (with its task worker; Ctrl-C stops both)"
	@echo "  Demo logins (password rembuk-demo-2042):"
	@echo "    organiser@example.org  kadin@example.org  industri@example.org"
	@echo "    akademisi@example.org  dinas@example.org"
	@echo ""
	BIN=$(BIN) bash scripts/run.sh

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/bandit -q -c pyproject.toml -r consult config.py wsgi.py

test: translations lint
	bash tests/e2e/ensure_chromium.sh || true
	$(BIN)/python -m pytest

# Re-take the README screenshots (docs/screenshots) with the browser journeys.
screenshots: translations
	bash tests/e2e/ensure_chromium.sh || true
	UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q

bench: translations
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || \
		(echo "make bench needs wrk (apt-get install wrk)" && false)
	$(BIN)/python -m bench.run

clean-db:
	rm -f instance/rembuk.sqlite
