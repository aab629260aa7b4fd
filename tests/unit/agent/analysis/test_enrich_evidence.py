"""Evidence comes from the tools' artifacts as the raw (redacted) words; the model's text is never parsed."""

from langchain_core.messages import AIMessage, ToolMessage

from agent.analysis.nodes import enrich_frictions
from core.results import Friction


def test_quotes_come_from_the_artifact_never_from_the_escaped_text() -> None:
    friction = Friction(
        friction_id="fr-1", rank=1, title="Portail", score=1.0, volume=3, share=0.1, interaction_ids=["c-1"]
    )
    call = {"name": "theme_details", "args": {"theme_id": "th-1"}, "id": "llm-1", "type": "tool_call"}
    content = (
        'quotes:\n<transcript id="c-1">Je suis &lt;NAME&gt; &amp; le site &quot;plante&quot;</transcript>'
    )
    artifact = {
        "kind": "theme",
        "quotes": [{"interaction_id": "c-1", "quote": 'Je suis <NAME> & le site "plante"'}],
    }
    message = ToolMessage(content, artifact=artifact, tool_call_id="llm-1", name="theme_details")
    enriched, findings = enrich_frictions([friction], [AIMessage("", tool_calls=[call]), message])
    assert [e.quote for e in enriched[0].evidence] == ['Je suis <NAME> & le site "plante"']
    assert findings == ["fr-1: theme_details: quotes:"]  # the finding is the text without its quotes
    text_only = ToolMessage(content, tool_call_id="llm-1", name="theme_details")
    enriched, _ = enrich_frictions([friction], [AIMessage("", tool_calls=[call]), text_only])
    assert enriched[0].evidence == []  # blocks in the text are what the model read, not data
