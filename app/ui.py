"""The page: five tabs, live sampling, one queue.

Every generation handler is a generator: it checks its inputs (a ``gr.Error`` in plain words
when something is wrong), then yields the current x0 estimate as a frame grid with a
"step k/n" label at every sampler step, and finally the mp4, the seed used, the detector's
reading and the flicker figure. All generation events share one concurrency group, so at
most ``concurrency`` videos are sampled at once and the rest wait in the queue.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import torch
from PIL import Image

from app import inputs
from app.models import Models, load_models
from app.render import (
    Outbox,
    detector_text,
    flicker_axis_top,
    flicker_table,
    flicker_text,
    flicker_value,
    preview_grid,
    real_flicker,
    side_by_side,
)
from tinyvid.diffusion.samplers import samplers_for
from tinyvid.metrics.temporal import JUMP_PX, teleportation_rate
from tinyvid.pipelines import VideoPipeline
from tinyvid.text import DIRECTIONS

log = logging.getLogger("app")

TITLE = "tinyvid: watch a video diffusion model denoise"
EXAMPLE_PROMPTS = [
    "a 7 moving up-left",
    "a 3 moving right",
    "an 8 moving down slowly",
    "a 1 moving up-right",
    "a 3 and a 5 bouncing",
    "a 0 and a 4 bouncing",
]
PROMPT_HINT = "type a prompt here (see the examples below)"
OPTIONAL_HINT = "optional: leave empty, or describe the motion"
GRAMMAR_MD = (
    "**Prompts** follow a tiny grammar: `a <digit> moving <direction> [slowly]` or "
    "`a <digit> and a <digit> bouncing`. Digits `0`–`9` (`an 8` reads right); directions "
    + ", ".join(f"`{d}`" for d in DIRECTIONS)
    + "."
)
CSS = """
.banner {background: #fff4d6; border: 1px solid #e0b84c; border-radius: 8px; padding: 2px 12px;}
.banner p {margin: 6px 0; color: #6b4e00;}
#header h1 {margin-bottom: 0;}
.preview img {image-rendering: pixelated;}
.status p {font-variant-numeric: tabular-nums; font-weight: 600;}
"""


# Two inputs are handed over raw and checked by the handler (app.inputs), so that an API
# caller's error names the field ("steps=500 is out of range; allowed: [1, 100]") and a file
# that is not an image, or too large to decode, gets a plain answer. The override is per
# instance: a subclass would make gradio write a .pyi stub next to this file on import.


def Slider(*args, **kwargs) -> gr.Slider:  # noqa: N802 - reads like the component it makes
    """A ``gr.Slider`` whose value reaches the handler unchecked (the handler checks it)."""
    slider = gr.Slider(*args, **kwargs)
    slider.preprocess = lambda payload: payload
    return slider


def Number(**kwargs) -> gr.Number:  # noqa: N802
    """A ``gr.Number`` whose value reaches the handler unchecked (the handler checks it)."""
    number = gr.Number(**kwargs)
    number.preprocess = lambda payload: payload
    return number


def ImageInput(**kwargs) -> gr.Image:  # noqa: N802
    """A ``gr.Image`` upload handed over as the uploaded file's path, unopened."""
    image = gr.Image(**kwargs)
    image.preprocess = lambda payload: None if payload is None else payload.path
    return image


def readable(message: str) -> str:
    """``message`` as text that reads the same shown as HTML (gradio renders error messages
    as HTML, where ``'a <digit> moving'`` would lose everything from ``<digit>`` on)."""
    return message.replace("&", "＆").replace("<", "‹").replace(">", "›")


def failed(message: str) -> tuple:
    """The outputs after a failed request: the last run's results cleared, the reason shown."""
    return None, f"✗ **not run**: {message}", None, "", "", None


def _friendly(fn):
    """Run a handler; bad input becomes a ``gr.Error`` in plain words, and nothing else escapes.

    Before the error, the outputs are cleared and the status says why, so nothing of the
    previous run stays on screen as if it were this request's answer.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            yield from fn(*args, **kwargs)
        except ValueError as e:
            message = readable(str(e))
            yield failed(message)
            raise gr.Error(message, print_exception=False) from None
        except Exception as e:  # a bug, not the user's fault: log it, keep serving
            log.exception("handler %s failed", fn.__name__)
            message = readable(
                f"Something went wrong while sampling ({type(e).__name__}: {e}). "
                "Other requests are not affected; try again or change the settings."
            )
            yield failed(message)
            raise gr.Error(message) from None

    return wrapper


def _samplers(pipe: VideoPipeline) -> list[str]:
    return samplers_for(pipe.config.objective)


def _examples(folder: Path, size: int) -> dict[str, list]:
    """Real Moving MNIST frames and clips for the example galleries, written once as files."""
    from tinyvid.data import moving_mnist

    folder.mkdir(parents=True, exist_ok=True)
    specs = [(7, "up-left"), (3, "right"), (8, "down"), (2, "up-right")]
    videos, _, captions = moving_mnist(
        len(specs),
        seed=2024,
        num_frames=16,
        digits=[d for d, _ in specs],
        directions=[s for _, s in specs],
        speeds="normal",
        split="test",
        size=size,
    )
    from tinyvid.viz import save_video

    out = {"frames": [], "pairs": [], "clips": []}
    for i, (video, cap) in enumerate(zip(videos, captions)):
        first, last = folder / f"frame{i}_first.png", folder / f"frame{i}_last.png"
        for path, f in ((first, video[0]), (last, video[-1])):
            Image.fromarray((f[0] * 255).round().byte().numpy(), "L").save(path)
        clip = save_video(video[:8], folder / f"clip{i}.mp4", fps=8, scale=4)
        out["frames"].append([str(first), cap])
        out["pairs"].append([str(first), str(last)])
        out["clips"].append([str(clip), cap])
    return out


# --- the page --------------------------------------------------------------------------------


def build_app(
    pipeline: VideoPipeline | None = None,
    image_pipeline: VideoPipeline | None = None,
    *,
    detector="auto",
    banner: str | None = None,
    concurrency: int = 2,
    max_queue: int = 32,
    workdir: str | Path | None = None,
) -> gr.Blocks:
    """The Gradio app. ``pipeline=None`` loads the shipped weights (or, until they exist, an
    untrained pipeline with a banner saying so); tests pass tiny random pipelines.

    ``concurrency``: videos sampled at once (all modes share it); ``max_queue``: requests
    waiting beyond that before new ones are turned away with "queue full".
    """
    models = load_models(pipeline, image_pipeline, detector, banner)
    workdir = Path(workdir or tempfile.mkdtemp(prefix="tinyvid-app-"))
    outbox = Outbox(workdir / "videos")
    examples = _examples(workdir / "examples", models.video.image_size)
    real_flicker(models.video.config.num_frames)  # warm the cache before the first request
    handlers = Handlers(models, outbox)

    with gr.Blocks(title="tinyvid", delete_cache=(3600, 3600)) as demo:
        gr.Markdown(
            f"# {TITLE}\nType a prompt, press **Generate**, and watch the model's current guess "
            "of the clean video (its *x0 estimate*) sharpen step by step.",
            elem_id="header",
        )
        if models.banner:
            gr.Markdown(
                f"⚠️ **{models.banner}**: the videos below are noise shaped by an "
                "untrained network; the controls and the live sampling work as they "
                "will with the trained model.",
                elem_classes="banner",
                elem_id="banner",
            )
        with gr.Tabs():
            with gr.Tab("Text → video", id="t2v"):
                _text_tab(handlers, models)
            with gr.Tab("Image → video", id="i2v"):
                _image_tab(handlers, models, examples)
            with gr.Tab("Extend", id="extend"):
                _extend_tab(handlers, models, examples)
            with gr.Tab("Interpolate", id="interpolate"):
                _interpolate_tab(handlers, models, examples)
            with gr.Tab("Flicker lab", id="flicker"):
                _flicker_tab(handlers, models)
        gr.Markdown(
            f"Model: {type(models.video.model).__name__}, objective `{models.video.config.objective}`, "
            f"{_frame_range(models.video.config)} frames of "
            f"{models.video.image_size}×{models.video.image_size}; device `{models.video.device}`. "
            "Call every tab from Python with `gradio_client` (see `app/README.md`)."
        )
    demo.queue(default_concurrency_limit=concurrency, max_size=max_queue)
    demo.tinyvid_models = models  # for tests and scripts
    demo.tinyvid_handlers = handlers
    demo.tinyvid_concurrency = concurrency
    return demo


# --- shared widgets ---------------------------------------------------------------------------


def _frame_range(cfg) -> str:
    return (
        str(cfg.num_frames)
        if cfg.min_frames == cfg.max_frames
        else f"{cfg.min_frames}–{cfg.max_frames}"
    )


def _controls(models: Models, frames: bool = True) -> dict:
    """Seed (or random), steps, sampler, guidance, frames, fps: the pipeline's defaults."""
    cfg = models.video.config
    c = {}
    with gr.Accordion("Settings", open=True):
        with gr.Row():
            c["seed"] = gr.Number(0, label="seed", precision=0, minimum=None, scale=2)
            c["random_seed"] = gr.Checkbox(True, label="random seed", scale=1, min_width=120)
        samplers = _samplers(models.video)
        c["sampler"] = gr.Dropdown(
            [(SAMPLER_NAMES.get(s, s), s) for s in samplers], value=cfg.sampler, label="sampler"
        )
        c["steps"] = Slider(
            *inputs.STEPS_RANGE,
            value=min(cfg.steps, 50),
            step=1,
            label="steps",
            info="fewer = faster and blurrier",
        )
        c["guidance"] = Slider(
            *inputs.GUIDANCE_RANGE,
            value=cfg.guidance,
            step=0.5,
            label="guidance",
            info="classifier-free guidance; 1 = none",
        )
        if frames and cfg.max_frames > cfg.min_frames:
            c["num_frames"] = Slider(
                cfg.min_frames,
                cfg.max_frames,
                value=cfg.num_frames,
                step=models.video.patch_frames,
                label="frames",
            )
        elif frames:  # one clip length: a slider would offer a range that does not exist
            c["num_frames"] = Number(
                value=cfg.num_frames,
                label="frames",
                precision=0,
                interactive=False,
                info=f"this model makes {cfg.num_frames}-frame clips",
            )
        c["fps"] = Slider(
            *inputs.FPS_RANGE, value=cfg.fps, step=1, label="fps", info="playback speed"
        )
    return c


def _results(
    prefix: str, label: str = "video", key: str = "blue: this video · grey: real clips"
) -> list:
    """Live preview + status, then the video, seed used, readout and flicker figure."""
    status = gr.Markdown(
        "Ready: the model's current estimate of the clean frames will show here, step by step.",
        label="status",
        elem_classes="status",
        elem_id=f"{prefix}-status",
    )
    preview = gr.Image(
        label="live preview (x0 estimate)",
        show_label=False,
        type="filepath",
        interactive=False,
        elem_classes="preview",
        elem_id=f"{prefix}-preview",
        buttons=[],
    )
    with gr.Row():
        video = gr.Video(
            label=label,
            elem_id=f"{prefix}-video",
            interactive=False,
            autoplay=True,
            loop=True,
            buttons=["download"],
            height=300,
            scale=2,
        )
        with gr.Column(scale=1):
            seed_used = gr.Textbox(  # a gr.Number shows 0 when empty
                label="seed used",
                interactive=False,
                placeholder="shown after a run",
                elem_id=f"{prefix}-seed",
            )
            readout = gr.Markdown("", label="readout")
    plot = gr.LinePlot(
        x="frame",
        y="change",
        color="video",
        label=f"flicker, mean |x_t − x_(t−1)| per frame ({key})",
        x_title="frame t",
        y_title="mean change",
        height=300,
        x_axis_format="d",
        elem_id=f"{prefix}-plot",
        y_lim=[0, None],
        color_map=PLOT_COLOURS,
    )
    return [preview, status, video, seed_used, readout, plot]


def flicker_plot(table) -> gr.LinePlot:
    """The flicker figure with its y axis up to above the highest line (real clips included),
    so no line runs along the top edge or off it."""
    return gr.LinePlot(value=table, y_lim=[0, flicker_axis_top(table)])


def _wire(button, stop, fn, inputs_, outputs, api_name: str):
    event = button.click(
        fn, inputs_, outputs, api_name=api_name, concurrency_id="sampling", show_progress="minimal"
    )
    stop.click(None, None, None, cancels=[event], api_visibility="private")
    return event


def _values(c: dict, keys) -> list:
    return [c[k] for k in keys]


PLOT_COLOURS = {
    "this video": "#4f46e5",
    "video model": "#4f46e5",
    "frame by frame": "#e11d48",
    "real clips (mean)": "#9ca3af",
}
IMAGE_SOURCES = ["upload", "clipboard"]  # every image input offers the same (no webcam)
CANVAS = (280, 280)  # the drawing canvas: 10× the 28×28 of an MNIST digit
BLACK_CANVAS = np.zeros((*CANVAS, 3), np.uint8)  # white strokes on black, as the model's frames
SAMPLER_NAMES = {"ddim": "DDIM", "ddpm": "DDPM", "euler": "flow Euler", "heun": "flow Heun"}
KNOBS = ["seed", "random_seed", "steps", "sampler", "guidance"]


# --- tabs ---------------------------------------------------------------------------------------


def _text_tab(h: Handlers, models: Models) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(
                label="prompt",
                value=EXAMPLE_PROMPTS[0],
                max_length=inputs.MAX_PROMPT,
                placeholder=PROMPT_HINT,
                elem_id="t2v-prompt",
            )
            with gr.Row():
                go = gr.Button("Generate", variant="primary", elem_id="t2v-generate")
                stop = gr.Button("Stop", variant="stop")
            gr.Examples([[p] for p in EXAMPLE_PROMPTS], [prompt], label="examples (click one)")
            gr.Markdown(GRAMMAR_MD)
            c = _controls(models)
        with gr.Column(scale=2):
            outs = _results("t2v")
    _wire(
        go,
        stop,
        h.text_to_video,
        [prompt, *_values(c, KNOBS), c["num_frames"], c["fps"]],
        outs,
        "text_to_video",
    )


def _image_tab(h: Handlers, models: Models, examples: dict) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            with gr.Tabs():
                with gr.Tab("Upload"):
                    image = ImageInput(
                        label="first frame",
                        elem_id="i2v-image",
                        type="filepath",
                        sources=IMAGE_SOURCES,
                        height=240,
                    )
                with gr.Tab("Draw"):
                    sketch = gr.Sketchpad(
                        value={"background": BLACK_CANVAS, "layers": [], "composite": None},
                        label="draw a digit, then Generate",
                        height=300,
                        canvas_size=CANVAS,
                        elem_id="i2v-sketch",
                        fixed_canvas=True,
                        type="numpy",
                        image_mode="RGBA",
                        brush=gr.Brush(
                            default_size=22,
                            colors=["#ffffff"],
                            default_color="#ffffff",
                            color_mode="fixed",
                        ),
                    )
            prompt = gr.Textbox(
                label="prompt (optional)", placeholder=OPTIONAL_HINT, max_length=inputs.MAX_PROMPT
            )
            gr.Examples(
                examples["frames"],
                label="example frames (real Moving MNIST, held out)",
                inputs=[image, prompt],
                examples_per_page=4,
            )
            with gr.Row():
                go = gr.Button("Generate", variant="primary", elem_id="i2v-generate")
                stop = gr.Button("Stop", variant="stop")
            c = _controls(models)
        with gr.Column(scale=2):
            outs = _results("i2v")
    gr.on(  # a stroke is an "input" event (gradio sends no "change" while drawing)
        [sketch.input, sketch.apply, sketch.clear],
        h.sketch_to_image,
        [sketch],
        [image],
        trigger_mode="always_last",
        show_progress="hidden",
        api_visibility="private",
        queue=False,
    )
    _wire(
        go,
        stop,
        h.image_to_video,
        [image, prompt, *_values(c, KNOBS), c["num_frames"], c["fps"]],
        outs,
        "image_to_video",
    )


def _extend_tab(h: Handlers, models: Models, examples: dict) -> None:
    cfg = models.video.config
    with gr.Row():
        with gr.Column(scale=1):
            clip = gr.Video(
                label="a short clip to continue",
                sources=["upload"],
                include_audio=True,
                height=240,
                loop=True,
            )
            gr.Examples(
                [[p] for p, _ in examples["clips"]],
                [clip],
                label="example clips (8 frames)",
                elem_id="extend-examples",
            )
            prompt = gr.Textbox(
                label="prompt (optional)", placeholder=OPTIONAL_HINT, max_length=inputs.MAX_PROMPT
            )
            new = Slider(*inputs.NEW_FRAMES_RANGE, value=8, step=1, label="new frames")
            context = Slider(
                1,
                max(2, cfg.max_frames - 1),
                value=min(4, cfg.max_frames - 1),
                step=1,
                label="context frames",
                info="the last frames each window sees",
                elem_id="extend-context",
            )
            with gr.Row():
                go = gr.Button("Extend", variant="primary", elem_id="extend-generate")
                stop = gr.Button("Stop", variant="stop")
            c = _controls(models, frames=False)
        with gr.Column(scale=2):
            outs = _results("extend")
    _wire(
        go,
        stop,
        h.extend,
        [clip, new, context, prompt, *_values(c, KNOBS), c["fps"]],
        outs,
        "extend",
    )


def _interpolate_tab(h: Handlers, models: Models, examples: dict) -> None:
    with gr.Row():
        with gr.Column(scale=1):
            with gr.Row():
                first, last = (
                    ImageInput(
                        label=f"{which} frame",
                        type="filepath",
                        sources=IMAGE_SOURCES,
                        height=220,  # at 180 the upload prompt slid under the label
                        elem_id=f"interpolate-{which}",
                    )
                    for which in ("first", "last")
                )
            gr.Examples(
                examples["pairs"],
                [first, last],
                label="example pairs (first and last frame of real clips)",
                elem_id="interpolate-examples",
            )
            prompt = gr.Textbox(
                label="prompt (optional)", placeholder=OPTIONAL_HINT, max_length=inputs.MAX_PROMPT
            )
            with gr.Row():
                go = gr.Button(
                    "Fill in the middle", variant="primary", elem_id="interpolate-generate"
                )
                stop = gr.Button("Stop", variant="stop")
            c = _controls(models)
        with gr.Column(scale=2):
            outs = _results("interpolate")
    _wire(
        go,
        stop,
        h.interpolate,
        [first, last, prompt, *_values(c, KNOBS), c["num_frames"], c["fps"]],
        outs,
        "interpolate",
    )


def _flicker_tab(h: Handlers, models: Models) -> None:
    gr.Markdown(
        "The same prompt twice: on the **left** every frame is sampled on its own "
        f"(*{models.image_label}*), so nothing ties frame t to frame t+1; on the **right** the "
        "video model samples all frames together. Flicker is the mean change between consecutive "
        "frames; real clips change too (the digits move), so compare with their level."
    )
    with gr.Row():
        with gr.Column(scale=1):
            prompt = gr.Textbox(
                label="prompt",
                value="a 3 moving right",
                placeholder=PROMPT_HINT,
                max_length=inputs.MAX_PROMPT,
            )
            gr.Examples([[p] for p in EXAMPLE_PROMPTS[:4]], [prompt], label="examples")
            with gr.Row():
                go = gr.Button("Compare", variant="primary", elem_id="flicker-generate")
                stop = gr.Button("Stop", variant="stop")
            c = _controls(models)
        with gr.Column(scale=2):
            outs = _results(
                "flicker",
                label="left: frame by frame · right: video model",
                key="red: frame by frame · blue: video model · grey: real clips",
            )
    _wire(
        go,
        stop,
        h.flicker_lab,
        [prompt, *_values(c, KNOBS), c["num_frames"], c["fps"]],
        outs,
        "flicker_lab",
    )


# --- handlers -----------------------------------------------------------------------------------


class Handlers:
    """One method per endpoint; each is a generator of ``(preview, status, video, seed, readout, plot)``."""

    def __init__(self, models: Models, outbox: Outbox):
        self.m = models
        self.outbox = outbox

    # checks shared by every mode
    def _knobs(self, seed, random_seed, steps, sampler, guidance, fps):
        allowed = _samplers(self.m.video)
        if sampler not in allowed:
            raise ValueError(
                f"sampler '{sampler}' does not fit this model; choose one of {', '.join(allowed)}"
            )
        return dict(
            seed=inputs.seed(seed, bool(random_seed)),
            steps=inputs.integer(steps, "steps", *inputs.STEPS_RANGE),
            sampler=sampler,
            guidance=inputs.number(guidance, "guidance", *inputs.GUIDANCE_RANGE),
        ), inputs.number(fps, "fps", *inputs.FPS_RANGE)

    def _frames(self, value) -> int:
        cfg = self.m.video.config
        n = inputs.integer(value, "frames", cfg.min_frames, cfg.max_frames)
        if n % self.m.video.patch_frames:
            raise ValueError(
                f"frames must be a multiple of {self.m.video.patch_frames} for this model"
            )
        return n

    def _sample(self, stream, *, knobs, fps, prompt="", notes=(), stem="tinyvid"):
        """Drive ``pipe.stream``: a preview per step, then the finished video and its readout."""
        start = time.perf_counter()
        yield None, "Sampling…", None, "", "", None
        final, total = None, 0
        for step, total, preview in stream:
            if step < total:
                yield (
                    self.outbox.png(preview_grid(preview)),
                    f"step {step}/{total}",
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                    gr.skip(),
                )
            else:
                final = preview
        path = self.outbox.mp4(final, fps, stem)
        secs = time.perf_counter() - start
        lines = [
            detector_text(self.m.detector, final, prompt),
            flicker_text(final),
            f"{final.shape[1]} frames · {total} steps in {secs:.1f} s",
            *(f"note: {n}" for n in notes),
        ]
        yield (
            self.outbox.png(preview_grid(final)),
            f"done: step {total}/{total}",
            path,
            str(knobs["seed"]),
            "\n\n".join(lines),
            flicker_plot(flicker_table({"this video": final})),
        )

    @_friendly
    def text_to_video(self, prompt, seed, random_seed, steps, sampler, guidance, num_frames, fps):
        prompt = inputs.prompt(prompt, required=True)
        knobs, fps = self._knobs(seed, random_seed, steps, sampler, guidance, fps)
        stream = self.m.video.stream(
            prompt, mode="t2v", num_frames=self._frames(num_frames), **knobs
        )
        yield from self._sample(stream, knobs=knobs, fps=fps, prompt=prompt, stem="t2v")

    @_friendly
    def image_to_video(
        self, image, prompt, seed, random_seed, steps, sampler, guidance, num_frames, fps
    ):
        if image is None:
            raise ValueError("Upload an image, draw a digit or click an example frame first.")
        frame = inputs.frame(image)
        prompt = inputs.prompt(prompt, required=False)
        knobs, fps = self._knobs(seed, random_seed, steps, sampler, guidance, fps)
        stream = self.m.video.stream(
            prompt or None,
            mode="i2v",
            image=frame.pixels,
            num_frames=self._frames(num_frames),
            **knobs,
        )
        yield from self._sample(
            stream, knobs=knobs, fps=fps, prompt=prompt, notes=frame.notes, stem="i2v"
        )

    @_friendly
    def extend(
        self,
        video,
        num_new_frames,
        context,
        prompt,
        seed,
        random_seed,
        steps,
        sampler,
        guidance,
        fps,
    ):
        cfg = self.m.video.config
        context = inputs.integer(context, "context frames", 1, cfg.max_frames - 1)
        new = inputs.integer(num_new_frames, "new frames", *inputs.NEW_FRAMES_RANGE)
        clip, notes = inputs.video_file(video, min_frames=context)
        prompt = inputs.prompt(prompt, required=False)
        knobs, fps = self._knobs(seed, random_seed, steps, sampler, guidance, fps)
        stream = self.m.video.stream(
            prompt or None, mode="extend", video=clip, num_new_frames=new, context=context, **knobs
        )
        yield from self._sample(
            stream, knobs=knobs, fps=fps, prompt=prompt, notes=notes, stem="extend"
        )

    @_friendly
    def interpolate(
        self, first, last, prompt, seed, random_seed, steps, sampler, guidance, num_frames, fps
    ):
        missing = [name for name, x in (("first", first), ("last", last)) if x is None]
        if missing:
            raise ValueError(
                f"Interpolation needs both a first and a last frame; the {' and '.join(missing)} "
                f"frame {'is' if len(missing) == 1 else 'are'} missing."
            )
        a, b = inputs.frame(first, "first frame"), inputs.frame(last, "last frame")
        prompt = inputs.prompt(prompt, required=False)
        knobs, fps = self._knobs(seed, random_seed, steps, sampler, guidance, fps)
        n = self._frames(num_frames)
        if n < 3:
            raise ValueError(f"frames = {n}: interpolation needs at least 3 (first, middle, last)")
        stream = self.m.video.stream(
            prompt or None, mode="interpolate", first=a.pixels, last=b.pixels, num_frames=n, **knobs
        )
        yield from self._sample(
            stream, knobs=knobs, fps=fps, prompt=prompt, notes=a.notes + b.notes, stem="interpolate"
        )

    @_friendly
    def flicker_lab(self, prompt, seed, random_seed, steps, sampler, guidance, num_frames, fps):
        prompt = inputs.prompt(prompt, required=True)
        knobs, fps = self._knobs(seed, random_seed, steps, sampler, guidance, fps)
        T = self._frames(num_frames)
        start = time.perf_counter()
        yield None, "Sampling…", None, "", "", None
        # 1. the image model, each frame on its own: a batch of T one-frame clips, own noise each
        img = self.m.image
        img_knobs = dict(knobs, seed=None)  # its own noise, not the video model's
        img_knobs["generator"] = torch.Generator().manual_seed(knobs["seed"] + 1)
        if knobs["sampler"] not in _samplers(img):
            img_knobs["sampler"] = None
        per_frame = None
        for step, total, preview in img.stream([prompt] * T, mode="t2v", **img_knobs):
            frames = preview[:, :1].transpose(0, 1)  # [1, T, 1, H, W]: frame 0 of each clip
            if step < total:
                yield (
                    self.outbox.png(preview_grid(frames)),
                    f"frame by frame: step {step}/{total}",
                    *[gr.skip()] * 4,
                )
            else:
                per_frame = frames
        # 2. the video model, all frames together
        video = None
        for step, total, preview in self.m.video.stream(prompt, mode="t2v", num_frames=T, **knobs):
            if step < total:
                both = torch.cat([per_frame[0], preview[0]], dim=0)  # [2T, 1, H, W]: two rows of T
                yield (
                    self.outbox.png(preview_grid(both, cols=T)),
                    f"video model: step {step}/{total}",
                    *[gr.skip()] * 4,
                )
            else:
                video = preview
        path = self.outbox.mp4(side_by_side(per_frame, video), fps, "flicker")
        fa, fb = flicker_value(per_frame), flicker_value(video)
        real = real_flicker(T)
        readout = "\n\n".join(
            [
                f"**frame by frame** flicker {fa:.4f} (×{fa / real:.2f} real)",
                f"**video model** flicker {fb:.4f} (×{fb / real:.2f} real)",
                f"real clips: {real:.4f} · ratio frame-by-frame / video: ×{fa / max(fb, 1e-8):.2f}",
                f"**teleporting** (the digit jumps > {JUMP_PX:.0f} px between frames; real clips: "
                f"never): frame by frame {teleportation_rate(per_frame):.0%} of steps · video model "
                f"{teleportation_rate(video):.0%}",
                f"left: {self.m.image_label}",
                detector_text(self.m.detector, video, prompt).replace(
                    "detector reads", "video model: detector reads"
                ),
                f"{T} frames · {knobs['steps']} steps each · {time.perf_counter() - start:.1f} s",
            ]
        )
        both = torch.cat([per_frame[0], video[0]], dim=0)  # [2T, 1, H, W]
        yield (
            self.outbox.png(preview_grid(both, cols=T)),
            "done",
            path,
            str(knobs["seed"]),
            readout,
            flicker_plot(flicker_table({"frame by frame": per_frame, "video model": video})),
        )

    def sketch_to_image(self, sketch):
        """A drawing -> a PNG file the image input shows (what 'Generate' will animate)."""
        layer = sketch.get("composite") if isinstance(sketch, dict) else sketch
        if layer is None:
            return None
        try:
            frame = inputs.frame(layer, "drawing")
        except ValueError:  # nothing drawn yet, or the canvas was cleared: nothing to animate
            return None
        path = self.outbox.folder / f"drawing-{time.time_ns()}.png"
        Image.fromarray((frame.pixels[0] * 255).round().byte().numpy(), "L").save(path)
        return str(path)
