"""``python -m tinyvid sample`` writes a playable video (tiny untrained model)."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest

from tinyvid.__main__ import main


def count_mp4_frames(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    return sum(1 for _ in reader), meta["size"]


def test_sample_t2v_writes_an_mp4_with_the_right_frame_count(tmp_path, capsys):
    out = tmp_path / "out.mp4"
    argv = [
        "sample",
        "a 7 moving up-left",
        "--mode",
        "t2v",
        "--seed",
        "0",
        "-o",
        str(out),
        "--random-weights",
        "tiny",
        "--steps",
        "1",
        "--frames",
        "6",
    ]
    assert main(argv) == 0
    frames, size = count_mp4_frames(out)
    assert frames == 6 and size[0] >= 64
    assert "wrote" in capsys.readouterr().out


def test_sample_interpolate_and_extend_read_images_and_videos(tmp_path):
    first, last = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(first, np.zeros((64, 64), np.float32))
    np.save(last, np.ones((64, 64), np.float32))
    mid = tmp_path / "mid.mp4"
    common = ["--random-weights", "tiny", "--steps", "1", "--seed", "1"]
    assert (
        main(
            [
                "sample",
                "--mode",
                "interpolate",
                "--first",
                str(first),
                "--last",
                str(last),
                "--frames",
                "5",
                "-o",
                str(mid),
                *common,
            ]
        )
        == 0
    )
    assert count_mp4_frames(mid)[0] == 5
    longer = tmp_path / "longer.mp4"
    assert (
        main(
            [
                "sample",
                "--mode",
                "extend",
                "--video",
                str(mid),
                "--new-frames",
                "3",
                "--context",
                "2",
                "-o",
                str(longer),
                *common,
            ]
        )
        == 0
    )
    assert count_mp4_frames(longer)[0] == 8


def test_sample_errors_are_plain(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(
            [
                "sample",
                "a 7 moving sideways",
                "--random-weights",
                "tiny",
                "-o",
                str(tmp_path / "x.mp4"),
            ]
        )
    assert "unknown word 'sideways'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", "--mode", "i2v", "--random-weights", "tiny"])
    assert "--mode i2v needs --image" in capsys.readouterr().err
    assert main(["sample", "a 7 moving up", "--weights-dir", str(tmp_path)]) == 2
    assert "bash scripts/train_all.sh" in capsys.readouterr().out
