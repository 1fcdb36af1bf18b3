"""Pure participation rules: vocabularies, answer outcomes, adoption statistics, text keys."""
