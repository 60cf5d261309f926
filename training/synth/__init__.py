"""Training data made by the project: handwriting-like samples from KanjiVG strokes and fonts.

``kanjivg`` loads stroke paths, ``perturb`` varies them as hands do, ``fonts`` renders and
bends font glyphs, ``generate`` writes NPZ shards (``python -m training.synth.generate``),
``shards`` joins them. Sources and licences: ``docs/DATA_SOURCES.md``.
"""
