"""Training: datasets, augmentation, backbones, jobs, evaluation and export. No Qt here.

Modules import Keras (and through it TensorFlow or PyTorch) only inside the functions that
need it, so that reading datasets stays cheap.
"""
