"""Sentiment of one text: the stage that picks a scorer by language (stage), star ratings as
evidence beside the text (evidence), brand lexicon overrides (lexicon). English is scored by
VADER through `_vader_fast`, a private exact re-implementation of vaderSentiment 3.3.2's scoring."""
