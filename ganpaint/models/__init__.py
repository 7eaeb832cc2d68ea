"""ganpaint's networks and model files.

Networks (DCGAN, MLP GAN, CycleGAN/pix2pix ResNet and U-Net generators, PatchGAN)
are rebuilt from `{"arch", "config"}` with `build_net`. A model is one `.safetensors`
bundle: `load(path)` returns a `ModelBundle`, `ModelBundle(kind, nets, meta).save(path)`
writes one, and `import_reference` turns reference `.pth` checkpoints into bundles.
"""

from ganpaint.models.bundle import (
    FORMAT_VERSION,
    KINDS,
    ModelBundle,
    load,
    read_metadata,
)
from ganpaint.models.catalog import (
    DEFAULT_MODELS,
    ModelEntry,
    describe,
    import_into_user_models,
    list_models,
    resolve_model,
)
from ganpaint.models.dcgan import DCGANDiscriminator, DCGANEncoder, DCGANGenerator
from ganpaint.models.init import init_weights
from ganpaint.models.mlp import MLPDiscriminator, MLPGenerator
from ganpaint.models.patchgan import NLayerDiscriminator
from ganpaint.models.reference import import_reference, read_state_dict
from ganpaint.models.registry import ARCHITECTURES, build_net
from ganpaint.models.resnet import ResnetGenerator
from ganpaint.models.unet import UnetGenerator

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_MODELS",
    "FORMAT_VERSION",
    "KINDS",
    "DCGANDiscriminator",
    "DCGANEncoder",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "ModelBundle",
    "ModelEntry",
    "NLayerDiscriminator",
    "ResnetGenerator",
    "UnetGenerator",
    "build_net",
    "describe",
    "import_into_user_models",
    "import_reference",
    "init_weights",
    "list_models",
    "load",
    "read_metadata",
    "read_state_dict",
    "resolve_model",
]
