# Thin wrappers around the commands in the README; no logic is hidden here.
PYTHON     ?= python3
VENV       ?= .venv
# CPU build of PyTorch by default; override for a GPU or a different build, e.g. make setup TORCH_SPEC="torch==2.13.0"
TORCH_SPEC ?= torch==2.13.0
BIN        := $(VENV)/bin
# nbgrader runs tools such as `alembic` from PATH, so the environment's bin/ comes first.
export PATH := $(abspath $(BIN)):$(PATH)
LAB_ARGS   ?=
# The folder `make lab` serves (the tests serve a scratch copy of chapters/)
LAB_DIR    ?= chapters
PYTEST_ARGS ?=
ASSIGNMENTS := $(notdir $(wildcard solutions/[0-9][0-9]_*))
# make grade A=00_history GRADE_ARGS="--jobs 4"; options: .venv/bin/python -m grading --help
A          ?= 00_history
GRADE_ARGS ?=

.PHONY: setup lab formgrader test release book bench bench-tests bench-grading grade clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet $(TORCH_SPEC)
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# Students: the chapters, with nbgrader's «Validate» only (jupyter/student/ hides the instructor's tools).
lab: setup
	JUPYTER_CONFIG_PATH=$(abspath jupyter/student) $(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) $(LAB_ARGS)

# Instructors: the whole nbgrader UI (formgrader, Create Assignment) on the repository root.
formgrader: setup
	$(BIN)/jupyter lab --notebook-dir=. $(LAB_ARGS)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

release: setup
	for a in $(ASSIGNMENTS); do $(BIN)/nbgrader generate_assignment $$a --force || exit 1; done

book: setup
	$(BIN)/python scripts/build_book.py

bench: setup
	$(BIN)/python scripts/bench_notebooks.py
	$(BIN)/python scripts/bench_pretraining.py
	$(BIN)/python scripts/bench_finetuning.py
	$(BIN)/python scripts/bench_lora.py
	$(BIN)/python scripts/bench_rl.py

bench-tests: setup
	$(BIN)/python scripts/bench_tests.py $(PYTEST_ARGS)

bench-grading: setup
	$(BIN)/python scripts/bench_grading.py

grade: setup
	$(BIN)/python -m grading $(A) $(GRADE_ARGS)

clean:
	rm -rf _build autograded feedback reports .grading .pytest_cache
