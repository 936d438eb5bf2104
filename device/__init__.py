"""WallHinge station software."""

__version__ = "0.1.0"
