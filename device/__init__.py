"""WallHinge station software."""

__version__ = "0.1.0"


def command() -> str:
    """How the user ran this program, for messages that name a command to type next.

    ``wallhinge`` is the installed command (scripts/install.sh puts it on a Pi's PATH);
    from a checkout it is ``python -m device``.
    """
    import sys
    from pathlib import Path

    return "wallhinge" if Path(sys.argv[0]).name == "wallhinge" else "python -m device"
