"""The generated rule reference and the accuracy numbers stay current."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_rule_reference_is_current():
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_accuracy_script_meets_the_bar():
    """Issue 3: every core rule at 0.95 precision and recall or better on the fixtures."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "accuracy.py"), "--min", "0.95"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for rid in ("BIO001", "BIO002", "BIO003", "BIO004"):
        assert rid in proc.stdout
