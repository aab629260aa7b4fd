"""The topic text of an interaction: what the patient says the contact is about, without the conversation.

A patient's side of a call holds much more than its reason: greetings, the answer to "your name and date of
birth?", thanks and goodbyes, e-mail salutations and signatures, and complaints about reaching the centre
("nobody answers", "third time I call"). Those sentences are shared by every theme, so embedding them pulls
unrelated contacts together ("bye · good morning" themes). `topic_text` keeps the sentences with a topic:

1. the text is split into sentences (line breaks and . ! ? …);
2. a sentence whose words (accents folded) are all stop words, conversation words (greetings, thanks,
   politeness, identity answers, e-mail formulae, hesitations) or redaction placeholders is dropped;
3. complaint phrases about access (`frictions.EFFORT_PHRASES` and `ACCESS_PHRASES`) are cut out of a
   sentence; a sentence left without topic words is dropped;
4. if nothing is left, the cleaned original is returned (a text is never emptied by this step).

Effort and access complaints are not lost: friction scoring reads them from the full patient text.
"""

from __future__ import annotations

import re

from analytics.frictions import EFFORT_PHRASES
from analytics.glossary import load_glossary, tokens
from analytics.theme_lexical import FOLDED_STOP_WORDS, clean
from core.settings import get_settings
from core.text import fold

CONVERSATION_WORDS: frozenset[str] = frozenset(
    fold(w)
    for w in """
    allo allô salut coucou bonjour bonsoir revoir adieu merci remercie remercier remerciements beaucoup
    journée journee soirée soiree plaisir aide parfait accord entendu noté note super génial genial nickel
    excellent formidable ok okay d'accord daccord franchement enfin bref euh ben bah hum hein alors voilà
    voila ouais oui non mademoiselle madame monsieur messieurs dames docteur docteure cordialement
    cordiales salutations distinguées distinguees agréer agreer prie veuillez respectueusement sincères
    sinceres sentiments avance retour attente réponse reponse prochainement disposition contacte
    contacter écris ecris ecrire écrire message mail courriel objet appelle appelais appeler appel
    appareil nom prénom prenom famille naissance née nee né ne date ans âgé agee numéro numero
    téléphone telephone adresse portable joignable rappeler rappelez tél tel
    hi hello hey goodbye bye cheers thanks thank thankyou appreciate appreciated grateful great perfect
    fine okay alright right sorry excuse pardon sir madam mrs mr ms miss dear regards kind kindly sincerely
    faithfully best wishes advance reply response hearing soon forward writing write email message
    calling call name surname born birth dob date number phone address reach reached speaking
    day morning afternoon evening good nice lovely wonderful awesome cool yep yup nope ici here
    lundi mardi mercredi jeudi vendredi samedi dimanche janvier février fevrier mars avril mai juin juillet
    août aout septembre octobre novembre décembre decembre monday tuesday wednesday thursday friday
    saturday sunday january february march april may june july august september october november december
    """.split()
)
"""Words of the conversation itself (greetings, thanks, politeness, identity, e-mail formulae), folded."""

ACCESS_PHRASES: tuple[str, ...] = (
    "sonne dans le vide",
    "tombe toujours sur le repondeur",
    "tombe sur le repondeur",
    "personne ne decroche",
    "quelqu'un decroche",
    "en attente",
    "de vous joindre",
    "vous joindre",
    "d'un service a l'autre",
    "rings and rings",
    "on hold",
    "get through",
    "voicemail",
    "passed from one department to another",
)
"""Complaints about reaching the centre, whatever the topic (folded)."""

_SENTENCES = re.compile(r"(?<=[.!?…])\s+|\n+")
_STOP = FOLDED_STOP_WORDS | CONVERSATION_WORDS

_PHRASES = tuple(sorted({*EFFORT_PHRASES, *ACCESS_PHRASES}, key=len, reverse=True))
"""Effort and access phrases, longest first (a longer phrase is cut before the shorter one it contains)."""


def topic_words(sentence: str) -> list[str]:
    """The words of a sentence that can carry a topic (folded, no stop or conversation words)."""
    return [w for w in tokens(clean(sentence)) if len(w) > 1 and w not in _STOP]


def topic_text(text: str) -> str:
    """The sentences of a patient's text that say what the contact is about (see the module docstring)."""
    cleaned = clean(text)
    if not cleaned:
        return ""
    kept = []
    # placeholders and speaker prefixes taken out line by line: line breaks end sentences
    for sentence in _SENTENCES.split("\n".join(clean(line) for line in text.splitlines())):
        sentence = sentence.strip()
        if not sentence:
            continue
        folded = fold(sentence)
        if any(p in folded for p in _PHRASES):
            for phrase in _PHRASES:
                folded = folded.replace(phrase, " ")
            if not topic_words(folded):
                continue
        elif not topic_words(sentence):
            continue
        kept.append(sentence)
    return " ".join(kept) if kept else cleaned


_FRENCH_MARKERS = frozenset(
    "je j me mon ma mes vous votre vos est pour pas les des une avec sur dans suis qui que ce cette".split()
)
_ENGLISH_MARKERS = frozenset("i my me you your is for not the a an with on in am to of it this that".split())


def is_french(text: str, language: str | None = None) -> bool:
    """Whether a text is French: its `language` field when known, else its function words."""
    if language:
        return language.lower().startswith("fr")
    words = tokens(text)
    french = sum(1 for t in words if t in _FRENCH_MARKERS)
    english = sum(1 for t in words if t in _ENGLISH_MARKERS)
    return french > english


def english_gloss(text: str, language: str | None = None) -> str:
    """The English gloss of a French topic text through the glossary ("" for other languages or no match).

    The default embedding model reads English; the gloss ("prescription expired renew") puts a French
    message next to English messages about the same topic. Configure the glossary with
    `PARCOURS_GLOSSARY_PATH` (a tab-separated french/english file; default: the one shipped with Parcours).
    """
    if not text or not is_french(text, language):
        return ""
    return load_glossary(get_settings().glossary_path).gloss(text)
