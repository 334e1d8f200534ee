# Set-up and everyday commands. `make demo` and `make test` install what is missing first:
# Debian's Chromium, tesseract and DejaVu fonts, then a virtual environment with the package.

PYTHON ?= python3
VENV ?= .venv
APT_PACKAGES = chromium tesseract-ocr fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN = $(VENV)/bin

.PHONY: install system-deps demo test bench clean

install: system-deps $(VENV)/.installed

system-deps:
	@missing=""; \
	for package in $(APT_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q $$missing; \
	fi

# Re-installed when pyproject.toml changes (new dependencies or entry points).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel
	$(BIN)/pip install -q -e '.[test]'
	touch $@

demo: install
	$(BIN)/pix2fact run --agent baseline --tasks sample

test: install
	$(BIN)/pytest -q

bench: install
	$(BIN)/python benchmarks/bench_image.py
	$(BIN)/python benchmarks/bench_browser.py

clean:
	rm -rf $(VENV) build dist *.egg-info
