"""Dataset readers. Each yields grey pictures (white ink on black) or inks with labels."""
