# %% [markdown]
# # 00 · Welcome to tinyvid, and why video is hard
#
# **Goal:** know what this course teaches, how to move around it and how its graded exercises
# work (part 1); then see, by computing it, why generating video is so much harder than
# generating images: pixels, bytes and attention cost of real videos (part 2, after the seed's
# "Where & Why" section). About 30 minutes; runs in under a minute on a laptop.
#
# ## What this course is
#
# Generative video models (Sora, Stable Video Diffusion, Veo, ...) are, at heart, image
# diffusion models that learned to care about time. A diffusion model is trained to remove a
# little noise from a noisy sample; to generate, you start from pure noise and denoise step by
# step until a clean sample remains. For video the sample is not one frame but a stack of
# frames, and the hard part is that the frames must agree with each other: the same digit in
# every frame, moving smoothly, no flicker. Doing that without the cost exploding with the
# number of frames is what the tricks of the field are about: working in a compressed latent
# space, attention split into space and time, temporal layers slipped into an image network,
# spacetime patches for transformers.
#
# You will see every one of those ideas as code you can run and change, on **tinyvid**: a
# video diffusion model for Moving MNIST (handwritten digits gliding and bouncing around a
# 64×64 frame) that is small enough to train and sample on a laptop CPU.
#
# | lesson | topic |
# |---|---|
# | 00 | welcome, and why video is hard (pixels, bytes and attention cost of real videos) |
# | 01 | video tensors: `[B, T, C, H, W]`, latents, Moving MNIST from scratch, einops layouts |
# | 02 | the flicker problem: an image model frame by frame vs a video model |
# | 03 | factorized space-time attention |
# | 04 | 3D and (2+1)D convolutions, temporal layers in a U-Net |
# | 05 | losses: video diffusion and flow matching |
# | 06 | generation modes: text-to-video, image-to-video, extension, interpolation |
# | 07 | DiT and spacetime patches, the state of the art at toy scale |
# | 08 | evaluation: FVD and friends |
# | 09–11 | capstones: inflate a pretrained image model; image-to-video; interpolation vs optical flow |

# %% [markdown]
# ## Finding your way
#
# - **Run a cell** with Shift+Enter. Run the whole lesson top to bottom with
#   *Run → Run All Cells*; if things get confusing, *Kernel → Restart Kernel and Run All*.
#   Every lesson runs as shipped: cells that wait for your answer say ⏳ instead of failing.
# - **From a terminal** in the project folder: `make lab` opens this course in JupyterLab,
#   `make test` runs the project's tests.
# - **The `tinyvid` library** holds the production version of everything the lessons build:
#   `tinyvid.data` (Moving MNIST), `tinyvid.viz` (showing videos), `tinyvid.nn` (attention,
#   convolutions, U-Net, DiT), `tinyvid.diffusion` (noise schedules, losses, samplers).
#   Lessons build one piece by hand, then show that it agrees with the library's.
# - **Edit the lessons' source**, not only the notebook, if you contribute: each notebook in
#   `notebooks/` is paired with a plain Python file in `lessons_src/`.

# %% [markdown]
# ## Set-up
# Every lesson starts like this: imports, a fixed seed, nothing else.

# %%
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from IPython.display import HTML, display

import tinyvid
from exercises import check
from tinyvid.data import moving_mnist
from tinyvid.nn.attention import FullSpaceTimeAttention
from tinyvid.nn.measure import count_flops
from tinyvid.viz import frame_grid, show_video

torch.manual_seed(0);

# %% [markdown]
# ## A video is a five-axis tensor
#
# Throughout the course a batch of videos is a tensor of shape `[B, T, C, H, W]`:
# batch, time (frames), channels, height, width. Here is one Moving MNIST video.

# %%
video, labels, captions = moving_mnist(1, seed=0, num_frames=16)
print("shape [B, T, C, H, W]:", tuple(video.shape), "| caption:", captions[0])
show_video(video, title=captions[0])

# %% [markdown]
# The same video as a strip of frames, time running left to right (every other frame):

# %%
frame_grid(video, titles=[captions[0]], every=2, suptitle="one video, 8 of its 16 frames");

# %% [markdown]
# ## How exercises work
#
# Each exercise is a function for you to complete: its signature, the shapes in its docstring,
# and a body that says `raise NotImplementedError`. The cell right after it runs a **check**
# that calls your function on several cases (random shapes, and edge cases such as one frame,
# a batch of one, odd sizes) and compares it with a reference solution. A check answers in one
# of three ways:
#
# - ⏳ **not attempted**: the function still raises `NotImplementedError`. Nothing is wrong;
#   the rest of the lesson runs anyway.
# - ❌ **failed**: the first case that went wrong, with the input shapes, what was expected
#   and what you returned, and a hint. Run the check again after another failed try and the
#   hints get more specific. If your code raised, you see its traceback, trimmed to your code.
#   An endless loop is stopped after a few seconds, and changing an input in place counts as a
#   mistake.
# - ✅ **passed**: and what was checked.
#
# Stuck for good? After the hints run out, a check points you to
# `check.solution("name", confirm=True)`, which shows the reference solution. Nothing prints
# it unless you ask: peeking is your choice, never an accident. Later cells of a lesson never use your answer,
# so skipping an exercise does not break anything after it.

# %% [markdown]
# ### A worked example, in its three states
#
# *How many numbers does a video hold?* A video `[B, T, C, H, W]` holds B·T·C·H·W values;
# that count drives memory and compute, and lesson 00's next part builds on it.
# (This example is shown, not graded.) As shipped, the function is a stub:

# %%
def count_values(video: torch.Tensor) -> int:
    """The number of values in a video [B, T, C, H, W], as a Python int."""
    raise NotImplementedError


check.count_values(count_values)

# %% [markdown]
# A first try: "frames times pixels". The check finds the first case where that goes
# wrong, and even recognises the mistake.

# %%
def count_values(video: torch.Tensor) -> int:
    """The number of values in a video [B, T, C, H, W], as a Python int."""
    B, T, C, H, W = video.shape
    return T * H * W


check.count_values(count_values)

# %% [markdown]
# Every axis counts, batch and channels included:

# %%
def count_values(video: torch.Tensor) -> int:
    """The number of values in a video [B, T, C, H, W], as a Python int."""
    B, T, C, H, W = video.shape
    return B * T * C * H * W


check.count_values(count_values)

# %% [markdown]
# ## Your turn: play a video backwards
#
# Difficulty ★, about 3 minutes. Complete `reverse_time` so that frame `t` of the result is
# frame `T - 1 - t` of the input, for every video in the batch. Return a new tensor and leave
# the input as it is. Then run the check cell below it.
#
# The line `# EXERCISE: reverse_time` marks the cell for the grader; keep it as the first line.

# %%
# EXERCISE: reverse_time
def reverse_time(video: torch.Tensor) -> torch.Tensor:
    """Play videos backwards.

    Args:
        video: [B, T, C, H, W]
    Returns:
        [B, T, C, H, W], frame t of the result is frame T - 1 - t of `video` (same dtype).
    """
    raise NotImplementedError


# %%
check.reverse_time(reverse_time)

# %% [markdown]
# When it passes, watch your function at work: `show_video(reverse_time(video))` should show
# the digit retracing its path.
#
# ## Grading from the command line
#
# An instructor (or you) can grade a notebook without opening it. The grader runs a copy in a
# fresh kernel, so it never changes your file, and prints a score table:
#
# ```
# python -m exercises grade notebooks/00_welcome.ipynb      # add --json for a machine-readable report
# python -m exercises status                                # progress over all lessons (save first)
# ```
#
#
# ---
#
# # Part 2 · Why video is hard
#
# The seed opens with two tables: where video generation is used, and why it is hard. In this
# part we turn both into things you can run: a glimpse of what the course's model does, a
# video whose frames are each fine but disagree with each other, and the arithmetic of how
# much a real video costs to store and to attend over.
#
# ## Where video generation is used, in four modes
#
# The applications the seed lists (film pre-visualisation, social-media clips, game
# cinematics, product animation, explanatory videos, music videos, simulated data for
# robots) come down to a handful of things a model is asked to do. tinyvid's one model does
# all four at toy scale (lesson 06):
#
# | what is asked | for example | in tinyvid |
# |---|---|---|
# | **text → video** | pre-visualisation, social clips, music videos | `"a 7 moving up-left"` → 16 frames |
# | **image → video** (animate a still) | product animations (the seed names SVD) | a still digit starts moving |
# | **extension** (continue a clip) | longer scenes, world models predicting what comes next | more frames after the last one |
# | **interpolation** (fill in between) | smooth slow motion, in-betweening | frames between a first and a last |
#
# ## A teaser: the course's model at work
#
# The cell below asks `tinyvid` for its shipped text-to-video pipeline (the trained weights
# live in `tinyvid/weights/`) and generates one clip on the CPU.

# %%
prompt = "a 7 moving up-left"
pipe = tinyvid.load_pipeline(device="cpu")
teaser = pipe.text_to_video(prompt, num_frames=16, steps=25, seed=0)  # [1, 16, 1, 64, 64]
show_video(teaser, scale=2, title=f"generated by the shipped model: '{prompt}'")

# %% [markdown]
# ## The seed's challenges, made concrete
#
# The seed's table names five reasons video is hard. Each gets its own lesson here:
#
# | challenge (seed) | what it means here | where we meet it |
# |---|---|---|
# | temporal coherence | the same digit, with the same shape, in every frame | lesson 02 (flicker, identity drift) |
# | motion consistency | it moves smoothly and bounces off the walls, never jumps | lessons 01 (motion from scratch), 02 (teleportation) |
# | compute cost | T frames cost more than T images once frames talk to each other | below, then lessons 03, 04, 07 |
# | long-range dependencies | frame 16 must still agree with frame 1 | lessons 03 (temporal attention), 06 (extension) |
# | training data | good videos with good captions are scarce | Moving MNIST makes them for free (lesson 01) |
#
# Temporal coherence is the one to keep in mind: a video whose every frame is a perfect frame
# of the prompt can still be a bad video, if the frames do not agree with each other (a digit
# that changes its handwriting and jumps around from frame to frame). Lesson 02 builds such a
# video out of real frames, and measures what goes wrong.
#
# ## What a video costs: check the headline number
#
# The seed's headline: a 10-second 1080p video at 30 fps holds **324 million pixels**, against
# about 2 million for a single image, **a 162× increase**. That is the kind of number that
# gets copied from slide to slide, so let's do what we should do with every number we are
# about to build on: compute it.

# %%
seconds, fps, height, width = 10, 30, 1080, 1920
frames = seconds * fps
frame_pixels = height * width
video_pixels = frames * frame_pixels
print(f"frames        {frames}")
print(f"one frame     {frame_pixels:,} pixels  ({frame_pixels / 1e6:.2f} M)")
print(f"whole video   {video_pixels:,} pixels  ({video_pixels / 1e6:.0f} M)")
print(f"video / frame {video_pixels / frame_pixels:.0f}×")
print(f"the seed's numbers: 324 M pixels = {324e6 / frame_pixels:.0f} frames of 1080p; "
      f"324 M / 300 frames = {324e6 / frames / 1e6:.2f} M pixels per frame")

# %% [markdown]
# So the video holds about **622 M pixels, 300× a single frame**: the seed's conclusion (video
# is two orders of magnitude more data) stands, but both of its numbers are off by about 2×.
# We can't know how they arose; one guess that fits is taking a 1080p frame as about
# 1.08 M pixels (1080 × 1000) and then dividing by the 2 M of a real frame.
#
# The habit worth keeping is the cross-check, not the blame: *a video is its frames, so
# "video ÷ one frame" must equal the number of frames*. 10 s × 30 fps is 300 frames, so any
# ratio other than 300 tells you something went wrong before you do any multiplication at
# all. Checks like this (a ratio that must be a count, a size that must divide evenly, a
# shape that must come back) catch most slips in papers, docs and our own code.
# And pixels are not yet values: in RGB each pixel is 3 numbers.
#
# ### Bytes
#
# Memory is values × bytes per value: 4 for `float32`, 2 for `float16`/`bfloat16`, 1 for
# `uint8` (how videos are stored on disk before compression). Here are some real sizes,
# with lengths taken from the seed's model table (Sora about 60 s, Kling up to about 5
# minutes) and our own Moving MNIST for scale:

# %%
sizes = {  # name: (frames, channels, height, width)
    "tinyvid: 16 frames 64×64 grey": (16, 1, 64, 64),
    "5 s of 480p at 24 fps": (5 * 24, 3, 480, 854),
    "10 s of 1080p at 30 fps (seed)": (10 * 30, 3, 1080, 1920),
    "60 s of 1080p at 30 fps": (60 * 30, 3, 1080, 1920),
    "5 min of 1080p at 30 fps": (300 * 30, 3, 1080, 1920),
}
def readable(num_bytes: float) -> str:
    return f"{num_bytes / 1e6:,.2f} MB" if num_bytes < 1e9 else f"{num_bytes / 1e9:,.1f} GB"


print(f"{'video':32s} {'values':>14s} {'uint8':>10s} {'float16':>10s} {'float32':>10s}")
for name, (T, C, H, W) in sizes.items():
    n = T * C * H * W
    print(f"{name:32s} {n:14,d}" + "".join(f" {readable(n * b):>10s}" for b in (1, 2, 4)))

# %% [markdown]
# A minute of 1080p in `float32` is 45 GB before any network touches it: more than most GPUs
# hold. That is the first reason video models work in a compressed **latent space**
# (lesson 01 computes how much smaller): an autoencoder shrinks each frame before the
# diffusion model ever sees it.
#
# ### Attention cost
#
# Memory grows with the number of frames; compute can grow faster. In a transformer every
# token attends to every other token. If each pixel of each frame is a token there are
# $N = T \cdot H \cdot W$ tokens, and one attention layer of width $d$ costs
#
# $$\text{FLOPs} = \underbrace{2N^2d}_{\text{scores } QK^\top} + \underbrace{2N^2d}_{\text{weighted sum of } V} = 4N^2d,$$
#
# counting a multiply-add as two floating-point operations. That is the attention *core*; a
# layer also has linear layers, which make $Q$, $K$ and $V$ from the tokens and mix the heads'
# results back (the output projection). Their cost is only linear in $N$: you count it in
# exercise 3, and check your count against PyTorch's own FLOP counter. Doubling the length of
# a video doubles its pixels and **quadruples** its attention cost.
#
# Real models do not use pixels as tokens. Latent video models encode each
# frame with an autoencoder that divides height and width by 8 (the seed's example: 512×512
# pixels become a 64×64 latent), and transformers such as DiT and Sora group the latent into
# patches (2×2 here), so one token stands for 8·8·2·2 = 256 pixels and attention costs
# 256² = 65,536× less. Even so, here is how the numbers grow (30 fps, width 1024 for
# illustration):

# %%
resolutions = {"360p": (360, 640), "720p": (720, 1280), "1080p": (1080, 1920), "4K": (2160, 3840)}
durations = torch.logspace(0, math.log10(300), 40)  # 1 s to 5 min
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
for name, (h, w) in resolutions.items():
    T_ = durations * 30  # frames at 30 fps
    tokens = T_ * (h // 16) * (w // 16)  # 8× latent, then 2×2 patches
    axes[0].plot(durations, T_ * h * w, label=name)
    axes[1].plot(durations, T_ * 3 * h * w * 2 / 1e9, label=name)
    axes[2].plot(durations, 4 * tokens**2 * 1024, label=name)
axes[2].axhline(1e15 * 86400, color="k", ls="--", lw=1)
axes[2].text(1.1, 1e15 * 86400 * 1.6, "one day at 10¹⁵ FLOP/s", fontsize=8)
titles = ["pixels", "memory of the RGB video in float16", "FLOPs of ONE full attention core"]
ylabels = ["pixels", "GB", "FLOPs (latent /8, 2×2 patches, d=1024)"]
for ax, t, yl in zip(axes, titles, ylabels):
    ax.set(xscale="log", yscale="log", xlabel="video length (s) at 30 fps", ylabel=yl, title=t)
    ax.grid(True, which="major", alpha=0.3)
axes[0].legend(title="resolution")
fig.suptitle("Pixels and memory grow linearly with length (slope 1 on log-log), "
             "full attention quadratically (slope 2)", fontsize=10)
fig.tight_layout()

# %% [markdown]
# On log-log axes a straight line of slope 1 means "twice as long, twice as much" and slope 2
# means "twice as long, four times as much". The right panel is why video models **factorize**
# attention into a spatial part (within each frame) and a temporal part (across frames):
# lesson 03 builds it and measures the saving. Going from 720p to 1080p multiplies pixels by
# 2.25 and attention by 2.25² ≈ 5: resolution hurts the same way.
#
# ## Play with it: what does a clip cost?
#
# Move the sliders: length, frame rate and resolution. The table shows frames, pixels,
# memory, and the FLOPs of one full-attention layer's core for pixel tokens and for latent
# patch tokens (width 1024), with how long that would take at 10¹⁵ FLOP/s (a round number
# of the order of one large datacenter GPU; the time is a lower bound). Below is its starting
# state, 10 s of 1080p at 30 fps; the live controls follow when you run the notebook.

# %%
def clip_cost(seconds: int, fps: int, resolution: str) -> str:
    """An HTML table of what a clip costs (the formulas of this section)."""
    h, w = resolutions[resolution]
    T_ = seconds * fps
    pixels = T_ * h * w
    rows = [("frames", f"{T_:,}"), ("pixels", f"{pixels:,}  ({pixels / 1e6:,.0f} M)"),
            ("RGB float32 / float16", f"{pixels * 3 * 4 / 1e9:,.1f} GB / {pixels * 3 * 2 / 1e9:,.1f} GB")]
    for label, per_token in [("pixel tokens", 1), ("latent 2×2-patch tokens", 256)]:
        n = pixels // per_token
        flops = 4 * n**2 * 1024
        secs = flops / 1e15
        when = f"{secs:,.1f} s" if secs < 3600 else f"{secs / 86400:,.1f} days"
        rows.append((f"attention core, {label}", f"{n:,} tokens → {flops:.2e} FLOPs ≈ {when}"))
    body = "".join(f"<tr><td style='text-align:left'>{a}</td><td style='text-align:left'>{b}</td></tr>"
                   for a, b in rows)
    return f"<b>{seconds} s of {resolution} at {fps} fps</b><table>{body}</table>"


display(HTML(clip_cost(10, 30, "1080p")))

# %%
seconds_slider = widgets.IntSlider(10, min=1, max=300, description="seconds")
fps_choice = widgets.Dropdown(options=[8, 24, 30, 60], value=30, description="fps")
res_choice = widgets.Dropdown(options=list(resolutions), value="1080p", description="resolution")
cost_view = widgets.HTML(clip_cost(10, 30, "1080p"))


def update_cost(_change=None):
    cost_view.value = clip_cost(seconds_slider.value, fps_choice.value, res_choice.value)


for control in (seconds_slider, fps_choice, res_choice):
    control.observe(update_cost, names="value")
widgets.VBox([widgets.HBox([seconds_slider, fps_choice, res_choice]), cost_view])

# %% [markdown]
# Things to try: double the seconds and watch the attention time go ×4; switch 1080p to 4K
# (×4 pixels, ×16 attention); set 1 s at 8 fps of 360p and notice that even a tiny clip is
# out of reach with pixel tokens.
#
# ## Exercises: the cost of a video
#
# Three small functions, the arithmetic of this part. Return Python `int`s (exact, no
# rounding): the checks compare exactly, on real sizes and on edge cases (one frame, one
# token, odd sizes).
#
# **Exercise 1: pixel count.** Difficulty ★, about 3 minutes.

# %%
# EXERCISE: pixel_count
def pixel_count(seconds: int, fps: int, height: int, width: int) -> int:
    """How many pixels (positions, not colour values) a clip holds.

    Args:
        seconds: length of the clip, whole seconds (≥ 1).
        fps: frames per second (≥ 1).
        height, width: frame size in pixels.
    Returns:
        the number of pixels over all frames, as a Python int.
    """
    raise NotImplementedError


# %%
check.pixel_count(pixel_count)

# %% [markdown]
# **Exercise 2: bytes of a tensor.** Difficulty ★, about 4 minutes. How much memory does a
# tensor of this shape and dtype need (just its values, no overhead)?

# %%
# EXERCISE: video_bytes
def video_bytes(shape: tuple[int, ...], dtype: torch.dtype) -> int:
    """Bytes needed by the values of a tensor.

    Args:
        shape: e.g. (B, T, C, H, W) = (1, 300, 3, 1080, 1920).
        dtype: torch.float32, torch.float16, torch.bfloat16, torch.uint8, ...
    Returns:
        number of values × bytes per value, as a Python int.
    """
    raise NotImplementedError


# %%
check.video_bytes(video_bytes)

# %% [markdown]
# **Exercise 3: the FLOPs of a whole attention layer.** Difficulty ★★, about 6 minutes.
# Every one of the T·H·W tokens attends to every other one. Count the FLOPs of one full
# attention layer of width `dim`: the attention core of the formula above, plus the linear
# layers (dim → dim each) that make Q, K and V and the output projection. A multiply-add
# counts 2; biases, the softmax and the scaling are not counted (PyTorch's counter leaves
# them out too).

# %%
# EXERCISE: full_attention_flops
def full_attention_flops(T: int, H: int, W: int, dim: int) -> int:
    """FLOPs of one full space-time attention layer over one video's tokens.

    Args:
        T, H, W: frames and tokens per row/column of a frame (N = T·H·W tokens).
        dim: width of each token, and of the attention layer.
    Returns:
        the FLOPs of the linear layers and the attention core together, as a Python int.
    """
    raise NotImplementedError


# %%
check.full_attention_flops(full_attention_flops)

# %% [markdown]
# Once your count passes, compare the two terms with what PyTorch's FLOP counter measures
# on a real attention layer from `tinyvid.nn` (it has exactly these linear layers):

# %%
T, H, W, d = 4, 8, 8, 32
block = FullSpaceTimeAttention(d, heads=4)
measured = count_flops(block, torch.randn(1, T, d, H, W))
N = T * H * W
print(f"measured by torch's FLOP counter:      {measured:,}")
print(f"core 4·N²·d + linear 4 × 2·N·d², N = {N}: {4 * N**2 * d + 4 * 2 * N * d**2:,}")
print(f"of which Q, K, V: 6·N·d² = {6 * N * d**2:,}; output projection: 2·N·d² = {2 * N * d**2:,}")

# %% [markdown]
# ## Recap
#
# - A batch of videos is `[B, T, C, H, W]` (time is axis 1), and exercises work in one loop:
#   complete the function, run the check, read ✅ / ❌ + hint / ⏳.
# - Video is expensive: pixels and bytes grow with length × resolution, full attention with
#   its square (10 s of 1080p: 622 M pixels, 7.5 GB in float32). Latents, patches and
#   factorized attention are the field's answers, and the rest of the course builds each.
# - Check numbers before building on them: a video ÷ one of its frames must be the frame
#   count (300×, not 162×); a FLOP count must match a counter.
#
# **Next:** lesson 01, video tensors, where you build Moving MNIST from scratch and learn the
# layouts that video networks shuffle between (the library's version is
# `tinyvid.data.moving_mnist`; the cost counter used above is `tinyvid.nn.measure`).
