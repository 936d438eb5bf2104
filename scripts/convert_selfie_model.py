#!/usr/bin/env python3
"""Convert MediaPipe's selfie segmentation model (.tflite) to ONNX for OpenCV's DNN module.

    python scripts/convert_selfie_model.py [--mediapipe-dir DIR] [--out device/vision/models]

Why: the station's learned person mask runs in OpenCV's DNN module. OpenCV reads
TFLite only from 4.8 on, and Raspberry Pi OS Bookworm's apt OpenCV is 4.6, so a
Pi had no learned mask at all. Every OpenCV 4.x reads ONNX. The converted files
are committed in ``device/vision/models/`` (Apache-2.0, like the source model;
see the NOTICE there), so nothing is downloaded and mediapipe is not needed on
the station.

A developer tool, not part of the product: it needs ``onnx`` and ``tflite`` (the
TFLite flatbuffer schema), which the product does not install. Run it in a
scratch venv:

    python3 -m venv /tmp/conv && /tmp/conv/bin/pip install onnx tflite numpy
    /tmp/conv/bin/python scripts/convert_selfie_model.py --mediapipe-dir .venv/lib/python3.11/site-packages/mediapipe

The model is a MobileNetV3-like encoder-decoder with eleven kinds of operator
(CONV_2D, DEPTHWISE_CONV_2D, ADD, MUL, RELU, HARD_SWISH, LOGISTIC, global
AVERAGE_POOL_2D or MEAN, RESIZE_BILINEAR with half-pixel centres, DEQUANTIZE of float16
weights, and MediaPipe's custom Convolution2DTransposeBias). Each maps to one
ONNX operator, in NCHW. Padding "SAME" with stride 2 pads at the bottom/right
only, as TensorFlow does. HARD_SWISH is written as x * HardSigmoid(x), which
OpenCV 4.6 knows (it has no HardSwish). ``tests/test_learned_mask.py`` checks
the result against the TFLite original, frame by frame.
"""

from __future__ import annotations

import argparse
import hashlib
import struct
import sys
from pathlib import Path

import numpy as np

MODELS = {"selfie_segmentation.tflite": "selfie_segmentation.onnx",
          "selfie_segmentation_landscape.tflite": "selfie_segmentation_landscape.onnx"}


def convert(src: Path, dst: Path) -> None:
    import onnx  # noqa: PLC0415
    import tflite  # noqa: PLC0415
    from onnx import TensorProto, helper, numpy_helper  # noqa: PLC0415

    buf = src.read_bytes()
    model = tflite.Model.GetRootAsModel(buf, 0)
    g = model.Subgraphs(0)
    opnames = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
    np_types = {tflite.TensorType.FLOAT32: np.float32, tflite.TensorType.FLOAT16: np.float16,
                tflite.TensorType.INT32: np.int32}

    def tname(i: int) -> str:
        return f"t{i}"

    def const(i: int) -> np.ndarray | None:
        t = g.Tensors(i)
        b = model.Buffers(t.Buffer())
        if b.DataLength() == 0:
            return None
        return np.frombuffer(b.DataAsNumpy().tobytes(), np_types[t.Type()]).reshape(t.ShapeAsNumpy())

    def shape(i: int) -> list[int]:
        return g.Tensors(i).ShapeAsNumpy().tolist()

    consts: dict[int, np.ndarray] = {}
    nodes, inits = [], []

    def add_init(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def same_pads(in_hw, k_hw, stride):
        pads_b, pads_e = [], []
        for n, k, s in zip(in_hw, k_hw, stride):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads_b.append(total // 2)
            pads_e.append(total - total // 2)
        return pads_b + pads_e

    def options(op, cls):
        o = cls()
        t = op.BuiltinOptions()
        o.Init(t.Bytes, t.Pos)
        return o

    for k in range(g.OperatorsLength()):
        op = g.Operators(k)
        oc = model.OperatorCodes(op.OpcodeIndex())
        name = opnames[max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())]
        ins = [op.Inputs(j) for j in range(op.InputsLength())]
        out = op.Outputs(0)
        if name == "DEQUANTIZE":
            consts[out] = const(ins[0]).astype(np.float32)
            continue

        def w(i):
            c = consts.get(i)
            return c if c is not None else const(i).astype(np.float32)

        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            cls = tflite.Conv2DOptions if name == "CONV_2D" else tflite.DepthwiseConv2DOptions
            o = options(op, cls)
            if o.FusedActivationFunction() != 0 or o.DilationHFactor() != 1 or o.DilationWFactor() != 1:
                raise SystemExit(f"{src.name}: operator {k} ({name}) has a fused activation or dilation; not handled")
            kern, bias = w(ins[1]), w(ins[2])
            if name == "CONV_2D":  # OHWI -> OIHW
                kern, group = kern.transpose(0, 3, 1, 2), 1
            else:  # 1HWC -> C1HW
                if o.DepthMultiplier() != 1:
                    raise SystemExit(f"{src.name}: depth multiplier {o.DepthMultiplier()} not handled")
                kern, group = kern.transpose(3, 0, 1, 2), kern.shape[3]
            ih, iw = shape(ins[0])[1:3]
            kh, kw = kern.shape[2:]
            stride = [o.StrideH(), o.StrideW()]
            pads = same_pads((ih, iw), (kh, kw), stride) if o.Padding() == tflite.Padding.SAME else [0, 0, 0, 0]
            nodes.append(helper.make_node(
                "Conv", [tname(ins[0]), add_init(f"w{k}", kern), add_init(f"b{k}", bias)], [tname(out)],
                kernel_shape=[kh, kw], strides=stride, pads=pads, group=group))
        elif name in ("ADD", "MUL"):
            o = options(op, tflite.AddOptions if name == "ADD" else tflite.MulOptions)
            if o.FusedActivationFunction() != 0:
                raise SystemExit(f"{src.name}: operator {k} ({name}) has a fused activation; not handled")
            nodes.append(helper.make_node("Add" if name == "ADD" else "Mul",
                                          [tname(ins[0]), tname(ins[1])], [tname(out)]))
        elif name == "RELU":
            nodes.append(helper.make_node("Relu", [tname(ins[0])], [tname(out)]))
        elif name == "LOGISTIC":
            nodes.append(helper.make_node("Sigmoid", [tname(ins[0])], [tname(out)]))
        elif name == "HARD_SWISH":
            hs = f"hs{k}"
            nodes.append(helper.make_node("HardSigmoid", [tname(ins[0])], [hs], alpha=1.0 / 6.0, beta=0.5))
            nodes.append(helper.make_node("Mul", [tname(ins[0]), hs], [tname(out)]))
        elif name == "AVERAGE_POOL_2D":
            o = options(op, tflite.Pool2DOptions)
            ih, iw = shape(ins[0])[1:3]
            if (o.FilterHeight(), o.FilterWidth()) != (ih, iw) or o.FusedActivationFunction() != 0:
                raise SystemExit(f"{src.name}: operator {k}: only global average pooling is handled")
            nodes.append(helper.make_node("GlobalAveragePool", [tname(ins[0])], [tname(out)]))
        elif name == "MEAN":
            o = options(op, tflite.ReducerOptions)
            axes = sorted(int(a) for a in const(ins[1]).ravel())
            if axes != [1, 2] or not o.KeepDims():
                raise SystemExit(f"{src.name}: operator {k}: only a mean over height and width is handled")
            nodes.append(helper.make_node("GlobalAveragePool", [tname(ins[0])], [tname(out)]))
        elif name == "RESIZE_BILINEAR":
            o = options(op, tflite.ResizeBilinearOptions)
            mode = "align_corners" if o.AlignCorners() else ("half_pixel" if o.HalfPixelCenters() else "asymmetric")
            n, h, wd, c = shape(out)
            nodes.append(helper.make_node(
                "Resize", [tname(ins[0]), add_init(f"roi{k}", np.zeros(0, np.float32)),
                           add_init(f"scales{k}", np.zeros(0, np.float32)),
                           add_init(f"size{k}", np.array([n, c, h, wd], np.int64))],
                [tname(out)], mode="linear", coordinate_transformation_mode=mode))
        elif name == "CUSTOM" and oc.CustomCode() == b"Convolution2DTransposeBias":
            padding, stride_w, stride_h = struct.unpack("<iii", op.CustomOptionsAsNumpy().tobytes()[:12])
            kern, bias = w(ins[1]), w(ins[2])  # OHWI -> IOHW
            kern = kern.transpose(3, 0, 1, 2)
            if padding != tflite.Padding.VALID:
                raise SystemExit(f"{src.name}: transpose convolution with padding {padding} not handled")
            nodes.append(helper.make_node(
                "ConvTranspose", [tname(ins[0]), add_init(f"w{k}", kern), add_init(f"b{k}", bias)], [tname(out)],
                kernel_shape=list(kern.shape[2:]), strides=[stride_h, stride_w]))
        else:
            raise SystemExit(f"{src.name}: operator {k} ({name}) is not handled by this converter")

    gin, gout = g.Inputs(0), g.Outputs(0)
    n, h, wd, c = shape(gin)
    graph = helper.make_graph(
        nodes, src.stem,
        [helper.make_tensor_value_info(tname(gin), TensorProto.FLOAT, [n, c, h, wd])],
        [helper.make_tensor_value_info(tname(gout), TensorProto.FLOAT, [n, 1] + shape(gout)[1:3])],
        inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="wallhinge",
                          doc_string=f"converted from {src.name} sha256 {hashlib.sha256(buf).hexdigest()} "
                                     "by scripts/convert_selfie_model.py")
    m.ir_version = 6
    onnx.checker.check_model(m)
    dst.write_bytes(m.SerializeToString())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mediapipe-dir", type=Path, help="the installed mediapipe package folder")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "device" / "vision" / "models")
    a = ap.parse_args()
    mp_dir = a.mediapipe_dir
    if mp_dir is None:
        import importlib.util  # noqa: PLC0415
        spec = importlib.util.find_spec("mediapipe")
        if spec is None or not spec.submodule_search_locations:
            print("mediapipe is not installed here: pass --mediapipe-dir", file=sys.stderr)
            return 2
        mp_dir = Path(list(spec.submodule_search_locations)[0])
    a.out.mkdir(parents=True, exist_ok=True)
    for src_name, dst_name in MODELS.items():
        src = mp_dir / "modules" / "selfie_segmentation" / src_name
        if not src.is_file():
            print(f"{src} is missing", file=sys.stderr)
            return 2
        dst = a.out / dst_name
        if dst.exists() and dst.resolve() == src.resolve():
            print("refusing to write the output over the input", file=sys.stderr)
            return 2
        convert(src, dst)
        print(f"{src.name} -> {dst} ({dst.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
