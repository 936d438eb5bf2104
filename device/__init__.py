"""WallHinge station software."""

__version__ = "0.1.0"


def command() -> str:
    """How the user ran this program, for messages that name a command to type next.

    ``wallhinge`` is the installed command (scripts/install.sh puts it on a Pi's PATH);
    ``scripts/run`` says how it was typed (``WALLHINGE_COMMAND``); else ``python -m device``.
    """
    import os
    import sys
    from pathlib import Path

    if Path(sys.argv[0]).name == "wallhinge":
        return "wallhinge"
    return os.environ.get("WALLHINGE_COMMAND") or "python -m device"
