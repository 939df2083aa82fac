# geoproc — the two commands a user needs are `make demo` and `make test`.
# Both start from a fresh Debian 12 with only Python and root: the scripts in
# scripts/ install the Debian packages (QGIS, Chromium) and the venv.
VENV ?= .venv
PY := $(VENV)/bin/python
OUT ?= out/demo

.PHONY: demo test venv system-demo system-test lint unit bench plugin clean

system-demo:
	bash scripts/install_system.sh demo

system-test:
	bash scripts/install_system.sh test
	bash scripts/install_qgis_python.sh --venv .venv-qgis

venv:
	bash scripts/install_venv.sh $(VENV)

## make demo: install, then run the main job into out/demo/
demo: system-demo venv
	$(VENV)/bin/geoproc demo -o $(OUT) --overwrite

## make test: install everything the tests need, lint, run the whole suite
test: system-test venv lint
	$(PY) -m pytest

lint:
	$(VENV)/bin/ruff check geoproc qgis_plugin tests benchmarks scripts

## quick loop while developing: tests that need neither QGIS nor a browser
unit: venv
	$(PY) -m pytest -m "not qgis and not browser"

## every benchmark at a size that finishes in minutes (each prints its ratio)
bench: venv
	$(PY) benchmarks/run_all.py

plugin: venv
	$(PY) scripts/build_plugin.py

clean:
	rm -rf build dist *.egg-info out .pytest_cache
