"""The evaluation path end to end with fake generators: real videos score near the floor,
noise scores badly; the CLI writes the table and the JSON, and says when no pipeline exists."""

from __future__ import annotations

import json
import sys

import pytest
import torch

from tinyvid.metrics.detector import default_detector
from tinyvid.metrics.evaluate import (
    evaluate_image_to_video,
    evaluate_interpolation,
    evaluate_text_to_video,
    main,
    markdown_table,
)
from tinyvid.metrics.prompt import eval_prompts, real_videos_for_prompts

PROMPTS = eval_prompts(24, seed=3)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def det():
    return default_detector()


def real_generator(prompts, seeds):
    return real_videos_for_prompts(prompts, seed=[123, seeds[0]])


def noise_generator(prompts, seeds):
    return torch.rand(
        len(prompts), 16, 1, 64, 64, generator=torch.Generator().manual_seed(seeds[0])
    )


def by_metric(rows):
    return {r.metric: r for r in rows}


def test_a_generator_that_returns_real_videos_scores_like_real(det):
    rows = by_metric(evaluate_text_to_video(real_generator, PROMPTS, det))
    assert rows["digit_accuracy"].value >= 0.9
    assert rows["direction_accuracy"].value >= 0.85
    assert rows["fvd"].value < 3 * rows["fvd"].floor
    assert rows["flicker"].value == pytest.approx(rows["flicker"].floor, rel=0.3)
    assert rows["teleportation_rate"].value == 0.0


def test_a_generator_that_returns_noise_scores_badly(det):
    rows = by_metric(evaluate_text_to_video(noise_generator, PROMPTS, det))
    assert rows["digit_accuracy"].value < 0.5
    assert rows["fvd"].value > 10 * rows["fvd"].floor
    assert rows["frame_fid"].value > 10 * rows["frame_fid"].floor
    assert rows["flicker"].value > 5 * rows["flicker"].floor
    table = markdown_table(list(rows.values()))
    assert table.startswith("| mode | metric | value | real floor | samples | seconds |")


def test_every_mode_reports_shape_change_and_the_no_digit_rate(det):
    def blank(prompts, seeds):
        return torch.zeros(len(prompts), 16, 1, 64, 64)

    def frozen_i2v(images, prompts, seeds):
        return images[:, None].expand(-1, 16, -1, -1, -1).contiguous()  # [B, 16, 1, 64, 64]

    def swap_interp(first, last, prompts, seeds):  # the first frame, then another clip's: two glyphs
        other = first.roll(1, dims=0)  # [B, 1, 64, 64]
        return torch.cat([first[:, None].expand(-1, 8, -1, -1, -1), other[:, None].expand(-1, 8, -1, -1, -1)], 1)

    real = by_metric(evaluate_text_to_video(real_generator, PROMPTS, det))
    assert real["shape_change"].value == 0.0 and real["shape_change"].floor == 0.0
    assert real["shape_change"].n == sum(" and " not in p for p in PROMPTS) < len(PROMPTS)
    assert real["no_digit_rate"].value == 0.0 and real["no_digit_rate"].n == len(PROMPTS)
    empty = by_metric(evaluate_text_to_video(blank, PROMPTS, det))
    assert empty["no_digit_rate"].value == 1.0 and empty["no_digit_rate"].floor == 0.0
    i2v = by_metric(evaluate_image_to_video(frozen_i2v, PROMPTS[:8], det))
    assert i2v["shape_change"].value == 0.0 and i2v["no_digit_rate"].value == 0.0
    interp = by_metric(evaluate_interpolation(swap_interp, PROMPTS[:8], det))
    assert interp["shape_change"].value > 0.02, "a clip whose glyph is swapped half-way changes shape"


def test_the_shape_floor_is_real_clips_through_the_given_autoencoder(det):
    from tinyvid.metrics.evaluate import autoencoded
    from tinyvid.metrics.shape import shape_change
    from tinyvid.pipelines import random_pipeline

    ae = random_pipeline("tiny", seed=0).autoencoder  # untrained: a blurry round trip
    rows = by_metric(evaluate_text_to_video(real_generator, PROMPTS[:8], det, autoencoder=ae))
    single = [" and " not in p for p in PROMPTS[:8]]
    second = real_videos_for_prompts(PROMPTS[:8], seed=20_000)[torch.tensor(single)]
    assert rows["shape_change"].floor == pytest.approx(float(shape_change(autoencoded(second, ae)).mean()))
    assert rows["shape_change"].floor > 0 and rows["shape_change"].value == 0.0


def test_image_to_video_and_interpolation_score_the_given_frames(det):
    def frozen_i2v(images, prompts, seeds):
        return images[:, None].expand(-1, 16, -1, -1, -1).contiguous()  # [B, 16, 1, 64, 64]

    def crossfade(first, last, prompts, seeds):
        w = torch.linspace(0, 1, 16)[None, :, None, None, None]  # [1, 16, 1, 1, 1]
        return (1 - w) * first[:, None] + w * last[:, None]  # [B, 16, 1, 64, 64]

    i2v = by_metric(evaluate_image_to_video(frozen_i2v, PROMPTS[:8], det))
    assert i2v["first_frame_psnr"].value == 100.0
    assert i2v["first_frame_ssim"].value == pytest.approx(1.0)
    assert i2v["flicker"].value == 0.0
    assert i2v["identity_kept"].value == 1.0, "a frozen first frame keeps its digit"
    assert i2v["identity_kept"].floor >= 0.75, "real videos mostly keep theirs too"
    interp = by_metric(evaluate_interpolation(crossfade, PROMPTS[:8], det))
    assert interp["end_frames_psnr"].value == 100.0
    assert interp["middle_frames_psnr"].value < 30


def test_identity_kept_notices_a_digit_that_changes(det):
    from tinyvid.data import moving_mnist
    from tinyvid.metrics.evaluate import identity_kept

    threes = moving_mnist(8, seed=1, digits=3, num_frames=16)[0]
    sevens = moving_mnist(8, seed=2, digits=7, num_frames=16)[0]
    swapped = torch.cat([threes[:, :8], sevens[:, 8:]], dim=1)  # the digit changes half-way
    assert identity_kept(threes, threes[:, 0], det) >= 0.75
    assert identity_kept(swapped, threes[:, 0], det) <= 0.25


def test_cli_real_vs_real_prints_the_floor_and_writes_json(tmp_path, capsys):
    out = tmp_path / "floor.json"
    assert main(["--real-vs-real", "--num-prompts", "24", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| real | fvd |" in printed and "not comparable" in printed
    figures = json.loads(out.read_text())
    for key in ("digit_accuracy", "direction_accuracy", "fvd", "frame_fid", "flicker",
                "shape_change", "no_digit_rate"):
        assert key in figures
    assert figures["digit_accuracy"] >= 0.9
    assert figures["shape_change"] == 0.0 and figures["no_digit_rate"] == 0.0
    assert 0 < figures["shape_change_autoencoder"] < 0.15


def test_cli_says_clearly_when_no_pipeline_is_available(monkeypatch):
    monkeypatch.setitem(sys.modules, "tinyvid.pipelines", None)  # import fails
    with pytest.raises(SystemExit, match="load_pipeline is not available"):
        main(["--quick"])


def test_cli_rejects_unknown_modes():
    with pytest.raises(SystemExit, match="unknown mode"):
        main(["--modes", "t2v,video2music"])


def test_pipeline_generators_drive_a_real_pipeline_object(det):
    from tinyvid.metrics.evaluate import pipeline_generators
    from tinyvid.pipelines import random_pipeline

    pipe = random_pipeline("tiny", seed=0)
    t2v, i2v, interp = pipeline_generators(pipe, steps=2, guidance=1.0)
    prompts = PROMPTS[:3]
    rows = by_metric(evaluate_text_to_video(t2v, prompts, det))
    assert rows["fvd"].n == 3 and rows["fvd"].value >= 0
    first = real_videos_for_prompts(prompts, seed=1)[:, 0]  # [3, 1, 64, 64]
    assert i2v(first, prompts, [0, 1, 2]).shape == (3, 16, 1, 64, 64)
    assert interp(first, first, prompts, [0, 1, 2]).shape == (3, 16, 1, 64, 64)
