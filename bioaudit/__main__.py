"""`python -m bioaudit`: the same as the `bioaudit` command.

`python -m` puts the current directory first on sys.path; when that directory is the
untrusted repository being scanned, its modules and *.dist-info entry points must not be
importable, so it is removed before anything else is loaded."""
import os
import sys

if sys.path and sys.path[0] in ("", os.getcwd()):
    del sys.path[0]

from bioaudit.cli import entry  # noqa: E402

entry()
