"""bioaudit: static analysis for Python code that processes facial biometrics."""
from bioaudit.model import Confidence, Finding, Severity, Span, Step
from bioaudit.rule import Invalid, Rule, Valid

__version__ = "0.1.0"

__all__ = [
    "Confidence",
    "Finding",
    "Invalid",
    "Rule",
    "Severity",
    "Span",
    "Step",
    "Valid",
    "__version__",
]
