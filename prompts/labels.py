"""Model-facing text that names the new themes of a week (used only when a language model is configured)."""

from prompts.common import UNTRUSTED_DATA_NOTE

THEME_LABEL_SYSTEM = (
    "You name the themes that patients contact a hospital contact centre about, for the centre's managers. "
    "For each theme below, given its most typical patient sentences and its keywords, give one short noun "
    "phrase (2 to 6 words) in the theme's language that says what the patients need or what is broken, e.g. "
    "'Renouvellement d'ordonnance', 'Site de prise de rendez-vous en panne', 'Prescription renewal'. "
    "No quotes, no final full stop, no patient names or details. Answer with the theme ids as given.\n"
    + UNTRUSTED_DATA_NOTE
)
"""System prompt of the theme naming call (one call for all the new themes of a week)."""

THEME_LABEL_TASK = (
    "Theme {theme_id} (name it in {language_name})\nKeywords: {keywords}\nTypical sentences:\n{sentences}"
)
"""One theme of the user message. Placeholders: theme_id, language_name, keywords, sentences."""
