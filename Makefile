# Two front doors: `make demo` and `make test`. Both build .venv on first use and
# reuse it afterwards; the stamp file tracks the dependency files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The suite runs on every core (pytest-xdist); PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n auto
DB ?= sqlite
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench serve messages clean

$(STAMP): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "CampaignDesk needs Python 3.11 or newer; set PYTHON=python3.x")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

messages: $(STAMP)
	@$(BIN)/campaigndesk compilemessages --ignore '.venv/*' -v 0

demo: $(STAMP) messages
	@mkdir -p var
	$(BIN)/campaigndesk migrate --no-input -v 0
	@# The demo campaign ran in 2018-2019: its clock starts on a day in phase one.
	@# Its reminder mails go to files under var/mail instead of flooding the terminal.
	CAMPAIGNDESK_TODAY=$${CAMPAIGNDESK_TODAY:-2018-12-20} TASKS_IMMEDIATE=1 \
	  EMAIL_URL=$${EMAIL_URL:-file://$(CURDIR)/var/mail} \
	  $(BIN)/campaigndesk demo --serve 127.0.0.1:$(PORT)

test: $(STAMP) messages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/campaigndesk makemigrations --check --dry-run -v 0
	@# pytest exits 5 when it collected nothing: say so plainly instead of failing.
	@$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "0 passed, 0 failed"; exit 0; fi; exit $$rc

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# make bench [DB=postgres] [BENCH_ARGS="--scale small --json var/bench.json"]; see docs/performance.md
bench: $(STAMP) messages
	$(BIN)/campaigndesk bench --db $(DB) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles
