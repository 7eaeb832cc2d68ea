# Shorthands for the two commands in the README (tasks.py does the work).
.PHONY: run test lint
run:
	python3 tasks.py run
test:
	python3 tasks.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/lint-imports
