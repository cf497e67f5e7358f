"""The parse floor: one process reading and ``ast.parse``-ing every ``.py`` file.

Usage: ``python ast_pass.py PATH [PATH ...]``. Walks directories (pruning the directory
names bioaudit excludes by default, so both see the same files), reads each file as bytes,
parses it and skips files that fail. Prints one JSON line: files, lines, bytes, failed.
"""
import ast
import json
import os
import sys
import warnings

# bioaudit's DEFAULT_EXCLUDES that can occur as directory names in the corpora
EXCLUDED_DIRS = {
    ".git", ".hg", ".svn", ".venv", "venv", "site-packages", "__pypackages__", "build", "dist",
    ".eggs", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox",
    "node_modules", ".bioaudit_cache",
}


def iter_files(paths):
    for top in paths:
        if os.path.isfile(top):
            yield top
            continue
        for dirpath, dirnames, filenames in os.walk(top):
            dirnames[:] = sorted(
                d for d in dirnames if d not in EXCLUDED_DIRS and not d.endswith(".egg-info")
            )
            for name in sorted(filenames):
                if name.endswith(".py"):
                    yield os.path.join(dirpath, name)


def main(paths):
    warnings.simplefilter("ignore")
    files = lines = size = failed = 0
    for path in iter_files(paths):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            failed += 1
            continue
        files += 1
        size += len(data)
        lines += data.count(b"\n")
        try:
            ast.parse(data, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            failed += 1
    print(json.dumps({"files": files, "lines": lines, "bytes": size, "failed": failed}))


if __name__ == "__main__":
    main(sys.argv[1:] or ["."])
