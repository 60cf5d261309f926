"""The Qt desktop app (the only package that imports Qt; it never imports TensorFlow)."""
