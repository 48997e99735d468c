"""The sanity demo with the shipped detector: what FVD sees that per-frame FID cannot.

128 real videos per set, single-threaded torch: a few seconds. Every sample is seeded, so the
numbers are the same on every run (no flakiness); the margins are wide on purpose.
"""

from __future__ import annotations

import pytest
import torch

from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.fvd import frame_fid, fvd, real_videos, real_vs_real_floor
from tinyvid.metrics.prompt import eval_prompts, prompt_accuracy, real_videos_for_prompts

N = 128


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def det():
    return default_detector()


@pytest.fixture(scope="module")
def sets():
    return real_videos(N, seed=[42, 0]), real_videos(N, seed=[42, 1])


@pytest.fixture(scope="module")
def floor(det, sets):
    """FVD and per-frame FID between the two real sets: computed once, shared by the tests."""
    return real_vs_real_floor(detector=det, sets=sets)


def shuffle_frames(videos: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """Each video's frames in its own random order: every frame is still a real frame."""
    g = torch.Generator().manual_seed(seed)
    order = torch.stack([torch.randperm(videos.shape[1], generator=g) for _ in videos])  # [B, T]
    return videos[torch.arange(len(videos))[:, None], order]


def test_shuffling_frames_leaves_frame_fid_at_the_floor_and_sends_fvd_far_above(det, sets, floor):
    a, b = sets
    shuffled = shuffle_frames(b)
    # per-frame FID pools all frames, so the order cannot matter: same value, to rounding
    assert frame_fid(a, shuffled, det) == pytest.approx(floor["frame_fid"], rel=1e-6, abs=1e-9)
    # FVD sees motion: clearly above the real-vs-real floor
    assert fvd(a, shuffled, det) > 5 * floor["fvd"]


def test_frozen_videos_raise_fvd_but_barely_move_frame_fid(det, sets, floor):
    a, b = sets
    frozen = b[:, :1].expand_as(b).contiguous()  # the first frame held for 16 frames
    assert fvd(a, frozen, det) > 5 * floor["fvd"]
    assert frame_fid(a, frozen, det) < 3 * floor["frame_fid"] + 1.0


def test_noise_is_far_from_real_in_both_distances(det, sets, floor):
    a, b = sets
    noise = torch.rand(b.shape, generator=torch.Generator().manual_seed(3))
    assert fvd(a, noise, det) > 10 * floor["fvd"]
    assert frame_fid(a, noise, det) > 20 * floor["frame_fid"]


def test_detector_reads_held_out_real_videos_back(det):
    prompts = eval_prompts(64, seed=1)
    videos = real_videos_for_prompts(prompts, seed=[7, 7])
    acc = prompt_accuracy(videos, prompts, det)
    assert acc["digit_accuracy"] >= 0.9
    assert acc["direction_accuracy"] >= 0.9
    assert acc["count_accuracy"] >= 0.9
