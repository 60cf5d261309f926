"""mojiyomi: a desktop handwriting recognizer for Japanese characters and digits."""

__version__ = "0.1.0"
