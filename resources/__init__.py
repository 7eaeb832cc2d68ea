"""Package data: default models, sample images and icons (installed as ganpaint.resources)."""
