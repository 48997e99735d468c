"""End to end through `gradio_client`: every mode, live updates, and bad input in plain words."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

FIXED = dict(seed=3, random_seed=False, steps=2, sampler="heun", guidance=2.0)


def mp4_frames(path) -> tuple[int, dict]:
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    n = sum(1 for _ in reader)
    return n, meta


def check_video(result, frames: int) -> str:
    preview, status, video, seed_used, readout, plot = result
    assert str(video).endswith(".mp4")
    n, meta = mp4_frames(video)
    assert n == frames, f"expected {frames} frames, the mp4 has {n}"
    assert meta["codec"].startswith("h264")
    assert status.startswith("done")
    assert Image.open(preview).size[0] > 64  # a frame grid, upscaled
    assert plot["columns"] == ["frame", "change", "video"]
    return readout


def text_call(client, prompt="a 7 moving up-left", num_frames=8, fps=8, **kw):
    args = {**FIXED, **kw}
    return client.predict(
        prompt,
        args["seed"],
        args["random_seed"],
        args["steps"],
        args["sampler"],
        args["guidance"],
        num_frames,
        fps,
        api_name="/text_to_video",
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """An example frame pair and clip from real Moving MNIST, and some awkward uploads."""
    from tinyvid.data import moving_mnist
    from tinyvid.viz import save_video

    d = tmp_path_factory.mktemp("uploads")
    video, _, _ = moving_mnist(1, seed=5, num_frames=8, digits=4, directions="down")
    out = {"clip": str(save_video(video, d / "clip.mp4", fps=8))}
    for name, f in (("first", video[0, 0]), ("last", video[0, -1])):
        Image.fromarray((f[0] * 255).byte().numpy(), "L").save(d / f"{name}.png")
        out[name] = str(d / f"{name}.png")
    rgba = np.zeros((80, 100, 4), np.uint8)  # transparent, colour, not 64×64
    rgba[20:60, 40:60] = (255, 40, 40, 255)
    Image.fromarray(rgba, "RGBA").save(d / "red_on_clear.png")
    out["rgba"] = str(d / "red_on_clear.png")
    Image.new("L", (5000, 5000)).save(d / "huge.png")
    out["huge"] = str(d / "huge.png")
    (d / "notes.png").write_text("not an image at all")
    out["not_image"] = str(d / "notes.png")
    return out


def test_text_to_video_returns_an_mp4_of_the_asked_length(client):
    result = text_call(client, num_frames=8)
    readout = check_video(result, 8)
    assert result[3] == 3 and "flicker" in readout and "detector not available" in readout


def test_same_seed_gives_same_video_and_random_seed_is_reported(client):
    a, b = text_call(client), text_call(client)
    assert a[3] == b[3] == 3
    assert mp4_frames(a[2])[0] == 8
    r = text_call(client, random_seed=True)
    assert isinstance(r[3], int) and r[3] >= 0


def test_image_to_video_converts_a_transparent_colour_upload_and_says_so(client, files):
    from gradio_client import handle_file

    r = client.predict(
        handle_file(files["rgba"]), "", *FIXED.values(), 6, 8, api_name="/image_to_video"
    )
    readout = check_video(r, 6)
    for words in ("transparent", "grey", "resized from 100×80 to 64×64"):
        assert words in readout


def test_extend_adds_the_new_frames_to_the_clip(client, files):
    from gradio_client import handle_file

    r = client.predict(
        handle_file(files["clip"]), 4, 3, "a 4 moving down", *FIXED.values(), 8, api_name="/extend"
    )
    check_video(r, 8 + 4)


def test_interpolate_fills_in_the_middle(client, files):
    from gradio_client import handle_file

    r = client.predict(
        handle_file(files["first"]),
        handle_file(files["last"]),
        "",
        *FIXED.values(),
        5,
        8,
        api_name="/interpolate",
    )
    check_video(r, 5)


def test_flicker_lab_compares_frame_by_frame_with_the_video_model(client):
    r = client.predict("a 3 moving right", *FIXED.values(), 6, 8, api_name="/flicker_lab")
    readout = check_video(r, 6)
    assert "frame by frame** flicker" in readout and "video model** flicker" in readout
    assert "**teleporting**" in readout and "% of steps" in readout
    from tinyvid.pipelines import WEIGHTS_DIR

    shipped = (WEIGHTS_DIR / "image_video.safetensors").exists()
    # with the image model shipped the left side is the real one, else a labelled stand-in
    assert ("left: image model, frame by frame" if shipped else "stand-in image model") in readout
    assert {row[2] for row in r[5]["data"]} == {
        "frame by frame",
        "video model",
        "real clips (mean)",
    }


def test_streaming_job_yields_a_preview_per_step_before_the_video(client):
    job = client.submit(
        "a 2 moving left", 1, False, 3, "euler", 2.0, 4, 8, api_name="/text_to_video"
    )
    job.result(timeout=120)
    updates = job.outputs()
    assert len(updates) > 1
    statuses = [u[1] for u in updates]
    assert "step 1/3" in statuses and "step 2/3" in statuses and statuses[-1] == "done: step 3/3"
    assert updates[-1][2].endswith(".mp4")


@pytest.mark.parametrize(
    "prompt, words",
    [
        ("", "Type a prompt first"),
        ("   ", "Type a prompt first"),
        ("a 7 moving rigth", "Did you mean 'right'"),
        ("a 7 moving sideways", "unknown word 'sideways'"),
        ("a 1 and a 2 and a 3 bouncing", "Too many digits (3)"),
        ("a 12 moving up", "'12' is not a single digit"),
        ("a 7 up moving", "prompts look like"),
    ],
)
def test_bad_prompts_come_back_as_plain_errors(client, prompt, words):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=words.replace("(", r"\(").replace(")", r"\)")):
        text_call(client, prompt=prompt)


@pytest.mark.parametrize(
    "kw, words",
    [
        ({"steps": 500}, "steps = 500 is out of range: choose 1 to 100"),
        ({"steps": 0}, "steps = 0 is out of range"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"num_frames": 40}, "frames = 40 is out of range: choose 4 to 16"),
        ({"guidance": 99}, "guidance = 99 is out of range: choose 0 to 15"),
        ({"guidance": -1}, "guidance = -1 is out of range"),
        ({"fps": 0}, "fps = 0 is out of range"),
        ({"sampler": "ddim"}, "not in the list of choices|does not fit this model"),
    ],
)
def test_out_of_range_settings_come_back_as_plain_errors(client, kw, words):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=words):
        text_call(client, **kw)


def test_bad_uploads_come_back_as_plain_errors(client, files):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    def i2v(path):
        return client.predict(
            handle_file(path), "", *FIXED.values(), 4, 8, api_name="/image_to_video"
        )

    with pytest.raises(AppError, match="too large"):
        i2v(files["huge"])
    with pytest.raises(AppError, match="not an image"):
        i2v(files["not_image"])
    with pytest.raises(AppError, match="the last frame is missing"):
        client.predict(
            handle_file(files["first"]), None, "", *FIXED.values(), 5, 8, api_name="/interpolate"
        )
    with pytest.raises(AppError, match="first and last frame"):
        client.predict(None, None, "", *FIXED.values(), 5, 8, api_name="/interpolate")
    with pytest.raises(AppError, match="Upload an image"):
        client.predict(None, "", *FIXED.values(), 5, 8, api_name="/image_to_video")
    with pytest.raises(AppError, match="at least 9"):  # 8 frames cannot give 9 context frames
        client.predict(handle_file(files["clip"]), 4, 9, "", *FIXED.values(), 8, api_name="/extend")
    with pytest.raises(AppError, match="not a video"):
        client.predict(
            handle_file(files["first"].replace("first.png", "notes.png")),
            4,
            2,
            "",
            *FIXED.values(),
            8,
            api_name="/extend",
        )
    # the server is still fine afterwards
    check_video(text_call(client, num_frames=4), 4)
