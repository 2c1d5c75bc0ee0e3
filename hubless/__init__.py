"""hubless: compile multi-cluster policies and manifests into rendered/<cluster>/ trees."""

__version__ = "0.1.0"
