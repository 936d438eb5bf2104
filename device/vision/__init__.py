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

# The names below load their module on first use (PEP 562), not when the package is imported: a
# bare video's analysis imports ``device.vision.pose``, which needs neither the background model
# (``segmentation``) nor the station's estimator as a whole, and every run compiles or loads what
# it imports (README, "Memory and speed of the vision", round 7).
_WHERE = {
    "EstimatorParams": "estimator", "PersonBlob": "estimator", "PostureDebug": "estimator",
    "PostureEstimator": "estimator", "select_person": "estimator",
    "AutoSegmenter": "segmentation", "BackgroundModel": "segmentation", "Segmentation": "segmentation",
    "SegmentationError": "segmentation", "Segmenter": "segmentation", "SegmenterMode": "segmentation",
    "SegmenterState": "segmentation", "SelfieSegmenter": "segmentation", "make_segmenter": "segmentation",
    "BodyModel": "silhouette", "SilhouetteMeasures": "silhouette", "arc_bend_deg": "silhouette",
    "measure_silhouette": "silhouette",
}


def __getattr__(name: str):
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    value = getattr(importlib.import_module(f"{__name__}.{where}"), name)
    globals()[name] = value  # the next read is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
