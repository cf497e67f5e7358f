"""The analysis cache: `.bioaudit_cache/` in the scan root, one file per analysed part of
the project, keyed by the content of its files, bioaudit's version, its catalogs and the
config. Entries are written atomically; a corrupt, truncated or foreign entry is ignored
(and rebuilt), never trusted."""
from __future__ import annotations

import os
import pickle
import sys
import tempfile
from pathlib import Path

MAGIC = b"BIOAUDIT-CACHE-1\n"
DIRNAME = ".bioaudit_cache"


class Cache:
    def __init__(self, root: Path, warn=None) -> None:
        self.dir = root / DIRNAME
        self.warn = warn or (lambda message: sys.stderr.write(f"bioaudit: warning: {message}\n"))
        self.usable = True
        self.problems: list[str] = []

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pickle"

    def get(self, key: str):
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(MAGIC):
            self.problems.append(f"ignored a cache entry of another format ({path.name}); rebuilding it")
            return None
        try:
            # Only bioaudit writes here, with the magic header and its own classes.
            return pickle.loads(data[len(MAGIC):])
        except Exception as exc:  # truncated or corrupt: rebuild
            self.problems.append(f"ignored a corrupt cache entry ({path.name}: {type(exc).__name__}); rebuilding it")
            return None

    def put(self, key: str, value) -> None:
        if not self.usable:
            return
        try:
            self._ensure_dir()
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = MAGIC + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(payload)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            # A read-only checkout must still scan: run without a cache.
            self.usable = False
            self.problems.append(f"cannot write the cache in {self.dir} ({exc.strerror or exc}); continuing without it")
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            self.problems.append(f"could not cache an analysis result ({type(exc).__name__}); continuing")

    def _ensure_dir(self) -> None:
        if not self.dir.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# Created by bioaudit: the analysis cache is never committed.\n*\n", encoding="utf-8")

    def note_warnings(self, outcomes) -> None:
        for problem in dict.fromkeys(self.problems):
            self.warn(problem)
