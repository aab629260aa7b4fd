"""Model-facing text that names a new theme (used only when a language model is configured)."""

from prompts.common import UNTRUSTED_DATA_NOTE

THEME_LABEL_SYSTEM = (
    "You name the themes that patients contact a hospital contact centre about, for the centre's managers. "
    "Given a theme's most typical patient sentences and its keywords, answer with one short noun phrase "
    "(2 to 6 words) in {language_name} that says what the patients need or what is broken, e.g. "
    "'Renouvellement d'ordonnance', 'Site de prise de rendez-vous en panne', 'Prescription renewal'. "
    "No quotes, no final full stop, no patient names or details, nothing but the name.\n"
    + UNTRUSTED_DATA_NOTE
)
"""System prompt. Placeholder: language_name (French or English: the theme's own language)."""

THEME_LABEL_TASK = "Keywords: {keywords}\nTypical sentences:\n{sentences}"
"""User message. Placeholders: keywords, sentences (one <transcript> block a line)."""
