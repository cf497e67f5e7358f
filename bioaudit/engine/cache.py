"""The analysis cache: `.bioaudit_cache/` in the scan root, one file per analysed part of
the project, keyed by the content of its files, bioaudit's version, its catalogs and the
config.

The scanned tree is untrusted, and so is anything found in it, `.bioaudit_cache/`
included: a repository can ship a crafted cache. Every entry therefore carries an HMAC
made with a secret key that lives outside the scanned tree (in the user's cache
directory); an entry whose MAC does not verify is ignored and rebuilt, and nothing is
unpickled before its MAC is checked. Entries are written atomically, and a
`.bioaudit_cache` that is a symlink is never written through.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import stat
import sys
from pathlib import Path

from bioaudit.fsutil import write_atomic

MAGIC = b"BIOAUDIT-CACHE-2\n"
DIRNAME = ".bioaudit_cache"
_MAC_SIZE = 32
_EPHEMERAL_KEY: bytes | None = None


def _ephemeral() -> bytes:
    global _EPHEMERAL_KEY
    if _EPHEMERAL_KEY is None:
        _EPHEMERAL_KEY = secrets.token_bytes(32)
    return _EPHEMERAL_KEY


def _trusted_key(path: Path) -> bytes | None:
    try:
        info = path.lstat()
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077 or info.st_uid != os.getuid():
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if len(data) >= 32 else None


def secret_key(scan_root: Path | None = None) -> bytes:
    """The per-user cache key, created on first use with owner-only permissions. A key
    that lives inside the scanned tree (a CI job whose XDG_CACHE_HOME is `$PWD/.cache`)
    could have come with the repository, so it is never used: the cache then works only
    within one run, as it does where no private place exists."""
    base = os.environ.get("BIOAUDIT_KEY_DIR") or os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "bioaudit" / "cache-key"
    if scan_root is not None:
        try:
            real = path.parent.resolve()
            root = scan_root.resolve()
            if real == root or root in real.parents:
                return _ephemeral()
        except OSError:
            return _ephemeral()
    key = _trusted_key(path)
    if key is not None:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:
        # another process created it meanwhile: the same checks apply
        return _trusted_key(path) or _ephemeral()
    except OSError:
        return _ephemeral()


class Cache:
    def __init__(self, root: Path, warn=None) -> None:
        self.dir = root / DIRNAME
        self.warn = warn or (lambda message: sys.stderr.write(f"bioaudit: warning: {message}\n"))
        self.problems: list[str] = []
        self.usable = True
        if self.dir.is_symlink() or (self.dir.exists() and not self.dir.is_dir()):
            self.usable = False
            self.problems.append(f"{self.dir} is not a plain directory (a symlink?); running without the cache")
        self.key = secret_key(root) if self.usable else b""

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.pickle"

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self.key, payload, hashlib.sha256).digest()

    def get(self, key: str):
        if not self.usable:
            return None
        path = self._path(key)
        try:
            if path.parent.is_symlink() or path.is_symlink():
                self.problems.append(f"ignored a symlinked cache entry ({path.name})")
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(MAGIC) or len(data) < len(MAGIC) + _MAC_SIZE:
            self.problems.append(f"ignored a cache entry of another format or version ({path.name}); rebuilding it")
            return None
        mac = data[len(MAGIC):len(MAGIC) + _MAC_SIZE]
        payload = data[len(MAGIC) + _MAC_SIZE:]
        if not hmac.compare_digest(mac, self._mac(payload)):
            self.problems.append(f"ignored a cache entry bioaudit did not write, or that was altered ({path.name}); rebuilding it")
            return None
        try:
            return pickle.loads(payload)  # authenticated: written by this user's bioaudit
        except Exception as exc:  # truncated or from an incompatible build: rebuild
            self.problems.append(f"ignored an unreadable cache entry ({path.name}: {type(exc).__name__}); rebuilding it")
            return None

    def put(self, key: str, value) -> None:
        if not self.usable:
            return
        try:
            self._ensure_dir()
            path = self._path(key)
            if path.parent.is_symlink():
                raise OSError("cache subdirectory is a symlink")
            path.parent.mkdir(exist_ok=True)
            payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            write_atomic(path, MAGIC + self._mac(payload) + payload, make_parents=False)
        except OSError as exc:
            # A read-only checkout must still scan: run without a cache.
            self.usable = False
            self.problems.append(f"cannot write the cache in {self.dir} ({exc.strerror or exc}); continuing without it")
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as exc:
            self.problems.append(f"could not cache an analysis result ({type(exc).__name__}); continuing")

    def _ensure_dir(self) -> None:
        if self.dir.is_symlink():
            raise OSError("cache directory is a symlink")
        if not self.dir.exists():
            self.dir.mkdir(parents=True, exist_ok=True)
        ignore = self.dir / ".gitignore"
        if not ignore.exists() and not ignore.is_symlink():
            fd = os.open(ignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write("# Created by bioaudit: the analysis cache is never committed.\n*\n")

    def note_warnings(self, outcomes=None) -> None:
        for problem in dict.fromkeys(self.problems):
            self.warn(problem)
