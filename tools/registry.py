"""Every agent tool, collected for the graphs."""

from __future__ import annotations

from langchain_core.tools import BaseTool

from tools.actions import list_actions
from tools.impact import action_impact
from tools.kpi import compare_periods, find_anomalies, kpi_query
from tools.search import search_transcripts
from tools.themes import list_frictions, list_themes, theme_details


def all_tools() -> list[BaseTool]:
    """The tools of tools/, in the order the model sees them."""
    return [
        kpi_query,
        compare_periods,
        find_anomalies,
        search_transcripts,
        list_themes,
        theme_details,
        list_frictions,
        list_actions,
        action_impact,
    ]
