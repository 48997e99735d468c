"""End to end through `gradio_client`: every mode, live updates, and bad input in plain words."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

pytestmark = pytest.mark.slow

FIXED = dict(seed=3, random_seed=False, steps=2, sampler="heun", guidance=2.0)


SKIPPED = {"__type__": "update"}  # an output left as it is


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
    assert plot["value"]["columns"] == ["frame", "change", "video"]
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


def png_header(path, width: int, height: int):
    """A PNG whose header claims ``width``×``height`` grey pixels (no pixel data follows)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    return path


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
    out["bomb"] = str(png_header(d / "bomb.png", 20_000, 20_000))
    deep = np.full((100, 100), 2000, np.uint16)  # 16-bit: 2000 is near black, not white
    deep[20:80, 45:55] = 60000
    Image.fromarray(deep).save(d / "deep.png")
    out["deep"] = str(d / "deep.png")
    Image.new("L", (1, 1), 255).save(d / "dot.png")
    out["dot"] = str(d / "dot.png")
    Image.new("RGB", (120, 90), (36, 36, 36)).save(d / "grey.png")
    out["grey"] = str(d / "grey.png")
    long_clip = torch.zeros(1, 300, 1, 64, 64)
    long_clip[0, :, :, 20:40, 20:30] = 1
    out["long"] = str(save_video(long_clip, d / "long.mp4", fps=25))
    (d / "notes.png").write_text("not an image at all")
    out["not_image"] = str(d / "notes.png")
    return out


def test_text_to_video_returns_an_mp4_of_the_asked_length(client):
    result = text_call(client, num_frames=8)
    readout = check_video(result, 8)
    assert result[3] == "3" and "flicker" in readout and "detector not available" in readout


def test_same_seed_gives_same_video_and_random_seed_is_reported(client):
    a, b = text_call(client), text_call(client)
    assert a[3] == b[3] == "3"
    assert mp4_frames(a[2])[0] == 8
    r = text_call(client, random_seed=True)
    assert r[3].isdigit()


def test_image_to_video_converts_a_transparent_colour_upload_and_says_so(client, files):
    from gradio_client import handle_file

    r = client.predict(
        handle_file(files["rgba"]), "", *FIXED.values(), 6, 8, api_name="/image_to_video"
    )
    readout = check_video(r, 6)
    for words in ("transparent", "grey", "(100×80) was made an MNIST digit"):
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
    assert {row[2] for row in r[5]["value"]["data"]} == {
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
        ({"steps": 500}, r"steps=500 is out of range; allowed: \[1, 100\]"),
        ({"steps": 0}, "steps=0 is out of range"),
        ({"steps": 2.5}, "steps must be a whole number"),
        ({"num_frames": 40}, r"frames=40 is out of range; allowed: \[4, 16\]"),
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


def i2v(client, path, prompt=""):
    from gradio_client import handle_file

    return client.predict(
        handle_file(path), prompt, *FIXED.values(), 4, 8, api_name="/image_to_video"
    )


@pytest.fixture
def received(served, monkeypatch):
    """What the served pipeline's ``stream`` was called with, call by call."""
    pipe = served[0].tinyvid_models.video
    calls = []
    real = pipe.stream

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipe, "stream", spy)
    return calls


def test_error_messages_read_in_full_as_html_too(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as e:
        text_call(client, prompt="")
    message = str(e.value)
    # gradio shows the message as HTML: a '<digit>' would swallow the rest of the grammar
    assert "<" not in message and ">" not in message
    assert (
        "'a ‹digit› moving ‹direction› [slowly]' or 'a ‹digit› and a ‹digit› bouncing'" in message
    )
    with pytest.raises(AppError) as e:
        text_call(client, prompt="a 7 moving <b>up</b>")
    assert "'‹b›up‹/b›'" in str(e.value) and "<" not in str(e.value)


def test_the_prompt_limit_holds_for_api_calls_and_the_message_stays_short(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="100,000 characters long; the limit is 200") as e:
        text_call(client, prompt="a 7 moving up " + "x" * (100_000 - 14))
    assert len(str(e.value)) < 200


def test_an_uploaded_16_bit_digit_reaches_the_model_the_mnist_way(client, files, received):
    r = i2v(client, files["deep"])
    image = received[-1]["image"]  # [1, 64, 64] the model was given
    ys, xs = np.nonzero(image[0].numpy() > 0.05)
    assert image.max() > 0.95 and image[0, 0].max() == 0  # white stroke, black background
    assert ys.max() - ys.min() + 1 == 20  # scaled into the 20×20 box
    assert abs(ys.mean() - 31.5) < 1.5 and abs(xs.mean() - 31.5) < 1.5  # centred where it was
    assert "16-bit" in r[4] and "made an MNIST digit" in r[4]


@pytest.mark.parametrize(
    "name, words",
    [
        ("dot", "1×1 pixels: too small to hold a digit"),
        ("grey", "blank: nothing in it stands out"),
        ("bomb", r"too large \(400 megapixels\); the limit is 4096×4096"),
        ("huge", r"too large \(25 megapixels\); the limit is 4096×4096"),
    ],
)
def test_uploads_that_cannot_become_a_digit_are_refused_with_the_reason(client, files, name, words):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=words):
        i2v(client, files[name])


def test_a_failed_request_clears_the_last_results_and_shows_no_seed(client):
    from gradio_client.exceptions import AppError

    text_call(client)  # a finished video on screen
    job = client.submit("a 7 moving nowhere", *FIXED.values(), 8, 8, api_name="/text_to_video")
    with pytest.raises(AppError):
        job.result(timeout=60)
    preview, status, video, seed_used, readout, plot = job.outputs()[-1]
    assert preview is None and video is None and seed_used == "" and plot is None
    assert status.startswith("✗ **not run**: unknown word 'nowhere'") and readout == ""


def test_the_seed_is_shown_only_with_the_finished_video(client, served):
    job = client.submit("a 2 moving left", *FIXED.values(), 4, 8, api_name="/text_to_video")
    job.result(timeout=120)
    seeds = [u[3] for u in job.outputs()]
    assert seeds[-1] == str(FIXED["seed"]), seeds
    assert seeds[0] == "" and all(s == SKIPPED for s in seeds[1:-1]), seeds
    initial = [
        c["props"].get("value")
        for c in served[0].get_config_file()["components"]
        if c["props"].get("label") == "seed used"
    ]
    assert initial and all(not v for v in initial)  # not 0 before any run


def test_a_long_clip_is_counted_before_it_is_trimmed(client, files):
    from gradio_client import handle_file

    r = client.predict(handle_file(files["long"]), 2, 3, "", *FIXED.values(), 8, api_name="/extend")
    assert "kept the last 64 of its 300 frames" in r[4]


def test_placeholders_read_as_hints_not_prompts(served):
    from tinyvid.text import parse

    hints = {
        c["props"]["placeholder"]
        for c in served[0].get_config_file()["components"]
        if c["type"] == "textbox" and "prompt" in c["props"].get("label", "")
    }
    assert len(hints) == 2
    for hint in hints:
        with pytest.raises(ValueError):
            parse(hint)


def test_the_flicker_axis_reaches_above_every_line(client):
    from app.render import real_flicker

    plot = text_call(client, prompt="a 3 moving right")[5]  # the figure: its data and y axis
    changes = [row[1] for row in plot["value"]["data"]]
    assert real_flicker(8) == pytest.approx(min(changes), rel=1e-6)  # the real-clips line
    assert plot["y_lim"][0] == 0 and max(changes) * 1.1 <= plot["y_lim"][1] <= max(changes) * 1.5
    from app.render import flicker_axis_top, flicker_table

    # the shipped model's case: every line near the real level of about 0.041
    table = flicker_table({"this video": torch.zeros(1, 16, 1, 64, 64)})
    assert 0.045 < flicker_axis_top(table) < 0.06


class TwoDigitReader(torch.nn.Module):
    """A detector that always reads 'a 7 and a 1 bouncing'."""

    def predict(self, videos):
        B = len(videos)
        return {
            "digit": torch.full((B,), 7),
            "digits": torch.tensor([[7, 1]] * B),
            "num_digits": torch.full((B,), 2),
            "direction": torch.zeros(B, dtype=torch.long),  # right
            "speed": torch.zeros(B, dtype=torch.long),
        }


def test_extend_readout_does_not_match_two_digits_to_a_one_digit_prompt(tmp_path_factory, files):
    from app_server import launch
    from gradio_client import Client, handle_file

    demo, url = launch(tmp_path_factory, detector=TwoDigitReader())
    try:
        c = Client(url, verbose=False)
        args = (handle_file(files["clip"]), 4, 3)
        r = c.predict(*args, "a 7 moving right", *FIXED.values(), 8, api_name="/extend")
        assert "“a 7 and a 1 bouncing” ✗ not what the prompt asked" in r[4]
        r = c.predict(*args, "a 1 and a 7 bouncing", *FIXED.values(), 8, api_name="/extend")
        assert "“a 7 and a 1 bouncing” ✓ matches the prompt" in r[4]
    finally:
        demo.close()


def test_a_fixed_length_model_offers_no_range_of_frames(tmp_path):
    from app import build_app
    from tinyvid.pipelines import PipelineConfig, random_pipeline

    cfg = PipelineConfig(steps=2, min_frames=16, num_frames=16, max_frames=16)
    demo = build_app(random_pipeline("tiny", config=cfg), detector=None, workdir=tmp_path)
    frames = [
        c for c in demo.get_config_file()["components"] if c["props"].get("label") == "frames"
    ]
    assert len(frames) == 4  # text, image, interpolate, flicker lab
    for c in frames:
        props = c["props"]
        assert c["type"] != "slider" and props["value"] == 16 and props["interactive"] is False
        assert "16-frame clips" in props["info"]


def test_every_image_input_offers_the_same_sources(served):
    sources = [
        c["props"]["sources"]
        for c in served[0].get_config_file()["components"]
        if c["type"] == "image" and c["props"].get("interactive") is not False
    ]
    assert len(sources) == 3  # image to video, first and last frame
    assert all(s == ["upload", "clipboard"] for s in sources), sources
