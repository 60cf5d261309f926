"""Qt-free heart of mojiyomi: ink, rendering, normalization, model bundles, recognizers.

Nothing in this package imports Qt, and nothing imports TensorFlow at module level.
"""
