"""Augmentation layers, active only in training (Keras' random layers are identities otherwise)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class AugmentConfig:
    """Strength of each augmentation; 0 turns one off.

    Attributes:
        rotation_deg: Largest rotation either way, in degrees.
        zoom: Largest relative zoom in or out.
        translation: Largest shift as a fraction of the side.
        shear: Largest horizontal shear factor (slanted handwriting).
    """

    rotation_deg: float = 10.0
    zoom: float = 0.1
    translation: float = 0.08
    shear: float = 0.15

    def __post_init__(self) -> None:
        for key, value in asdict(self).items():
            if value < 0:
                raise ValueError(f"Augmentation strengths must be >= 0. Received: {key}={value}")
        if self.rotation_deg > 90 or self.zoom >= 1 or self.translation >= 0.5:
            raise ValueError(f"Augmentation too strong to keep characters readable. Received: {self}")

    @property
    def enabled(self) -> bool:
        """True if any augmentation is on."""
        return any(asdict(self).values())

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the run config."""
        return asdict(self)


def build_augmenter(config: AugmentConfig, seed: int) -> Any:
    """A ``keras.Sequential`` of random layers for the given config (identity at inference).

    Pictures are white ink on black, so every layer fills with 0 (black).
    """
    import keras

    layers: list[Any] = []
    if config.shear:
        layers.append(keras.layers.RandomShear(x_factor=config.shear, fill_mode="constant",
                                               fill_value=0.0, seed=seed))
    if config.rotation_deg:
        layers.append(keras.layers.RandomRotation(config.rotation_deg / 360.0, fill_mode="constant",
                                                  fill_value=0.0, seed=seed + 1))
    if config.zoom:
        layers.append(keras.layers.RandomZoom(config.zoom, fill_mode="constant", fill_value=0.0,
                                              seed=seed + 2))
    if config.translation:
        layers.append(keras.layers.RandomTranslation(config.translation, config.translation,
                                                     fill_mode="constant", fill_value=0.0, seed=seed + 3))
    return keras.Sequential(layers, name="augment")
