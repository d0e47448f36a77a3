"""placeholder until the notebook is written."""
MISTAKES = {}
