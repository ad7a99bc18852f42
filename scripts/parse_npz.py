#!/usr/bin/env python3
"""Print a session_data.npz: its arrays, its metadata and its QA scores.

The team's cross-check for the server's TypeScript reader: the scores are
computed exactly as src/quality/qa-score.ts computes them (docs/QUALITY.md
gives the definitions), so both must agree to 1e-6 on any file.

Safe on untrusted files: object arrays are unpickled by an unpickler that only
knows numpy's ndarray reconstruction and refuses every other name, so unlike
np.load(allow_pickle=True) a hostile file cannot run code.

Usage:
    /usr/bin/python3 scripts/parse_npz.py FILE.npz [FILE.npz ...] [--json] [--low-confidence 0.5]

Needs Python 3.9+ and numpy (Debian: apt-get install python3-numpy).
"""

import argparse
import io
import json
import math
import pickle
import re
import sys
import zipfile
from datetime import datetime, timedelta, timezone

import numpy as np

FRAME_ARRAYS = {
    "left_confidence": "float",
    "right_confidence": "float",
    "left_tracked": "bool",
    "right_tracked": "bool",
    "both_hands_not_in_frame": "bool",
    "hand_speed_exceeded": "bool",
    "tracking_errors": "bool",
}
ARRAY_NAMES = list(FRAME_ARRAYS) + ["metadata"]
MIN_FPS, MAX_FPS = 1, 240
MAX_OBJECT_ARRAY_BYTES = 16 * 1024 * 1024
# The server's default QA_MAX_NPZ_BYTES: no array bigger than this is inflated.
MAX_ARRAY_BYTES = 512 * 1024 * 1024
ISO_DATE_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))?$"
)


try:  # numpy 2 moved numpy.core to numpy._core
    from numpy._core.multiarray import _reconstruct
except ImportError:
    from numpy.core.multiarray import _reconstruct


class Unreadable(Exception):
    """The file's content is not a readable NPZ."""


class NumpyOnlyUnpickler(pickle.Unpickler):
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise Unreadable(f"pickle refers to {module}.{name}, which is not allowed")
        if name == "_reconstruct":
            return _reconstruct
        return getattr(np, name)

    def persistent_load(self, pid):
        raise Unreadable("pickle uses persistent ids, which are not allowed")


def read_header(fp):
    version = np.lib.format.read_magic(fp)
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise Unreadable(f"unsupported .npy format version {version}")
    shape, fortran, dtype = np.lib.format._read_array_header(fp, version)
    return shape, fortran, dtype


def supported(dtype):
    if dtype.hasobject:
        return dtype.kind == "O"
    if dtype.kind == "f":
        return dtype.itemsize in (4, 8)
    return dtype.kind in ("b", "S", "U")


def read_npy(raw, name):
    fp = io.BytesIO(raw)
    try:
        shape, fortran, dtype = read_header(fp)
    except Unreadable:
        raise
    except Exception as err:  # numpy raises ValueError and friends for bad headers
        raise Unreadable(f"{name}.npy: {err}")
    if not supported(dtype):
        raise Unreadable(f"{name}.npy: unsupported dtype {dtype.str}")
    if fortran and len(shape) > 1:
        raise Unreadable(f"{name}.npy: Fortran-ordered arrays are not supported")
    available = len(raw) - fp.tell()
    count = math.prod(shape)
    if dtype.kind in ("O", "S", "U") and available > MAX_OBJECT_ARRAY_BYTES:
        raise Unreadable(f"{name}.npy: {dtype.str} array of {available} bytes is too large")
    if dtype.kind == "O":
        try:
            array = NumpyOnlyUnpickler(fp).load()
        except Unreadable:
            raise
        except Exception as err:
            raise Unreadable(f"{name}.npy: corrupt pickle: {err}")
        if not isinstance(array, np.ndarray) or array.dtype.kind != "O" or array.shape != tuple(shape):
            raise Unreadable(f"{name}.npy: pickled object array does not match its header shape")
        if not all(isinstance(item, (bytes, str)) for item in array.flat):
            raise Unreadable(f"{name}.npy: object array holds something other than bytes or str")
        return array
    declared = count * dtype.itemsize
    if declared != available:
        raise Unreadable(f"{name}.npy: header declares {declared} bytes of data but the entry holds {available}")
    data = raw[fp.tell():]
    if dtype.kind == "b" and np.frombuffer(data, dtype=np.uint8).max(initial=0) > 1:
        raise Unreadable(f"{name}.npy: bool array holds a value other than 0 or 1")
    return np.frombuffer(data, dtype=dtype, count=count).reshape(shape)


def read_npz(path):
    """The eight arrays by name (others are skipped, as the server does)."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise Unreadable(f"not a zip file: {err}")
    arrays = {}
    with zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[: -len(".npy")]
            if name not in ARRAY_NAMES:
                continue
            if name in arrays:
                raise Unreadable(f"the zip holds {name}.npy twice")
            if info.file_size > MAX_ARRAY_BYTES:
                raise Unreadable(f"{name}.npy declares {info.file_size} bytes, over the {MAX_ARRAY_BYTES}-byte limit")
            try:
                raw = zf.read(info)
            except Exception as err:
                raise Unreadable(f"{name}.npy: {err}")
            arrays[name] = read_npy(raw, name)
    return arrays


def parse_iso_date(value):
    """Epoch seconds of a strict ISO 8601 date-time (no zone means UTC), or None."""
    if not isinstance(value, str):
        return None
    m = ISO_DATE_TIME.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    fraction = float("0." + m.group(7)) if m.group(7) else 0.0
    off_h = int(m.group(10)) if m.group(10) else 0
    off_m = int(m.group(11)) if m.group(11) else 0
    if off_h > 23 or off_m > 59:
        return None
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None
    sign = -1 if m.group(9) == "-" else 1
    utc = local - sign * timedelta(hours=off_h, minutes=off_m)
    return utc.timestamp() + fraction


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def reject_constant(name):
    # JSON has no NaN or Infinity; Python accepts them, JavaScript does not.
    raise ValueError(f"{name} is not JSON")


def decode_metadata(array, issues):
    """None when the array fails integrity; {} when its JSON is unusable; else {"value": dict}."""
    if array is None:
        issues.append("array metadata is missing")
        return None
    if array.dtype.kind not in ("O", "S", "U"):
        issues.append(f"array metadata has dtype {array.dtype.str}, expected bytes or str")
        return None
    if array.shape != (1,):
        issues.append(f"array metadata has shape {array.shape}, expected (1,)")
        return None
    item = array[0]
    try:
        text = item if isinstance(item, str) else bytes(item).decode("utf-8")
        value = json.loads(text, parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError):
        issues.append("metadata is not UTF-8 JSON")
        return {}
    if not isinstance(value, dict):
        issues.append("metadata JSON is not an object")
        return {}
    return {"value": value}


def check_timestamps(m, now, issues):
    ok = True
    captured = parse_iso_date(m.get("capture_date"))
    if captured is None:
        issues.append("metadata capture_date is not an ISO 8601 date-time")
        ok = False
    elif captured > now:
        issues.append("metadata capture_date is in the future")
        ok = False
    duration, frames = m.get("duration_seconds"), m.get("total_frames")
    if not is_number(duration) or duration <= 0:
        issues.append("metadata duration_seconds is not a positive number")
        return False
    if not is_number(frames):
        issues.append("metadata total_frames is not a number")
        return False
    fps = frames / duration
    if fps < MIN_FPS or fps > MAX_FPS:
        issues.append(f"total_frames / duration_seconds is {fps:.2f} frames per second, outside {MIN_FPS}-{MAX_FPS}")
        ok = False
    return ok


def check_frame_arrays(arrays, issues):
    lengths, ok = [], True
    for name, kind in FRAME_ARRAYS.items():
        a = arrays.get(name)
        if a is None:
            issues.append(f"array {name} is missing")
            ok = False
        elif a.ndim != 1:
            issues.append(f"array {name} has shape {a.shape}, expected one dimension")
            ok = False
        elif (kind == "float" and a.dtype.kind != "f") or (kind == "bool" and a.dtype.kind != "b"):
            issues.append(f"array {name} has dtype {a.dtype.str}, expected {kind}")
            ok = False
        elif a.shape[0] not in lengths:
            lengths.append(a.shape[0])
    if ok and len(lengths) > 1:
        issues.append(f"per-frame arrays have different lengths {lengths}")
        ok = False
    return ok


def percent(count, n):
    return 0.0 if n == 0 else 100.0 * float(count) / n


def clamp(score):
    return min(100.0, max(0.0, float(score)))


def score(arrays, low_confidence, now):
    issues = []
    if isinstance(arrays, Unreadable):
        issues.append(str(arrays))
        arrays = None
    metadata = decode_metadata(arrays.get("metadata"), issues) if arrays is not None else None
    frames_ok = check_frame_arrays(arrays, issues) if arrays is not None else False
    integrity = frames_ok and metadata is not None
    meta = (metadata or {}).get("value")
    n = int(arrays["left_confidence"].shape[0]) if integrity else 0

    total = meta.get("total_frames") if meta else None
    frame_count = integrity and is_number(total) and total == n
    if integrity and meta is not None and not frame_count:
        issues.append(f"metadata total_frames is {total} but the arrays hold {n} frames")
    timestamps = check_timestamps(meta, now, issues) if meta is not None else False
    validation = round((33.33 if integrity else 0) + (33.33 if frame_count else 0) + (33.34 if timestamps else 0), 2)

    if integrity:
        both = arrays["both_hands_not_in_frame"].astype(bool)
        speed = arrays["hand_speed_exceeded"].astype(bool)
        errors = arrays["tracking_errors"].astype(bool)
        both_pct, speed_pct, errors_pct = percent(both.sum(), n), percent(speed.sum(), n), percent(errors.sum(), n)
        capture = {
            "totalFrames": n,
            "bothHandsNotInFramePercent": both_pct,
            "trackingErrorsPercent": errors_pct,
            "handSpeedExceededPercent": speed_pct,
            "validFramesPercent": percent((~(both | speed | errors)).sum(), n),
            "score": clamp(100 - both_pct - errors_pct - speed_pct),
        }
        left = np.nan_to_num(arrays["left_confidence"].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        right = np.nan_to_num(arrays["right_confidence"].astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        left_avg = float(left.mean()) if n else 0.0
        right_avg = float(right.mean()) if n else 0.0
        overall = (left_avg + right_avg) / 2
        tracking = {
            "leftHandAvgConfidence": left_avg,
            "rightHandAvgConfidence": right_avg,
            "overallAvgConfidence": overall,
            "lowConfidenceFramesPercent": percent(((left + right) / 2 < low_confidence).sum(), n),
            "score": clamp(overall * 100),
        }
    else:
        capture = dict.fromkeys(
            ["totalFrames", "bothHandsNotInFramePercent", "trackingErrorsPercent",
             "handSpeedExceededPercent", "validFramesPercent", "score"], 0)
        tracking = dict.fromkeys(
            ["leftHandAvgConfidence", "rightHandAvgConfidence", "overallAvgConfidence",
             "lowConfidenceFramesPercent", "score"], 0)

    capture_date = meta.get("capture_date") if meta else None
    result = {
        "stages": {
            "stage2_captureQuality": capture,
            "stage10_validationTests": {
                "npzIntegrityCheck": bool(integrity),
                "frameCountCheck": bool(frame_count),
                "timestampConsistency": bool(timestamps),
                "score": validation,
            },
            "stage12_trackingConfidence": tracking,
        },
        "overallQualityScore": capture["score"] * 0.4 + validation * 0.3 + tracking["score"] * 0.3,
        "issues": issues,
    }
    if parse_iso_date(capture_date) is not None:
        result["captureDate"] = capture_date
    return result, meta


def describe(arrays):
    out = {}
    for name, a in arrays.items():
        entry = {"dtype": a.dtype.str, "shape": list(a.shape)}
        if a.dtype.kind in ("f", "b") and a.size:
            entry["min"], entry["max"] = float(a.min()), float(a.max())
        out[name] = entry
    return out


def analyse(path, low_confidence, now):
    try:
        arrays = read_npz(path)
    except Unreadable as err:
        arrays = err
    result, meta = score(arrays, low_confidence, now)
    return {
        "file": path,
        "arrays": describe(arrays) if isinstance(arrays, dict) else None,
        "metadata": meta,
        "score": result,
    }


def print_report(report):
    print(f"== {report['file']}")
    if report["arrays"] is None:
        print("  unreadable")
    else:
        for name, a in report["arrays"].items():
            extra = f"  min {a['min']:.6g} max {a['max']:.6g}" if "min" in a else ""
            print(f"  {name:26} {a['dtype']:6} shape {tuple(a['shape'])}{extra}")
    print(f"  metadata: {json.dumps(report['metadata'])}")
    s = report["score"]
    for stage, values in s["stages"].items():
        print(f"  {stage}:")
        for key, value in values.items():
            print(f"    {key:28} {value}")
    print(f"  overallQualityScore          {s['overallQualityScore']}")
    for issue in s["issues"]:
        print(f"  issue: {issue}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--json", action="store_true", help="print one JSON object per file, keyed by file name")
    parser.add_argument("--low-confidence", type=float, default=0.5, help="QA_LOW_CONFIDENCE (default 0.5)")
    args = parser.parse_args()
    now = datetime.now(timezone.utc).timestamp()
    reports = [analyse(f, args.low_confidence, now) for f in args.files]
    if args.json:
        json.dump({r["file"]: r for r in reports}, sys.stdout, indent=2, sort_keys=True)
        print()
    else:
        for r in reports:
            print_report(r)


if __name__ == "__main__":
    main()
