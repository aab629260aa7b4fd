"""Every agent tool, collected for the graphs (a tool family still being built is skipped)."""

from __future__ import annotations

import importlib
import logging

from langchain_core.tools import BaseTool

log = logging.getLogger("parcours.tools")

TOOL_MODULES = {
    "tools.kpi": ("kpi_query", "compare_periods", "find_anomalies"),
    "tools.search": ("search_transcripts",),
    "tools.themes": ("list_themes", "theme_details", "list_frictions"),
    "tools.actions": ("list_actions",),
    "tools.impact": ("action_impact",),
}
"""Module -> the tools it defines, in the order the model sees them."""


def all_tools() -> list[BaseTool]:
    """The tools of tools/ (KPI, search, themes and frictions)."""
    found: list[BaseTool] = []
    for module_name, names in TOOL_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            log.warning("tool module %s is missing; its tools are unavailable", module_name)
            continue
        for name in names:
            tool = getattr(module, name, None)
            if isinstance(tool, BaseTool):
                found.append(tool)
    return found
