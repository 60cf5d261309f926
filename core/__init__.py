"""Qt-free heart of mojiyomi: ink, rendering, normalization, model bundles, recognizers.

Nothing in this package imports Qt, and nothing imports TensorFlow at module level.
"""

import os

# OpenCV reads these once, when it is imported, and every core module that uses it is
# imported after this package. Its pixel limit backs ``core.images.MAX_PIXELS`` (checked
# from the header first) inside the decoder itself; its log lines ("[ERROR:0@...] imdecode_
# can't read data") only repeat the InputError already raised, so they stay off stderr.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", "64000000")
os.environ.setdefault("OPENCV_LOG_LEVEL", "FATAL")
