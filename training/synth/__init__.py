"""Training data made by the project: handwriting-like samples from KanjiVG strokes (and fonts)."""
