"""Evidence taken from tool results is stored as the raw (redacted) words, not as the escaped tool text."""

from langchain_core.messages import AIMessage, ToolMessage

from agent.analysis.nodes import enrich_frictions
from core.results import Friction


def test_quotes_from_tool_text_are_unescaped_before_they_are_stored() -> None:
    friction = Friction(
        friction_id="fr-1", rank=1, title="Portail", score=1.0, volume=3, share=0.1, interaction_ids=["c-1"]
    )
    call = {"name": "theme_details", "args": {"theme_id": "th-1"}, "id": "llm-1", "type": "tool_call"}
    content = (
        'quotes:\n<transcript id="c-1">Je suis &lt;NAME&gt; &amp; le site &quot;plante&quot;</transcript>'
    )
    enriched, _ = enrich_frictions(
        [friction], [AIMessage("", tool_calls=[call]), ToolMessage(content, tool_call_id="llm-1", name="x")]
    )
    assert [e.quote for e in enriched[0].evidence] == ['Je suis <NAME> & le site "plante"']
