# Set-up and everyday commands. See README.md.
#   make run    create .venv, install, migrate, load demo content, serve on 127.0.0.1:8000
#               with the task worker (mail, front-cache purges) beside it
#   make test   install the dev requirements into the same .venv and run pytest
#               (PYTEST_ARGS="-k something" passes arguments through)
#   make screenshots  the public pages at 320 to 1440 px, as PNGs in screenshots/
#               (a throwaway SQLite database with the demo content; needs Chromium)

VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=
# PYTHON=/path/to/python3.12 chooses the interpreter that creates .venv.
PYTHON ?=

.PHONY: run test lint check screenshots

run: $(VENV)/.installed-runtime
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	@# The worker runs beside the server and stops with it (Ctrl+C stops both).
	$(PY) manage.py db_worker --queue-name '*' & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	$(PY) -m pytest $(PYTEST_ARGS)

screenshots: $(VENV)/.installed-dev
	$(PY) scripts/screenshots.py screenshots

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint templates --lint

check: $(VENV)/.installed-runtime
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

# The venv is created only when missing; scripts/find-python.sh explains what to
# install when no Python >= 3.12 is found.
$(PY):
	@python="$$(PYTHON='$(PYTHON)' sh scripts/find-python.sh)" || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv --clear $(VENV)

# Stamp files: pip runs again only when a requirements file is newer than its stamp.
$(VENV)/.installed-runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed-runtime
