"""Model-facing text of the weekly analysis graph (investigate and propose steps)."""

from prompts.common import UNTRUSTED_DATA_NOTE

INVESTIGATE_SYSTEM = (
    "You are the analyst of a hospital contact centre (tenant {tenant}). You investigate the frictions found "
    "for the period {period_start} to {period_end} (baseline {baseline_start} to {baseline_end}).\n"
    "For each friction below, use the tools to: break the relevant KPI down by segment (queue, channel, "
    "hour, weekday, agent), compare the period with the baseline, and search the transcripts for evidence "
    "in the "
    "patients' words. Make at most {max_steps} rounds of tool calls, several calls per round if useful. "
    "When you have enough, answer with a short plain-text summary of the findings per friction id, citing "
    "numbers and interaction ids, and no tool call.\n" + UNTRUSTED_DATA_NOTE
)
"""System prompt of the investigate step. Placeholders: tenant, period_*, baseline_*, max_steps."""

INVESTIGATE_TASK = (
    "Frictions to investigate (ranked, with their statistics):\n{frictions}\n\n"
    "Anomalies detected by the statistics:\n{anomalies}"
)
"""First user message of the investigate step. Placeholders: frictions, anomalies."""

PROPOSE_SYSTEM = (
    "You propose improvement actions for a hospital contact centre. You are shown the frictions of the "
    "period with their statistics and evidence, and the actions already taken from the playbook. Propose up "
    "to {max_actions} additional, concrete actions the playbook does not cover. Each action must cite the "
    "friction ids it addresses and interaction ids taken ONLY from the evidence shown; never invent ids. "
    "Do not rank or score actions: ranking is done elsewhere. Write titles and descriptions in "
    "{language_name}. "
    "If nothing useful can be added, return an empty list.\n" + UNTRUSTED_DATA_NOTE
)
"""System prompt of the propose step. Placeholders: max_actions, language_name."""

PROPOSE_TASK = (
    "Frictions and evidence:\n{frictions}\n\nPlaybook actions already proposed:\n{playbook_actions}\n\n"
    "Findings of the investigation:\n{findings}"
)
"""User message of the propose step. Placeholders: frictions, playbook_actions, findings."""

FRICTION_LINE = (
    "- {friction_id} (rank {rank}, {kind}): {title} | segment {segment} | volume {volume}, "
    "patients {patients}, share {share:.1%}, emerging {emerging} | signals {signals}"
)
"""One friction in a model message. Placeholders: the Friction fields."""

EVIDENCE_LINE = "    {block}"
"""One quote of a friction in a model message: an escaped <transcript id="…">…</transcript> block."""

LANGUAGE_NAMES = {"fr": "French", "en": "English"}
"""Name of the report language, for the prompts."""
