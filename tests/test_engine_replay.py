"""scripts/engine_replay.py: the research tool that replays a recorded station run's engine input.

Only what it must get right to be trusted: a recorded spec is rebuilt as the scene it was recorded from
(nothing is rendered; the truth it compares with comes from that scene).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "engine_replay.py"


@pytest.fixture(scope="module")
def replay():
    spec = importlib.util.spec_from_file_location("wallhinge_engine_replay", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_a_shaded_spec_is_rebuilt_with_its_shading_and_frame_rate(replay):
    """``r:SEED@FPS~K`` is the random scene at that frame rate with people shaded up to K (as ``record``
    and ``scripts/bench_station_random.py --fps --shading`` make it), ``NAME:SEED~K`` a built-in one:
    the lookup once split the spec without the ``~K`` and stopped with a ValueError."""
    shaded = replay._scene("r:5@30~0.4")
    flat = replay._scene("r:5@30")
    assert shaded.fps == flat.fps == 30.0
    assert flat.summary()["room"]["shading"] == 0.0
    assert 0.0 < shaded.summary()["room"]["shading"] <= 0.4
    # The seed's other draws are the same scene.
    assert shaded.summary()["body"] == flat.summary()["body"]
    assert replay._scene("clean:1~0.3").summary()["room"]["shading"] > 0.0
    assert replay._scene("clean:1").summary()["room"]["shading"] == 0.0
