"""Shared helpers for the end-to-end scripts: the logged values, file hashing, the result line.

The metric values are a pure function of the step so the TypeScript test can recompute them
(e2e/support/history.ts mirrors `history_row`; keep the two in step). Only exact IEEE operations
are used (a division, a multiplication by a power of two) so Python and JavaScript agree bit for bit.
"""

import base64
import hashlib
import json
import math
import os
import sys

BIG_BASE = 2**53 + 1  # beyond the doubles' exact-integer range: must survive as an exact integer


def history_row(step):
    return {
        "train": {"loss": 1.0 / (step + 1), "acc": step / 1000},
        "eval": {"deep": {"score": step * 0.5}},
        "nan_metric": float("nan"),
        "pos_inf": math.inf,
        "neg_inf": -math.inf,
        "label": f"step-{step}",
        "big": BIG_BASE + step,
    }


CONFIG = {
    "lr": 0.001,
    "epochs": 10,
    "layers": [64, 32, 16],
    "optimizer": "adam",
    "model": {"name": "mlp", "dropout": 0.25, "widths": [1.5, 2.5]},
}


def file_hashes(path):
    md5 = hashlib.md5()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            md5.update(chunk)
            size += len(chunk)
    return {
        "md5_hex": md5.hexdigest(),
        "md5_b64": base64.b64encode(md5.digest()).decode("ascii"),
        "size": size,
    }


def write_random(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        remaining = size
        while remaining > 0:
            chunk = os.urandom(min(remaining, 1 << 20))
            f.write(chunk)
            remaining -= len(chunk)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def make_dataset_dir(root):
    """A nested directory for the `ds` artifact; random content keeps every test's digests unique."""
    data = os.path.join(root, "data")
    write_text(os.path.join(data, "a.txt"), "alpha\n" + os.urandom(8).hex() + "\n")
    write_random(os.path.join(data, "sub", "b.bin"), 256 * 1024 + 3)
    write_text(
        os.path.join(data, "sub", "deeper", "c.json"),
        json.dumps({"nonce": os.urandom(8).hex(), "values": [1, 2, 3]}) + "\n",
    )
    return data


def artifact_summary(artifact):
    """What the client computed for a logged artifact: manifest digest and per-entry digests."""
    entries = {}
    for path, entry in artifact.manifest.entries.items():
        entries[path] = {"digest": entry.digest, "size": entry.size}
    return {"name": artifact.name, "type": artifact.type, "digest": artifact.digest, "entries": entries}


def emit(result):
    """The last stdout line: one JSON object the test parses."""
    sys.stdout.flush()
    print(json.dumps(result, sort_keys=True), flush=True)
