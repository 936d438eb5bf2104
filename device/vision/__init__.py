"""Posture from a side-view camera: person masks, the silhouette's virtual dowel, overlays.

Public API::

    from device.vision import PostureEstimator, make_segmenter
    est = PostureEstimator(make_segmenter("auto"), wall_side="auto")
    sample = est.process(frame)      # -> device.core.types.PostureSample
    est.last_debug                   # mask, outline, chord, landmarks for annotate

Both estimators (this one and ``device.vision.pose.PoseGuidedEstimator``) are a
``device.station.PostureSource``; what they remember of the person they follow
(facing, feet, standing height and references, a lost track) is ``device.vision.tracking``.
"""

from device.vision.estimator import EstimatorParams, PersonBlob, PostureDebug, PostureEstimator, select_person
from device.vision.segmentation import (
    AutoSegmenter,
    BackgroundModel,
    Segmentation,
    SegmentationError,
    Segmenter,
    SegmenterMode,
    SegmenterState,
    SelfieSegmenter,
    make_segmenter,
)
from device.vision.silhouette import BodyModel, SilhouetteMeasures, arc_bend_deg, measure_silhouette

__all__ = [
    "AutoSegmenter",
    "BackgroundModel",
    "BodyModel",
    "EstimatorParams",
    "PersonBlob",
    "PostureDebug",
    "PostureEstimator",
    "Segmentation",
    "SegmentationError",
    "Segmenter",
    "SegmenterMode",
    "SegmenterState",
    "SelfieSegmenter",
    "SilhouetteMeasures",
    "arc_bend_deg",
    "make_segmenter",
    "measure_silhouette",
    "select_person",
]
