# %% [markdown]
# # 00 · Welcome to tinyvid
#
# **Goal:** know what this course teaches, how to move around it, and how its graded
# exercises work, by doing a first one. About 10 minutes; runs in seconds on any laptop.
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
import torch

from exercises import check
from tinyvid.data import moving_mnist
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
# Stuck for good? `check.solution("name")` tells you how to see the reference solution;
# peeking is your choice, never an accident. Later cells of a lesson never use your answer,
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
# ## Recap
#
# - A batch of videos is `[B, T, C, H, W]`; time is axis 1.
# - Exercises: complete the function, run the check, read ✅ / ❌ + hint / ⏳.
#   `check.solution("name", confirm=True)` shows a reference when you decide to look.
# - Next: lesson 01, video tensors, where you build Moving MNIST yourself
#   (the library's version is `tinyvid.data.moving_mnist`).
