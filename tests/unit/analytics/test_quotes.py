from analytics.quotes import clip_quote


def test_a_short_quote_is_kept_whole_on_one_line() -> None:
    assert (
        clip_quote("Bonjour,\n\nle portail   affiche une erreur.")
        == "Bonjour, le portail affiche une erreur."
    )


def test_a_long_quote_ends_on_a_sentence_when_one_fits() -> None:
    text = "Le portail affiche une erreur 500. " + "J'ai essayé plusieurs fois depuis hier soir " * 5
    assert clip_quote(text, 80) == "Le portail affiche une erreur 500. …"


def test_otherwise_it_is_cut_between_words() -> None:
    text = "mon ordonnance de Kardégic est expirée et la pharmacie refuse de me dépanner sans ordonnance"
    clipped = clip_quote(text, 40)
    assert clipped.endswith("…") and len(clipped) <= 40
    assert text.startswith(clipped[:-1]) and text[len(clipped) - 1] == " "
