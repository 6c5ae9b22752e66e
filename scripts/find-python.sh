#!/bin/sh
# Print the path of a Python >= 3.12 that can create virtual environments.
# Used by the Makefile to create .venv. Set PYTHON=/path/to/python to choose one yourself.
#
# Each candidate is actually run, not just looked up: a pyenv shim exists for every
# version pyenv knows, but fails when .python-version selects another one.

# pyenv's own installs come last, for when its shims select an older version.
pyenv_pythons=""
if command -v pyenv >/dev/null 2>&1; then
    pyenv_pythons=$(ls -1d "$(pyenv root)"/versions/3.*/bin/python3 2>/dev/null | sort -r -V)
fi

# An interpreter chosen by hand is the only candidate: falling back to another one
# would hide the mistake.
if [ -n "${PYTHON:-}" ]; then
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "PYTHON=$PYTHON: no such interpreter." >&2
        exit 1
    fi
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
        echo "PYTHON=$PYTHON: this project needs Python 3.12 or newer." >&2
        exit 1
    fi
    if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        echo "PYTHON=$PYTHON: its venv module is missing (Debian: apt-get install python3-venv)." >&2
        exit 1
    fi
    "$PYTHON" -c 'import sys; print(sys.executable)'
    exit 0
fi

rejected=""
for candidate in python3.13 python3.12 python3 python $pyenv_pythons; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if ! "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
        rejected="$rejected $candidate"
        continue
    fi
    # Debian splits venv/ensurepip into the python3.X-venv package.
    if ! "$candidate" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        rejected="$rejected $candidate(no-venv-module)"
        continue
    fi
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
done

cat >&2 <<MSG

This project needs Python 3.12 or newer (with its venv module) to create .venv, and none was
found on PATH (tried: python3.13 python3.12 python3 python; rejected as too old,
broken or without venv:${rejected:- none}). Install one, then run the command again:
with pyenv, 'pyenv install 3.12' (the .python-version file selects it); with uv,
'uv python install 3.12' and then 'make run PYTHON=\$(uv python find 3.12)'; on Debian or
Ubuntu, 'apt-get install python3 python3-venv' where the release ships 3.12 or newer.
You can also point to any suitable interpreter with 'make run PYTHON=/path/to/python3.12'.

MSG
exit 1
