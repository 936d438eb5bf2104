"""The synthetic athlete: rendered side-view frames, a proximity trace and ground truth for the wall drill.

Start with :func:`device.sim.scenarios.get_scenario`; :class:`SyntheticFrameSource` feeds the station.
"""

from .scenarios import (REP_KINDS, SCENARIO_DESCRIPTIONS, SCENARIO_NAMES, FrameTruth, Scenario, SyntheticFrameSource, TruthRep,
                        get_scenario, random_scenario)

__all__ = ["REP_KINDS", "SCENARIO_DESCRIPTIONS", "SCENARIO_NAMES", "FrameTruth", "Scenario", "SyntheticFrameSource", "TruthRep",
           "get_scenario", "random_scenario"]
