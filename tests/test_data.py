"""Moving MNIST: shapes, determinism, physics (constant velocity, bounces), labels, loaders."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from tinyvid import data
from tinyvid.data import (
    SPEED_PX,
    MovingMNIST,
    VideoLabels,
    default_min_run,
    load_digit_bank,
    load_mnist_idx,
    load_moving_mnist_npy,
    moving_mnist,
)
from tinyvid.text import DIRECTIONS, SPEEDS, parse


def test_shape_dtype_and_range():
    v, labels, captions = moving_mnist(8, seed=0)
    assert v.shape == (8, 16, 1, 64, 64) and v.dtype == torch.float32
    assert 0.0 <= v.min() and v.max() <= 1.0 and v.max() > 0.9
    assert len(labels) == 8 and len(captions) == 8


def test_same_seed_same_videos_and_different_seed_different_videos():
    a, la, ca = moving_mnist(6, seed=3, num_digits=(1, 2))
    b, lb, cb = moving_mnist(6, seed=3, num_digits=(1, 2))
    c, _, _ = moving_mnist(6, seed=4, num_digits=(1, 2))
    assert torch.equal(a, b) and torch.equal(la.positions, lb.positions) and ca == cb
    assert not torch.equal(a, c)


def test_captions_read_back_as_the_labels():
    _, labels, captions = moving_mnist(64, seed=1, num_digits=(1, 2))
    for i, text in enumerate(captions):
        p = parse(text)
        k = int(labels.num_digits[i])
        assert list(p.digits) == labels.digits[i, :k].tolist()
        if k == 1:
            assert p.direction == DIRECTIONS[int(labels.directions[i, 0])]


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_first_step_moves_in_the_asked_direction(direction):
    _, labels, _ = moving_mnist(32, seed=2, directions=direction, speeds="normal")
    step = labels.positions[:, 1, 0] - labels.positions[:, 0, 0]  # [B, xy]
    k = DIRECTIONS.index(direction)
    expected = torch.tensor([np.cos(k * np.pi / 4), -np.sin(k * np.pi / 4)])
    agree = (torch.sign(step.round()) == torch.sign(expected.round())).all(dim=1)
    assert agree.all(), "starts are drawn so no digit bounces in its first step"


@pytest.mark.parametrize("speed", SPEEDS)
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("frames", [16, 9, 32])
def test_captioned_motion_lasts_min_run_steps_and_the_bound_is_tight(direction, speed, frames):
    _, labels, _ = moving_mnist(160, seed=11, directions=direction, speeds=speed, num_frames=frames)
    run = labels.captioned_run()  # [B]
    k = default_min_run(frames)
    assert k == {16: 8, 9: 4, 32: 8}[frames]
    assert run.min() == k, "no clip breaks its caption early, and some start right at the limit"
    steps = labels.positions[:, 1:, 0] - labels.positions[:, :-1, 0]  # [B, T-1, xy]
    assert steps.abs().max() <= SPEED_PX[speed] + 1, "rounding never makes a jump"


def _labels_for(positions: np.ndarray, direction: int) -> VideoLabels:
    b = len(positions)
    return VideoLabels(
        digits=torch.tensor([[3, -1]] * b), directions=torch.tensor([[direction, -1]] * b),
        speeds=torch.zeros(b, dtype=torch.long), num_digits=torch.ones(b, dtype=torch.long),
        positions=torch.from_numpy(np.stack([positions, np.zeros_like(positions)], axis=2)).float(),
    )


@pytest.mark.parametrize("px", [3.0, 1.5])
@pytest.mark.parametrize("direction", range(8))
@pytest.mark.parametrize("min_run", [1, 5, 8])
def test_a_start_exactly_at_the_limit_moves_min_run_steps_then_bounces(direction, px, min_run):
    limit, frames = 36.0, 16
    velocity = px * np.array([np.cos(direction * np.pi / 4), -np.sin(direction * np.pi / 4)])  # [xy]
    low, high = data.start_bounds(velocity[None], min_run, limit)  # [1, xy] each
    corners = np.array([[a, b] for a in (0.0, 1.0) for b in (0.0, 1.0)])  # [4, xy] where in the range
    start = low + corners * (high - low)  # [4, xy]
    assert (start >= 0).all() and (start <= limit).all()
    run = _labels_for(data.trajectories(start, np.repeat(velocity[None], 4, 0), frames, limit), direction).captioned_run()
    assert (run >= min_run).all()
    # the corner that lies on every moving coordinate's far limit turns back right after min_run steps
    far = (velocity > 1e-9).astype(float)  # start at high where moving +, at low where moving -
    tight = int(np.flatnonzero((corners == far).all(axis=1))[0])
    assert run[tight] == min_run
    # one step further than the limit allows and the caption breaks early
    beyond = start[tight] + np.sign(np.where(np.abs(velocity) < 1e-9, 0, velocity)) * px
    early = _labels_for(data.trajectories(beyond[None], velocity[None], frames, limit), direction).captioned_run()
    assert early[0] < min_run


def test_min_run_zero_draws_the_start_anywhere_and_two_digit_clips_are_unchanged():
    _, uniform, _ = moving_mnist(400, seed=3, num_digits=1, min_run=0, num_frames=4)
    assert (uniform.captioned_run() < 3).float().mean() > 0.1, "uniform starts often bounce at once"
    mixed, lab, cap = moving_mnist(64, seed=4, num_digits=(1, 2))
    mixed0, lab0, cap0 = moving_mnist(64, seed=4, num_digits=(1, 2), min_run=0)
    two = lab.num_digits == 2
    assert 0 < two.sum() < 64 and cap == cap0
    assert torch.equal(mixed[two], mixed0[two]) and not torch.equal(mixed[~two], mixed0[~two])
    assert (lab.captioned_run()[two] == -1).all() and (lab.captioned_run()[~two] >= 8).all()


def test_a_longer_run_or_a_smaller_canvas_is_honoured():
    _, slow, _ = moving_mnist(200, seed=5, speeds="slow", min_run=24, num_frames=30)
    assert slow.captioned_run().min() == 24, "1.5 px × 24 steps spans the whole 36 px of travel"
    _, small, _ = moving_mnist(200, seed=5, size=40, num_frames=16)
    assert default_min_run(16, size=40) == 2 and small.captioned_run().min() == 2
    assert default_min_run(1) == 0 and default_min_run(6) == 3


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(min_run=13), r"min_run=13 steps at 3 px/frame needs 39 px .* allowed: min_run ≤ 12"),
        (dict(min_run=25, speeds="slow"), r"allowed: min_run ≤ 24"),
        (dict(min_run=3, size=32), r"4 px .* allowed: min_run ≤ 1"),
        (dict(min_run=-1), "min_run must be an int ≥ 0"),
        (dict(min_run=2.5), "min_run must be an int ≥ 0"),
    ],
)
def test_a_run_that_cannot_fit_the_canvas_is_a_clear_error(kwargs, words):
    with pytest.raises(ValueError, match=words):
        moving_mnist(4, seed=0, **kwargs)
    if "speeds" in kwargs:  # the same run fits at normal speed's half: slow clips may run longer
        moving_mnist(4, seed=0, min_run=24, speeds="slow")


def test_digits_stay_inside_and_bounce_back():
    _, labels, _ = moving_mnist(64, seed=5, num_frames=40, speeds="normal")
    pos = labels.positions[:, :, 0]  # [B, T, xy]
    assert pos.min() >= 0 and pos.max() <= 64 - 28
    vel = pos[:, 1:] - pos[:, :-1]  # [B, T-1, xy]
    flips = (torch.sign(vel[:, 1:]) * torch.sign(vel[:, :-1]) < 0).any(dim=(1, 2))
    assert flips.float().mean() > 0.5, "over 40 frames at 3 px/frame most digits hit a wall"
    assert vel.abs().max() <= 3.5, "integer rounding must not create jumps"


def test_slow_moves_half_as_far_as_normal():
    _, slow, _ = moving_mnist(64, seed=6, speeds="slow", directions="right", num_frames=4)
    _, fast, _ = moving_mnist(64, seed=6, speeds="normal", directions="right", num_frames=4)
    d_slow = (slow.positions[:, 1:, 0] - slow.positions[:, :-1, 0]).abs().sum(-1).mean()
    d_fast = (fast.positions[:, 1:, 0] - fast.positions[:, :-1, 0]).abs().sum(-1).mean()
    assert 1.6 < d_fast / d_slow < 2.4


def test_forced_digits_and_two_digit_videos():
    v, labels, captions = moving_mnist(4, seed=0, digits=[(3, 5), 7, (1, 1), 0])
    assert labels.num_digits.tolist() == [2, 1, 2, 1]
    assert captions[0] == "a 3 and a 5 bouncing" and captions[1].startswith("a 7 moving")
    assert labels.digits[1].tolist() == [7, -1]


def test_pixels_are_where_the_labels_say():
    v, labels, _ = moving_mnist(8, seed=7)
    for b in range(8):
        for t in (0, 15):
            x, y = labels.positions[b, t, 0].long().tolist()
            inside = v[b, t, 0, y : y + 28, x : x + 28].sum()
            assert torch.isclose(inside, v[b, t, 0].sum()), "all ink is inside the digit's box"


def test_test_split_uses_other_glyphs():
    train, test = load_digit_bank("train"), load_digit_bank("test")
    assert len(train.images) == 4000 and len(test.images) == 1000
    flat_train = {img.tobytes() for img in train.images}
    assert not any(img.tobytes() in flat_train for img in test.images)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(n=0), "positive"),
        (dict(n=2, num_frames=0), "num_frames"),
        (dict(n=2, num_digits=3), "num_digits"),
        (dict(n=2, directions="sideways"), "sideways"),
        (dict(n=2, digits=[1]), "2 videos"),
        (dict(n=1, digits=12), "0-9"),
        (dict(n=1, speeds="fast"), "fast"),
        (dict(n=1, size=20), "size"),
        (dict(n=1, split="val"), "split"),
    ],
)
def test_bad_arguments_say_what_is_wrong(kwargs, words):
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=words):
        moving_mnist(n, **kwargs)


def test_frames_are_drawn_on_the_asked_device_and_labels_stay_on_the_cpu():
    v, labels, captions = moving_mnist(3, seed=0, num_digits=(1, 2), device="meta")  # shapes only
    assert v.device.type == "meta" and v.shape == (3, 16, 1, 64, 64) and v.dtype == torch.float32
    cpu, cpu_labels, cpu_captions = moving_mnist(3, seed=0, num_digits=(1, 2), device="cpu")
    assert labels.positions.device.type == "cpu" and torch.equal(labels.positions, cpu_labels.positions)
    assert captions == cpu_captions and torch.equal(cpu, moving_mnist(3, seed=0, num_digits=(1, 2))[0])


def test_single_frame_video():
    v, labels, _ = moving_mnist(3, seed=0, num_frames=1)
    assert v.shape == (3, 1, 1, 64, 64) and labels.positions.shape == (3, 1, 2, 2)


def test_missing_asset_names_the_file_and_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_digits.py"):
        load_digit_bank("train", path=tmp_path / "nope.npz")


def test_stream_is_resumable_and_independent_of_workers():
    ds = MovingMNIST(2, seed=9)
    it = iter(ds)
    first = [next(it)[0] for _ in range(4)]
    resumed = next(iter(MovingMNIST(2, seed=9, start_batch=2)))[0]
    assert torch.equal(first[2], resumed)
    loader = torch.utils.data.DataLoader(MovingMNIST(2, seed=9), batch_size=None, num_workers=2)
    with_workers = [b[0] for _, b in zip(range(4), loader)]
    assert all(torch.equal(a, b) for a, b in zip(first, with_workers))


def test_ranks_split_the_stream():
    r0 = next(iter(MovingMNIST(2, seed=1, rank=0, world_size=2)))[0]
    r1 = next(iter(MovingMNIST(2, seed=1, rank=1, world_size=2)))[0]
    single = iter(MovingMNIST(2, seed=1))
    assert torch.equal(r0, next(single)[0]) and torch.equal(r1, next(single)[0])


def _write_idx(path, arr: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + arr.astype(np.uint8).tobytes())


def test_mnist_idx_loader_reads_files_and_feeds_the_generator(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 28, 28)).astype(np.uint8)
    labels = np.arange(20) % 10
    _write_idx(tmp_path / "img.gz", images)
    _write_idx(tmp_path / "lab.gz", labels)
    bank = load_mnist_idx(tmp_path / "img.gz", tmp_path / "lab.gz")
    assert np.array_equal(bank.images, images) and bank.labels.tolist() == labels.tolist()
    v, _, _ = moving_mnist(2, seed=0, bank=bank)
    assert v.shape == (2, 16, 1, 64, 64)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="IDX"):
        load_mnist_idx(tmp_path / "bad", tmp_path / "lab.gz")


def test_moving_mnist_npy_loader(tmp_path):
    arr = np.random.default_rng(0).integers(0, 256, (20, 3, 64, 64)).astype(np.uint8)
    np.save(tmp_path / "mnist_test_seq.npy", arr)
    v = load_moving_mnist_npy(tmp_path / "mnist_test_seq.npy")
    assert v.shape == (3, 20, 1, 64, 64)
    assert torch.allclose(v[1, 4, 0], torch.from_numpy(arr[4, 1]).float() / 255)
    np.save(tmp_path / "flat.npy", arr[0])
    with pytest.raises(ValueError, match=r"\[T, N, H, W\]"):
        load_moving_mnist_npy(tmp_path / "flat.npy")


def test_glyph_constants_match_the_asset():
    assert data.GLYPH == load_digit_bank().images.shape[1]
