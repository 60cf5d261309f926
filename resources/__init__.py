"""Bundled resources: model bundles under ``models/``, icons under ``icons/``."""
