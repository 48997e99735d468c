"""Moving MNIST, made on the fly: real MNIST digits gliding and bouncing on a 64×64 canvas.

After Srivastava, Mansimov & Salakhutdinov (2015), "Unsupervised Learning of Video
Representations using LSTMs": each digit (a 28×28 glyph) starts at a random place, moves with
constant velocity and bounces off the canvas edges; overlapping digits combine by maximum.

What we add for a text-to-video course is labels and captions:

- one digit: it moves in one of the eight compass directions of :data:`tinyvid.text.DIRECTIONS`
  at a "normal" (3 px/frame) or "slow" (1.5 px/frame) speed; caption "a 7 moving up-left";
- two digits: each moves in its own random direction; caption "a 3 and a 5 bouncing".

Captions hold: a single digit's start is drawn so that it moves the captioned way for at least
``min_run`` frame steps before its first bounce (by default half the clip: 8 of the 15 steps of
a 16-frame clip, see :func:`default_min_run`). Bounces reverse a component after that, as in the
original dataset. Two bouncing digits start anywhere.

Everything is vectorised and deterministic from ``seed``: the same seed gives the same videos
on every machine (numpy's PCG64 draws every random number; rendering has no randomness).
Videos come back as ``[B, T, 1, 64, 64]`` float32 in ``[0, 1]``.
"""

from __future__ import annotations

import gzip
import math
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from tinyvid.text import DIRECTIONS, SPEEDS, caption

ASSET = Path(__file__).resolve().parent / "assets" / "digits.npz"
GLYPH = 28  # MNIST digits are 28×28
SPEED_PX = {"normal": 3.0, "slow": 1.5}  # pixels per frame along the direction of motion
P_SLOW = 0.25  # share of single-digit videos drawn at the slow speed when none is asked for
RUN_CANVAS_SHARE = 2 / 3  # the default run may use at most this share of the canvas's travel (see default_min_run)


# --------------------------------------------------------------------------------------------
# digit glyphs
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DigitBank:
    """Glyphs to draw from: ``images`` uint8 ``[N, 28, 28]``, ``labels`` int ``[N]``."""

    images: np.ndarray
    labels: np.ndarray

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (GLYPH, GLYPH):
            raise ValueError(f"digit images must be [N, 28, 28], got {self.images.shape}")
        if len(self.labels) != len(self.images):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")
        missing = sorted(set(range(10)) - set(np.unique(self.labels).tolist()))
        if missing:
            raise ValueError(f"the digit bank has no glyph for digit(s) {missing}")

    def by_digit(self) -> list[np.ndarray]:
        """Indices of the glyphs of each digit 0-9."""
        return [np.flatnonzero(self.labels == d) for d in range(10)]


_BANKS: dict[tuple[str, str], DigitBank] = {}


def load_digit_bank(split: str = "train", path: str | Path | None = None) -> DigitBank:
    """The shipped MNIST glyphs (``tinyvid/assets/digits.npz``): 4,000 train, 1,000 test.

    ``split="test"`` gives glyphs no model was trained on (held-out evaluation).
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    path = Path(path) if path is not None else ASSET
    key = (str(path), split)
    if key not in _BANKS:
        if not path.is_file():
            raise FileNotFoundError(
                f"digit glyph file {path} is missing; rebuild it with "
                "`.venv/bin/python scripts/make_digits.py` (needs the dev extra)"
            )
        with np.load(path) as z:
            _BANKS[key] = DigitBank(z[f"{split}_images"], z[f"{split}_labels"].astype(np.int64))
    return _BANKS[key]


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (bad magic number)")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != math.prod(shape):
        raise ValueError(f"{path}: header says {shape} but holds {body.size} values")
    return body.reshape(shape)


def load_mnist_idx(images: str | Path, labels: str | Path) -> DigitBank:
    """A digit bank from the original MNIST IDX files (e.g. ``t10k-images-idx3-ubyte[.gz]``)."""
    x, y = _read_idx(Path(images)), _read_idx(Path(labels))
    return DigitBank(x, y.astype(np.int64))


def load_moving_mnist_npy(path: str | Path, max_videos: int | None = None) -> torch.Tensor:
    """The standard ``mnist_test_seq.npy`` (uint8 ``[T, N, 64, 64]``) as ``[N, T, 1, 64, 64]``."""
    arr = np.load(Path(path), mmap_mode="r", allow_pickle=False)
    if arr.ndim != 4:
        raise ValueError(f"{path}: expected an array [T, N, H, W], got shape {arr.shape}")
    if max_videos is not None:
        arr = arr[:, :max_videos]
    video = torch.from_numpy(np.array(arr)).float() / 255.0  # [T, N, H, W]
    return video.permute(1, 0, 2, 3).unsqueeze(2)  # [N, T, 1, H, W]


# --------------------------------------------------------------------------------------------
# videos
# --------------------------------------------------------------------------------------------
@dataclass
class VideoLabels:
    """What is in each video of a batch (B videos, T frames, up to 2 digits).

    digits:     ``[B, 2]`` int64, -1 where a video has one digit
    directions: ``[B, 2]`` int64 index into ``DIRECTIONS`` of each digit's first motion
    speeds:     ``[B]`` int64 index into ``SPEEDS`` ("normal", "slow")
    num_digits: ``[B]`` int64, 1 or 2
    positions:  ``[B, T, 2, 2]`` float32 top-left corner (x, y) of each digit in each frame
    """

    digits: torch.Tensor
    directions: torch.Tensor
    speeds: torch.Tensor
    num_digits: torch.Tensor
    positions: torch.Tensor

    def __len__(self) -> int:
        return len(self.digits)

    def centers(self) -> torch.Tensor:
        """``[B, T, 2, 2]`` centre (x, y) of each digit's 28×28 box."""
        return self.positions + (GLYPH - 1) / 2

    def captioned_steps(self) -> torch.Tensor:
        """``[B, T-1]`` bool: frame step t → t+1 moves as the caption says (single-digit videos).

        A step moves as captioned when each coordinate of the digit's displacement has the sign
        of the captioned velocity's (zero where the direction has no such component: "right"
        keeps y fixed). Two-digit videos ("bouncing") are all False: their captions name no
        direction.
        """
        angle = self.directions[:, 0].clamp(min=0).double() * (math.pi / 4)  # [B]
        want = torch.stack([torch.cos(angle), -torch.sin(angle)], dim=-1).round(decimals=6).sign()  # [B, xy]
        step = self.positions[:, 1:, 0] - self.positions[:, :-1, 0]  # [B, T-1, xy]
        ok = (step.sign() == want[:, None]).all(dim=-1)  # [B, T-1]
        return ok & (self.num_digits == 1)[:, None]

    def captioned_run(self) -> torch.Tensor:
        """``[B]`` int64: frame steps from the start that move as captioned, i.e. up to the first
        bounce (``T - 1`` if the clip never breaks its caption); -1 for two-digit videos."""
        ok = self.captioned_steps()  # [B, T-1]
        run = torch.where(ok.all(dim=1), ok.shape[1], (~ok).int().argmax(dim=1))  # [B]
        return torch.where(self.num_digits == 1, run, -1)


def _bounce(p: np.ndarray, limit: float) -> np.ndarray:
    """Fold straight-line positions into ``[0, limit]`` as if reflected off both walls."""
    q = np.mod(p, 2 * limit)
    return np.where(q > limit, 2 * limit - q, q)


def default_min_run(num_frames: int, size: int = 64) -> int:
    """Frame steps a single digit moves as captioned before its first bounce, by default.

    Half the clip's ``num_frames - 1`` steps (rounded up), so the caption describes most of
    what a viewer sees; but never more than ``RUN_CANVAS_SHARE`` (two thirds) of the canvas's
    travel at normal speed, so the start still varies over the last third: a 64 px canvas
    leaves 36 px of travel, 24 px of it is 8 steps at 3 px/frame. For the default 16 frames
    both limits give 8 (of 15 steps); a 32-frame clip also gets 8, a 6-frame clip 3.
    """
    half = num_frames // 2  # ceil((num_frames - 1) / 2)
    fits = math.floor(RUN_CANVAS_SHARE * (size - GLYPH) / SPEED_PX["normal"] + 1e-9)
    return max(0, min(half, fits))


def start_bounds(velocity: np.ndarray, min_run: np.ndarray | int, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """Where a digit may start so it moves ``min_run`` steps at ``velocity`` before a bounce.

    ``velocity`` is ``[..., xy]`` in px/frame and ``min_run`` broadcasts against ``[...]``.
    A coordinate moving at ``v > 0`` must start at most ``limit - v * min_run`` (it then reaches
    the far wall exactly at step ``min_run`` and turns back on the next one); at ``v < 0``
    at least ``|v| * min_run``; a still coordinate anywhere in ``[0, limit]``.
    Returns ``(low, high)``, each shaped like ``velocity``.
    """
    v = np.where(np.abs(velocity) < 1e-9, 0.0, velocity)  # cos(90°) is 6e-17, not 0
    travel = np.abs(v) * np.asarray(min_run, dtype=np.float64)[..., None]  # [..., xy]
    low = np.where(v < 0, travel, 0.0)
    high = np.where(v > 0, limit - travel, limit)
    return low, high


def trajectories(start: np.ndarray, velocity: np.ndarray, num_frames: int, limit: float) -> np.ndarray:
    """Integer positions ``[B, T, ...]`` of digits that start at ``start`` ``[B, ...]`` and move at
    ``velocity`` (same shape) for ``num_frames`` frames, bouncing off the walls at 0 and ``limit``.

    Straight lines folded into the canvas, rounded once at the end (as the original dataset)."""
    steps = np.arange(num_frames, dtype=np.float64).reshape(1, -1, *([1] * (start.ndim - 1)))  # [1, T, 1, ...]
    pos = _bounce(start[:, None] + steps * velocity[:, None], limit)  # [B, T, ...]
    return np.rint(pos).astype(np.int64)


def _as_index(values, allowed: Sequence[str], name: str, n: int) -> np.ndarray:
    """Accept names or indices (one for all videos, or one per video)."""
    vals = [values] * n if isinstance(values, (str, int, np.integer)) else list(values)
    if len(vals) != n:
        raise ValueError(f"{name}: got {len(vals)} values for {n} videos")
    out = []
    for v in vals:
        if isinstance(v, str):
            if v not in allowed:
                raise ValueError(f"unknown {name} {v!r}; allowed: {', '.join(allowed)}")
            out.append(allowed.index(v))
        elif isinstance(v, (int, np.integer)) and 0 <= int(v) < len(allowed):
            out.append(int(v))
        else:
            raise ValueError(f"{name} must be one of {allowed} or an index < {len(allowed)}, got {v!r}")
    return np.asarray(out, dtype=np.int64)


def _checked_counts(n, num_frames, num_digits, size, min_run) -> tuple[tuple[int, ...], int]:
    """Check :func:`moving_mnist`'s counts; return the digit-count choices and the min run."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n (number of videos) must be a positive int, got {n!r}")
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 1:
        raise ValueError(f"num_frames must be an int ≥ 1, got {num_frames!r}")
    if not isinstance(size, (int, np.integer)) or size < GLYPH:
        raise ValueError(f"size must be an int ≥ {GLYPH} (a digit is {GLYPH} px), got {size!r}")
    choices = (num_digits,) if isinstance(num_digits, (int, np.integer)) else tuple(num_digits)
    if not choices or any(k not in (1, 2) for k in choices):
        raise ValueError(f"num_digits must be 1, 2 or (1, 2), got {num_digits!r}")
    run = default_min_run(int(num_frames), size) if min_run is None else min_run
    if isinstance(run, bool) or not isinstance(run, (int, np.integer)) or run < 0:
        raise ValueError(f"min_run must be an int ≥ 0 (frame steps before the first bounce), got {min_run!r}")
    return choices, run


def moving_mnist(
    n: int,
    *,
    seed: int | Sequence[int] = 0,
    num_frames: int = 16,
    num_digits: int | tuple[int, int] = 1,
    digits: Sequence[int] | Sequence[Sequence[int]] | int | None = None,
    directions: Sequence[str | int] | str | int | None = None,
    speeds: Sequence[str | int] | str | int | None = None,
    split: str = "train",
    bank: DigitBank | None = None,
    size: int = 64,
    min_run: int | None = None,
    device: str | torch.device = "cpu",
) -> tuple[torch.Tensor, VideoLabels, list[str]]:
    """Make ``n`` Moving MNIST videos, their labels and their captions.

    Args:
        n: number of videos.
        seed: an int (or a sequence of ints, e.g. ``[seed, batch_index]``); same seed, same videos.
        num_frames: T, at least 1.
        num_digits: 1, 2, or ``(1, 2)`` for an even mix.
        digits: force the digit(s): one int for all videos, or one per video (an int, or a
            pair for two-digit videos). Default: random.
        directions: force the direction of single-digit videos (name or index), for all or per
            video. Default: random.
        speeds: "normal" or "slow" (single-digit videos). Default: random, 25 % slow.
        split: which glyphs, "train" or "test" (held out).
        bank: glyphs to draw from instead of the shipped ones (see :func:`load_mnist_idx`).
        size: canvas side in pixels (≥ 28).
        min_run: frame steps a single digit moves as captioned before its first bounce (its
            start is drawn so); default :func:`default_min_run` (half the clip, 8 of 15 steps
            at 16 frames). 0 draws the start uniformly over the canvas (the original dataset).
            It must fit the canvas: ``min_run * 3 px <= size - 28`` at normal speed.
        device: where the frames are drawn and returned (e.g. ``"cuda"``, so a fast GPU is not
            kept waiting by CPU data workers); the draws stay on the CPU, so every device gives
            the same videos. Labels stay on the CPU.

    Returns:
        videos ``[n, T, 1, size, size]`` float32 in ``[0, 1]``, :class:`VideoLabels`, captions.

    >>> v, labels, captions = moving_mnist(2, seed=0, digits=7, directions="up-left")
    >>> tuple(v.shape), captions[0]
    ((2, 16, 1, 64, 64), 'a 7 moving up-left')
    """
    # 1. check inputs
    choices, run = _checked_counts(n, num_frames, num_digits, size, min_run)
    bank = bank if bank is not None else load_digit_bank(split)
    rng = np.random.default_rng(seed)
    T, limit = int(num_frames), float(size - GLYPH)

    # 2. how many digits, which ones, which glyphs
    count = rng.choice(np.asarray(choices), size=n)  # [n]
    label = rng.integers(0, 10, size=(n, 2))  # [n, 2]
    if digits is not None:
        forced = [digits] * n if isinstance(digits, (int, np.integer)) else list(digits)
        if len(forced) != n:
            raise ValueError(f"digits: got {len(forced)} entries for {n} videos")
        for i, d in enumerate(forced):
            ds = [int(d)] if isinstance(d, (int, np.integer)) else [int(x) for x in d]
            if not 1 <= len(ds) <= 2 or any(not 0 <= x <= 9 for x in ds):
                raise ValueError(f"digits[{i}] must be one or two digits in 0-9, got {d!r}")
            label[i, : len(ds)] = ds
            if not isinstance(num_digits, (int, np.integer)) or len(ds) > 1:
                count[i] = len(ds)
    per_digit = bank.by_digit()
    pick = rng.random((n, 2))  # uniform glyph choice within each digit's glyphs
    glyph_idx = np.empty((n, 2), dtype=np.int64)
    for d in range(10):
        sel = label == d
        glyph_idx[sel] = per_digit[d][(pick[sel] * len(per_digit[d])).astype(np.int64)]

    # 3. motion: direction, speed, start; straight lines folded into the canvas (bounces)
    where = rng.random((n, 2, 2))  # [n, digit, xy] where in its allowed range each digit starts
    heading = rng.integers(0, len(DIRECTIONS), size=(n, 2))  # [n, 2]
    speed = (rng.random(n) < P_SLOW).astype(np.int64)  # [n] 0 normal, 1 slow
    if directions is not None:
        heading[:, 0] = _as_index(directions, DIRECTIONS, "direction", n)
    if speeds is not None:
        speed = _as_index(speeds, SPEEDS, "speed", n)
    fastest = max(SPEED_PX[SPEEDS[s]] for s in (np.unique(speed) if speeds is not None else (0,)))
    if 1 in choices and run * fastest > limit:
        raise ValueError(
            f"min_run={run} steps at {fastest:g} px/frame needs {run * fastest:g} px of travel, but a "
            f"{size} px canvas leaves {limit:g} px (size - {GLYPH}); allowed: min_run ≤ {int(limit // fastest)}"
        )
    speed[count == 2] = 0  # two bouncing digits always move at normal speed
    px = np.array([SPEED_PX[s] for s in SPEEDS])[speed]  # [n]
    angle = heading * (math.pi / 4)  # [n, 2]
    velocity = np.stack([np.cos(angle), -np.sin(angle)], axis=-1) * px[:, None, None]  # [n, 2, xy]; "up" is -y
    runs = np.zeros((n, 2), dtype=np.int64)  # [n, digit]
    runs[count == 1, 0] = run  # only a single digit's caption names a motion
    low, high = start_bounds(velocity, runs, limit)  # [n, 2, xy] each
    start = low + where * (high - low)  # [n, 2, xy]; two digits: uniform over [0, limit]
    pos = trajectories(start, velocity, T, limit)  # [n, T, 2, xy]

    # 4. render: paste each glyph at its place; overlapping digits combine by maximum
    #    (which frames hold digit k is known here, so the device gets integer indices: no sync)
    canvas = torch.zeros(n * T, size, size, dtype=torch.uint8, device=device)  # [n*T, H, W]
    offs = torch.arange(GLYPH, device=device)
    pos_t = torch.from_numpy(pos)
    for k in range(2):
        frames = np.flatnonzero(np.repeat(count > k, T))  # [m] frames (video-major) holding digit k
        if not len(frames):
            continue
        f = torch.from_numpy(frames).to(device)  # [m]
        g = torch.from_numpy(bank.images[glyph_idx[frames // T, k]]).to(device)  # [m, 28, 28]
        xy = pos_t[:, :, k].reshape(-1, 2)[frames].to(device)  # [m, xy]
        rows = (xy[:, 1, None] + offs)[:, :, None]  # [m, 28, 1]
        cols = (xy[:, 0, None] + offs)[:, None, :]  # [m, 1, 28]
        f = f[:, None, None]  # [m, 1, 1]
        canvas[f, rows, cols] = g if k == 0 else torch.maximum(canvas[f, rows, cols], g)
    videos = (canvas.float() / 255.0).reshape(n, T, 1, size, size)  # [n, T, 1, H, W]

    # 5. labels and captions
    two = count == 2
    label[~two, 1] = -1
    heading[~two, 1] = -1
    labels = VideoLabels(
        digits=torch.from_numpy(label),
        directions=torch.from_numpy(heading),
        speeds=torch.from_numpy(speed),
        num_digits=torch.from_numpy(count.astype(np.int64)),
        positions=pos_t.float(),
    )
    captions = [
        caption(label[i, :2].tolist(), None, "normal")
        if two[i]
        else caption([int(label[i, 0])], DIRECTIONS[heading[i, 0]], SPEEDS[speed[i]])
        for i in range(n)
    ]
    return videos, labels, captions


class MovingMNIST(IterableDataset):
    """An endless stream of Moving MNIST batches for training (``DataLoader(ds, batch_size=None)``).

    Batch ``k`` is ``moving_mnist(batch_size, seed=[seed, k], ...)``: it depends on nothing
    but ``seed`` and ``k``, so a run resumed at ``start_batch=k`` sees exactly the batches the
    interrupted run would have seen, whatever the number of loader workers. With several
    processes (DDP) each ``rank`` takes every ``world_size``-th batch.
    """

    def __init__(
        self,
        batch_size: int,
        *,
        seed: int = 0,
        start_batch: int = 0,
        rank: int = 0,
        world_size: int = 1,
        **video_kwargs,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1, got {batch_size}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank must be in [0, world_size={world_size}), got {rank}")
        self.batch_size, self.seed, self.start_batch = batch_size, seed, start_batch
        self.rank, self.world_size, self.video_kwargs = rank, world_size, video_kwargs

    def batch(self, k: int) -> tuple[torch.Tensor, VideoLabels, list[str]]:
        """The ``k``-th batch of the stream (global index, before sharding over ranks)."""
        return moving_mnist(self.batch_size, seed=[self.seed, k], **self.video_kwargs)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, VideoLabels, list[str]]]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        # local batch j of this rank is global batch start + rank + world_size * j;
        # loader workers take every `workers`-th local batch and the DataLoader interleaves them back.
        j = worker
        while True:
            yield self.batch(self.start_batch + self.rank + self.world_size * j)
            j += workers
