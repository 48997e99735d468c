"""Viewing videos: inline animation, grids, flicker maps, mp4/gif files that read back."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest
import torch
from PIL import Image

from tinyvid.data import moving_mnist
from tinyvid.viz import (
    compare,
    flicker_heatmap,
    frame_grid,
    gif_bytes,
    player,
    save_video,
    show_video,
)


@pytest.fixture(scope="module")
def videos():
    return moving_mnist(3, seed=0, num_frames=8)[0]


def test_show_video_is_small_inline_html(videos):
    out = show_video(videos, title="three videos")
    html = out._repr_html_()
    assert html.count("data:image/gif;base64,") == 1 and "three videos" in html
    assert len(html) < 200_000
    assert "3 × 8 frames" in repr(out)


def test_gif_has_every_frame_and_the_tiled_width(videos):
    import io

    img = Image.open(io.BytesIO(gif_bytes(videos, fps=10, scale=2)))
    assert img.n_frames == 8
    assert img.size == (3 * 128 + 2 * 2, 128)


def test_compare_titles_each_video(videos):
    html = compare({"per frame": videos[:1], "video model": videos[1:2]})._repr_html_()
    assert "per frame" in html and "video model" in html and html.count("<img") == 2


def test_frame_grid_layout(videos):
    fig = frame_grid(videos, titles=["a", "b", "c"], every=2)
    assert len(fig.axes) == 3 * 4
    with pytest.raises(ValueError, match="titles"):
        frame_grid(videos, titles=["a"])


def test_flicker_heatmap_shows_each_frame_pair(videos):
    fig = flicker_heatmap(videos[0])
    assert len(fig.axes) == 7 + 1 + 1, "a tile per frame pair, the mean curve, the colour bar"
    tiles = [ax for ax in fig.axes if ax.images]
    assert len(tiles) == 7 and len({ax.images[0].get_clim() for ax in tiles}) == 1, "one colour scale"
    diff = (videos[0, 1:] - videos[0, :-1]).abs().mean(dim=1)
    assert tiles[0].images[0].get_clim()[1] == pytest.approx(float(diff.max()))
    many = flicker_heatmap(videos[0].repeat(3, 1, 1, 1), per_row=8)  # 23 pairs, 15 shown
    assert len([ax for ax in many.axes if ax.images]) == 15
    with pytest.raises(ValueError, match="two frames"):
        flicker_heatmap(videos[0, :1])


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_save_video_round_trip(tmp_path, videos, suffix):
    path = save_video(videos[0], tmp_path / f"clip{suffix}", fps=8, scale=4)
    assert path.exists() and not list(tmp_path.glob("*.tmp*"))
    if suffix == ".mp4":
        reader = imageio_ffmpeg.read_frames(str(path))
        meta = next(reader)
        frames = [np.frombuffer(f, np.uint8).reshape(256, 256, 3) for f in reader]
        assert meta["size"] == (256, 256) and len(frames) == 8
        original = videos[0, 3, 0].repeat_interleave(4, 0).repeat_interleave(4, 1).numpy() * 255
        assert np.abs(frames[3][..., 0].astype(float) - original).mean() < 12
    else:
        assert Image.open(path).n_frames == 8


def test_bad_inputs_are_explained(tmp_path):
    with pytest.raises(ValueError, match="channels"):
        show_video(torch.rand(1, 4, 2, 8, 8))
    with pytest.raises(ValueError, match=r"\[B, T, C, H, W\]"):
        show_video(torch.rand(8, 8))
    with pytest.raises(ValueError, match=".mp4 or .gif"):
        save_video(torch.rand(4, 1, 8, 8), tmp_path / "x.avi")


def test_player_widget_scrubs_frames(videos):
    w = player(videos[0])
    image, controls = w.children
    slider = controls.children[1]
    first = image.value
    slider.value = 5
    assert slider.max == 7 and image.value != first
