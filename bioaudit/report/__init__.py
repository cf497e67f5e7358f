"""Reporters: turn a ScanResult into text, JSON, SARIF, GitHub annotations or GitLab Code Quality.

Every reporter is `render(result, *, catalog, frameworks=None, **options) -> str`;
`frameworks` (None = all) filters which regulation articles the output shows. Options a
reporter does not use (`show_suppressed`, `color`, `width`) are ignored by it.
"""
from __future__ import annotations

from typing import Any, Callable

from bioaudit.model import ScanResult
from bioaudit.report import github, gitlab, json_report, sarif, text

Renderer = Callable[..., str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "gitlab": gitlab.render,
}


def render(fmt: str, result: ScanResult, **kw: Any) -> str:
    """Render `result` in format `fmt` (a key of FORMATS); `catalog=` is required."""
    try:
        renderer = FORMATS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    if kw.get("catalog") is None:
        from bioaudit.regulations import load_catalog

        kw["catalog"] = load_catalog()
    return renderer(result, **kw)


__all__ = ["FORMATS", "render"]
