# %% [markdown]
# # 02 · The flicker problem
#
# **Goal:** see, and measure, what goes wrong when a video is made one frame at a time by an
# image model: flicker, teleportation, identity drift and broken physics. You will build a
# "video" out of perfect frames that is still a bad video, run the shipped per-frame image
# model, and write the four measurements yourself. Follows the seed's section "The Temporal
# Consistency Problem". About 40 minutes; runs in well under a minute on a laptop CPU; uses
# the shipped per-frame image model, the shipped video model and the shipped detector.
#
# ## Set-up

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.ticker import MaxNLocator

from exercises import check
from tinyvid import load_pipeline
from tinyvid.data import moving_mnist
from tinyvid.metrics import temporal
from tinyvid.metrics.detector import default_detector
from tinyvid.viz import compare, frame_grid

torch.manual_seed(0)
detector = default_detector()  # reads digits back from videos and from single frames (CPU)
T = 16  # frames per video

# %% [markdown]
# ## The idea: a video is one sample, not T samples
#
# An image diffusion model trained on frames learns `p(frame | prompt)`: what *a* frame of
# "a 7 moving up-left" looks like. Run it once per frame, each time with fresh noise, and you
# get T independent draws from that distribution:
#
# ```
#   frame-by-frame:  x_1, x_2, ..., x_T  drawn independently from p(x | prompt)
#   what we want:    (x_1, x_2, ..., x_T) drawn jointly from p(x_1, ..., x_T | prompt)
# ```
#
# Every single frame can be a perfectly good answer and the sequence still be wrong, because
# nothing ties frame t to frame t − 1. Which 7 (whose handwriting)? Where on the canvas? The
# model re-decides all of it at every frame. The seed lists what you see as a result, and
# each has a number we can compute from the pixels:
#
# | symptom | what you see | how we measure it (`tinyvid.metrics.temporal`) |
# |---|---|---|
# | **flicker** | pixels change between frames that should be still | temporal total variation: mean $\lvert x_t - x_{t-1} \rvert$ (`flicker`) |
# | **teleportation** | the digit vanishes here and reappears there | share of frame steps where the centre of mass jumps > 8 px (`teleportation_rate`) |
# | **identity drift** | the 7 turns into a 1, then a 4 | share of frames whose digit (read by the detector) differs from the video's majority digit |
# | **physics violations** | motion that is not a straight line with bounces | mean acceleration of the centre of mass (`smoothness`) |
#
# Real Moving MNIST sets the scale: its digits move (so flicker is not 0), 3 px per frame
# along their direction, diagonals included (positions are whole pixels, so single steps
# come out a little uneven; the largest real step is printed in the table at the end), far
# below the 8 px of a jump, and keep a constant velocity except at bounces.
# Video diffusion models fix this by denoising all frames *together*, with layers that look
# across time (Ho et al. 2022, "Video Diffusion Models"; Blattmann et al. 2023, "Align your
# Latents", who start from an image model exactly like ours and add temporal layers:
# lessons 03 and 04).
#
# ## Build it yourself: perfect frames, broken video
#
# No model is needed to see the problem. Take 16 real videos of the same prompt, "a 7
# moving up-left": same digit, same direction, but each with its own handwritten 7 and its
# own start. Build a new video whose frame t is frame t of real video t. Each frame is a
# genuine Moving MNIST frame of that prompt at that time: an ideal, independently drawn
# per-frame sample. That is the best a frame-by-frame generator could ever do.

# %%
pool, pool_labels, _ = moving_mnist(T, seed=7, digits=7, directions="up-left",
                                    speeds="normal", num_frames=T)  # [16 videos, T, 1, 64, 64]
real7 = pool[:1]  # [1, T, 1, 64, 64]: one real video of the prompt
stitched7 = pool[torch.arange(T), torch.arange(T)][None]  # [1, T, 1, 64, 64]: frame t of video t
frame_grid(torch.cat([real7, stitched7]), every=2,
           titles=["real: one video of 'a 7 moving up-left'",
                   "stitched: frame t taken from real video t (every frame a real 7)"],
           suptitle="Same prompt, same frame times: one real video vs independently drawn frames");

# %%
compare({"real": real7, "stitched from 16 real videos": stitched7}, scale=2)

# %% [markdown]
# Frame by frame the stitched video is flawless. The detector's frame branch (a small CNN
# that reads the digit in one frame, see `tinyvid/metrics/README.md`) is about as sure that
# each stitched frame shows a 7 as it is for the real frames. As a video it is a mess: the 7 changes handwriting
# every frame and hops across the canvas. The flicker heat maps show where pixels change
# between consecutive frames: a thin crescent at the edges of a moving digit for the real
# video, whole digits lighting up for the stitched one.

# %%
with torch.no_grad():
    frame_probs = detector.frame_logits(torch.cat([real7, stitched7])).softmax(-1)  # [2, T, 10]
for name, v, p in [("real", real7, frame_probs[0]), ("stitched", stitched7, frame_probs[1])]:
    print(f"{name:9s} detector's P(7) per frame: mean {p[:, 7].mean():.3f}, lowest {p[:, 7].min():.3f}"
          f" | flicker {temporal.flicker(v).item():.4f}"
          f" | teleportation {temporal.teleportation_rate(v):.0%}"
          f" | acceleration {temporal.smoothness(v).item():.1f} px/frame²")

# %%
def flicker_maps(videos: dict, title: str):
    """Per-pixel change |x_t − x_(t−1)| at every 2nd frame pair, one row per video, one colour
    bar; below, each video's mean change at every frame pair."""
    pairs = list(range(1, T, 2))  # frame pairs (t − 1, t) shown as tiles
    n = len(videos)
    fig = plt.figure(figsize=(1.2 * len(pairs) + 1.0, 1.3 * n + 2.4))
    grid = fig.add_gridspec(n + 1, len(pairs) + 1, height_ratios=[1] * n + [1.5],
                            width_ratios=[1] * len(pairs) + [0.07])
    for r, (name, v) in enumerate(videos.items()):
        diff = (v[0, 1:] - v[0, :-1]).abs().mean(dim=1)  # [T-1, H, W]
        for j, t in enumerate(pairs):
            ax = fig.add_subplot(grid[r, j])
            image = ax.imshow(diff[t - 1], cmap="magma", vmin=0, vmax=1)
            ax.set(xticks=[], yticks=[])
            if r == 0:
                ax.set_title(f"t = {t}", fontsize=9)
            if j == 0:
                ax.set_ylabel(name, fontsize=8)
    fig.colorbar(image, cax=fig.add_subplot(grid[:n, -1]), label=r"$|x_t - x_{t-1}|$ per pixel")
    ax = fig.add_subplot(grid[n, :-1])
    for name, v in videos.items():
        ax.plot(range(1, T), (v[0, 1:] - v[0, :-1]).abs().mean(dim=(1, 2, 3)), "o-", ms=3, label=name)
    ax.set(xticks=range(1, T), xlabel="frame t", ylabel=r"mean $|x_t - x_{t-1}|$", ylim=(0, None))
    ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


flicker_maps({"real": real7, "stitched": stitched7},
             "Where pixels change between frame t − 1 and frame t: 'a 7 moving up-left'");

# %% [markdown]
# The centre of mass of each frame (the intensity-weighted mean position of the ink) turns
# motion into a curve we can plot. The real 7 draws a straight line and bounces off a wall;
# the stitched one zig-zags, and many of its steps are longer than 8 px, a distance a real
# digit never covers in one frame.


# %%
def plot_tracks(videos: dict, title: str):
    """Centre-of-mass tracks on the canvas (left) and step lengths between frames (right)."""
    fig, (ax_xy, ax_jump) = plt.subplots(1, 2, figsize=(10, 3.8))
    for i, (name, v) in enumerate(videos.items()):
        c = temporal.centroid_tracks(v)[0]  # [T, 2] (x, y) pixels
        jumps = temporal.centroid_jumps(v)[0]  # [T-1] pixels
        ax_xy.plot(c[:, 0], c[:, 1], "o-", ms=3, color=f"C{i}", label=name)
        ax_xy.plot(c[0, 0], c[0, 1], "s", ms=7, color=f"C{i}")  # the first frame
        ax_jump.plot(range(1, len(jumps) + 1), jumps, "o-", ms=3, color=f"C{i}", label=name)
    ax_xy.set(xlim=(0, 63), ylim=(63, 0), aspect="equal", xlabel="x (px)", ylabel="y (px, row 0 at the top)",
              title="centre of mass, frame by frame (square: frame 0)")
    ax_jump.axhline(temporal.JUMP_PX, color="k", ls="--", lw=1, label=f"jump threshold ({temporal.JUMP_PX:g} px)")
    ax_jump.set(xlabel="frame t", ylabel=r"$|c_t - c_{t-1}|$ (px)", ylim=(0, None),
                title="how far the centre moved since the previous frame")
    ax_jump.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_jump.legend(fontsize=8)
    ax_xy.legend(fontsize=8, loc="lower right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


plot_tracks({"real": real7, "stitched": stitched7}, "Real motion vs independently drawn frames: 'a 7 moving up-left'");

# %% [markdown]
# **Per-frame quality is not video quality.** Any score that looks at one frame at a time
# (the detector's per-frame confidence above, or per-frame FID in lesson 08) rates the
# stitched video as highly as the real one. Only scores that compare frames with their
# neighbours see the difference.
#
# ## The image model, frame by frame
#
# Now the real thing. `load_pipeline("image")` is tinyvid's per-frame image model: a latent
# U-Net with no layer that looks across frames, so asking it for 16 frames gives 16
# independent images, each from its own noise. It was trained on about 2 million single
# frames (see `tinyvid/weights/RESULTS.md`), and it is also the starting point of the video
# model: lesson 04's inflation copies its weights. Most of its frames show a recognisable
# digit of the prompt, but nothing in it ties one frame to the next; its evaluation measured
# a teleportation rate of 84 %.

# %%
image_pipe = load_pipeline("image")
prompts = ["a 7 moving up-left", "a 3 moving right", "a 0 moving down", "a 4 moving up",
           "a 2 moving left", "a 9 moving down-right", "a 5 moving up-right", "a 6 moving down-left"]
DRAWS = 3  # every prompt sampled 3 times (its own noise each time): 24 videos per model
batch_prompts = prompts * DRAWS  # videos 0-7 are the first draw of each prompt
digits = [int(p.split()[1]) for p in batch_prompts]
directions = [p.split()[-1] for p in batch_prompts]
per_frame = image_pipe.text_to_video(batch_prompts, num_frames=T, seed=0).cpu()  # [24, T, 1, 64, 64]
frame_grid(per_frame[:4], every=2, titles=[f"image model, frame by frame: '{p}'" for p in prompts[:4]],
           suptitle="The per-frame image model: each frame drawn on its own");

# %% [markdown]
# ### Identity drift: which digit is in each frame?
#
# The detector's frame branch reads the digit in every frame on its own
# (`detector.frame_logits(videos)`, `[B, T, 10]`). Each frame votes for its most likely
# digit; the video's digit is the majority vote, and **identity drift** is the share of frames
# that voted for something else. Real videos sit at 0. The colour of each cell below is the
# detector's confidence in its own vote.

# %%
real, real_labels, real_captions = moving_mnist(len(batch_prompts), seed=7, digits=digits,
                                                directions=directions, speeds="normal",
                                                num_frames=T)  # the same prompts: [24, T, 1, 64, 64]
assert real_captions == batch_prompts
with torch.no_grad():
    probs = detector.frame_logits(per_frame[: len(prompts)]).softmax(-1)  # [8, T, 10]: first draws
votes = probs.argmax(-1)  # [8, T]: each frame's digit
majority = votes.mode(dim=1).values  # [8]
drift = (votes != majority[:, None]).float().mean(dim=1)  # [8]

fig, ax = plt.subplots(figsize=(10, 3.6))
confidence = ax.imshow(probs.max(-1).values, cmap="Blues", vmin=0, vmax=1, aspect="auto")
for b in range(len(prompts)):
    for t in range(T):
        ax.text(t, b, str(int(votes[b, t])), ha="center", va="center", fontsize=8,
                color="red" if votes[b, t] != majority[b] else "black")
ax.set(xticks=range(T), yticks=range(len(prompts)), xlabel="frame t",
       yticklabels=[f"'{p}': majority {int(m)}, drift {d:.0%}" for p, m, d in zip(prompts, majority, drift)],
       title="Digit read in each frame of the image model's videos (red: not the majority digit)")
ax.tick_params(labelsize=8)
fig.colorbar(confidence, ax=ax, fraction=0.03, label="detector's confidence in the vote")
fig.tight_layout()

# %% [markdown]
# ## Side by side, on the same prompts
#
# The fix is a video model that denoises all 16 frames together. The cell below runs
# tinyvid's shipped video model (`load_pipeline("default")`: the same U-Net, inflated with
# temporal layers and trained on clips) on the same prompts and the same seed.

# %%
video_model = load_pipeline("default").text_to_video(batch_prompts, num_frames=T, seed=0).cpu()  # [24, T, 1, 64, 64]
shown = [0, 2]  # 'a 7 moving up-left', 'a 0 moving down'
compare({"image model, frame by frame": per_frame[shown], "video model, same prompts": video_model[shown]},
        scale=2)

# %% [markdown]
# Where the pixels change, on 'a 0 moving down': the image model lights up whole digits at
# every frame pair, the video model a thin band where the moving digit's edges are, as the
# real video did.

# %%
flicker_maps({"image model": per_frame[2:3], "video model": video_model[2:3]},
             f"Where pixels change between frame t − 1 and frame t: '{prompts[2]}'");

# %% [markdown]
# The same centre-of-mass picture as for the stitched video, now for the two models on
# 'a 0 moving down': the image model's centre hops around the canvas, the video model's
# draws one path.

# %%
plot_tracks({"image model, frame by frame": per_frame[2:3], "video model": video_model[2:3]},
            f"Centre of mass on '{prompts[2]}': independent frames vs frames denoised together");

# %% [markdown]
# And the numbers, over 24 videos per row: the eight prompts, each drawn three times.
# "Stitched real" builds, for each of them, the perfect-frames video from 16 real videos as
# above. "Digit read" asks the detector's video heads which digit the whole video shows and
# compares it with the prompt (a count of videos). The other numbers are means over the 24
# videos, ± their standard deviation: the spread from video to video, not an error bar on
# the mean (that would be about 5 times smaller, the square root of 24).

# %%
stitched = []
for i, (d, r) in enumerate(zip(digits, directions)):
    pool_i = moving_mnist(T, seed=[20, i], digits=d, directions=r, speeds="normal", num_frames=T)[0]
    stitched.append(pool_i[torch.arange(T), torch.arange(T)])  # [T, 1, 64, 64]: frame t of video t
stitched = torch.stack(stitched)  # [24, T, 1, 64, 64]
rows = {"real Moving MNIST": real, "stitched real frames": stitched, "image model, frame by frame": per_frame,
        "video model": video_model}
target = torch.tensor(digits)
per_video = {}  # row -> measure -> [24] values, one per video
for name, v in rows.items():
    with torch.no_grad():
        votes_v = detector.frame_logits(v).argmax(-1)  # [24, T]
        read_back = detector.predict(v)["digit"] == target  # [24]
    per_video[name] = {
        "flicker": temporal.flicker(v),
        "teleport": (temporal.centroid_jumps(v) > temporal.JUMP_PX).float().mean(dim=1),
        "accel px/f²": temporal.smoothness(v),
        "id drift": (votes_v != votes_v.mode(dim=1).values[:, None]).float().mean(dim=1),
        "digit read": read_back.float(),
    }
measures = list(per_video["real Moving MNIST"])
print(f"{'':28s}" + "".join(f"{m:>17s}" for m in measures))
for name, values in per_video.items():
    cells = [f"{int(v.sum())}/{len(v)} videos" if m == "digit read" else
             f"{v.mean():.0%} ± {v.std():.0%}" if m in ("teleport", "id drift") else
             f"{v.mean():.3f} ± {v.std():.3f}" for m, v in values.items()]
    print(f"{name:28s}" + "".join(f"{c:>17s}" for c in cells))
print(f"\nlargest centre-of-mass step in the real videos: {temporal.centroid_jumps(real).max():.1f} px "
      f"(jump threshold {temporal.JUMP_PX:g} px)")

# %% [markdown]
# The spread, video by video (each dot one video, the bar the mean):

# %%
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
for ax, measure in zip(axes, ["flicker", "teleport", "accel px/f²", "id drift"]):
    for i, (name, values) in enumerate(per_video.items()):
        jitter = torch.linspace(-0.25, 0.25, len(values[measure]))
        ax.plot(i + jitter, values[measure], "o", ms=3, alpha=0.6, color=f"C{i}")
        ax.plot([i - 0.35, i + 0.35], [values[measure].mean()] * 2, color="k", lw=2)
    ax.set(xticks=range(len(per_video)), title=measure, ylim=(0, None))
    ax.set_xticklabels(["real", "stitched", "image\nmodel", "video\nmodel"], fontsize=8)
axes[0].set_ylabel("per video")
fig.suptitle("24 videos per row: 8 prompts × 3 draws", fontsize=10)
fig.tight_layout()

# %% [markdown]
# How to read it:
#
# - Real videos: no teleportation, no drift, small acceleration (bounces and whole-pixel
#   positions), and a flicker level that is simply what moving digits cost.
# - Stitched real frames: (almost) no drift, since every frame is a real digit of the
#   prompt, and yet flicker well above real, many steps teleporting and an acceleration
#   dozens of times real. Independence alone does that, and reading the digit does not
#   catch it: the detector's video heads, which look at motion too, read the prompt's digit
#   in the stitched videos about as often as in the real ones (the "digit read" column).
# - The image model adds drift on top: its frames do not always agree on the digit, so
#   the video-level reading misses the prompt more often than for real or stitched videos,
#   and its digits jump from place to place.
# - The video model, the same network plus temporal layers, all but stops the teleporting,
#   brings the acceleration close to real and its flicker to the real level or below (see the
#   next point). It is not perfect: some of its frames still read as another digit (the
#   "id drift" column, with a wide spread: most videos hold their digit, a few do not), which
#   is where more training goes.
# - The spread matters: one video can look much better or worse than its row's mean, so a
#   comparison on a handful of videos can mislead. The dots show how far apart the rows are
#   compared with how much they vary inside.
# - Flicker is read beside real videos and beside the other measures, never alone: a frozen
#   video scores 0, and a model whose strokes carry little ink flickers little.
#
# ## Play with it: shared vs independent
#
# Between "one trajectory for all frames" and "every frame on its own" there is a dial. Below,
# each frame places the same 5 at `(1 − α) · (its real trajectory) + α · (its own random
# position)`. At α = 0 it is a real video; at α = 1 every frame decides on its own, like the
# image model. Video diffusion models turn the same dial on their *noise*: sharing part of the
# starting noise across frames makes frames agree more (Ge et al. 2023, "Preserve Your Own
# Correlation"). Watch how quickly the numbers leave the real range as α grows. (The slider
# runs live in Jupyter; the figure above it is its starting state.)

# %%
five, five_labels, _ = moving_mnist(1, seed=4, digits=5, directions="right", speeds="normal", num_frames=T)
trajectory = five_labels.positions[0, :, 0]  # [T, 2] top-left corner (x, y) of the digit
x0, y0 = trajectory[0].long().tolist()
glyph = five[0, 0, 0, y0 : y0 + 28, x0 : x0 + 28]  # [28, 28]
own = torch.rand(T, 2, generator=torch.Generator().manual_seed(0)) * (64 - 28)  # [T, 2] one per frame


def mixed_video(alpha: float) -> torch.Tensor:
    """The 5 pasted at (1 − alpha)·trajectory + alpha·own random position: [1, T, 1, 64, 64]."""
    corners = ((1 - alpha) * trajectory + alpha * own).round().long()  # [T, 2]
    video = torch.zeros(1, T, 1, 64, 64)
    for t, (x, y) in enumerate(corners.tolist()):
        video[0, t, 0, y : y + 28, x : x + 28] = glyph
    return video


alphas = torch.linspace(0, 1, 21)
curve = [(temporal.flicker(mixed_video(a)).item(), temporal.teleportation_rate(mixed_video(a))) for a in alphas]


def draw_mixing(alpha: float = 0.3):
    v = mixed_video(alpha)
    fig = plt.figure(figsize=(11, 5.6), dpi=72)  # drawn twice in the notebook (static + slider): kept light
    grid = fig.add_gridspec(2, 8, height_ratios=[1.2, 2.4])
    shown = range(0, T, 2)
    strip = torch.cat([torch.nn.functional.pad(v[0, t, 0], (0, 2), value=1) for t in shown], dim=1)  # [64, 8*66]
    ax = fig.add_subplot(grid[0, :])
    ax.imshow(strip, cmap="gray", vmin=0, vmax=1)
    ax.set(xticks=[66 * j + 32 for j in range(len(shown))], xticklabels=[f"t={t}" for t in shown], yticks=[])
    ax.tick_params(labelsize=8, length=0)
    c = temporal.centroid_tracks(v)[0]  # [T, 2]
    ax = fig.add_subplot(grid[1, :3])
    ax.plot(c[:, 0], c[:, 1], "o-", ms=3)
    ax.plot(c[0, 0], c[0, 1], "s", ms=7, color="C0")
    ax.set(xlim=(0, 63), ylim=(63, 0), aspect="equal", xlabel="x (px)", ylabel="y (px)",
           title="centre of mass track (square: frame 0)")
    ax = fig.add_subplot(grid[1, 4:])
    flicker_line = ax.plot(alphas, [f for f, _ in curve], "o-", ms=3, color="C1", label="flicker (left axis)")
    ax.axhline(temporal.flicker(mixed_video(0.0)).item(), color="C1", ls=":", lw=1)
    ax.axvline(alpha, color="k", lw=1)
    ax.set(xlabel="α (0: shared trajectory, 1: every frame on its own)", ylabel="flicker", ylim=(0, None),
           title="flicker and teleportation vs α (dotted: α = 0)")
    ax2 = ax.twinx()
    tele_line = ax2.plot(alphas, [r for _, r in curve], "s-", ms=3, color="C2", label="teleportation (right axis)")
    ax2.set(ylabel="teleportation rate", ylim=(0, 1.05))
    ax.legend(handles=flicker_line + tele_line, loc="upper left", fontsize=8)
    fig.suptitle(f"α = {alpha:.2f}: flicker {temporal.flicker(v).item():.4f}, "
                 f"teleportation {temporal.teleportation_rate(v):.0%}, every 2nd frame shown", fontsize=10)
    fig.tight_layout()
    return fig


draw_mixing(0.3);

# %%
widgets.interact(draw_mixing, alpha=widgets.FloatSlider(0.3, min=0, max=1, step=0.05, description="α"));

# %% [markdown]
# ## Exercises
#
# Four functions: the measurements this lesson used, written by you. The checks try random
# shapes and the edge cases that break most first tries (one frame, two frames, a batch of
# one, odd sizes, an all-black frame).
#
# **Exercise 1: flicker.** Difficulty ★, about 5 minutes. The temporal total variation of
# each video: the mean of $\lvert x_t - x_{t-1} \rvert$ over all frame pairs, channels and pixels. A
# video with a single frame has nothing to compare and scores 0.

# %%
# EXERCISE: temporal_total_variation
def temporal_total_variation(video: torch.Tensor) -> torch.Tensor:
    """Flicker of each video.

    Args:
        video: [B, T, C, H, W] float.
    Returns:
        [B]: mean |x_t - x_{t-1}| over the T - 1 frame pairs and all C·H·W values;
        0 for a video with T = 1.
    """
    raise NotImplementedError


# %%
check.temporal_total_variation(temporal_total_variation)

# %% [markdown]
# **Exercise 2: centroid track.** Difficulty ★★, about 10 minutes. The intensity-weighted
# centre of mass of every frame, as `(x, y)`: x is the column, y the row (row 0 at the top),
# in pixel indices starting at 0. Average the channels first. **All-black frames:** a frame
# with no ink has no centre of mass (0 / 0); this exercise defines its position as the frame
# centre `((W − 1) / 2, (H − 1) / 2)`, which keeps tracks free of NaN. (The library's
# `temporal.centroid_tracks` does the same and also ignores faint pixels below a background
# level; here every pixel counts.)

# %%
# EXERCISE: centroid_track
def centroid_track(video: torch.Tensor) -> torch.Tensor:
    """Centre of mass of every frame.

    Args:
        video: [B, T, C, H, W] float, values >= 0.
    Returns:
        [B, T, 2] as (x, y) pixels: x = sum(I * column) / sum(I), y = sum(I * row) / sum(I),
        with I the channel mean; ((W - 1) / 2, (H - 1) / 2) for an all-black frame.
    """
    raise NotImplementedError


# %%
check.centroid_track(centroid_track)

# %% [markdown]
# **Exercise 3: jump detector.** Difficulty ★, about 6 minutes. Given tracks, the share of
# frame transitions (pairs t − 1, t) in which the position moved *more than* `threshold`
# pixels, as a straight-line (Euclidean) distance. One frame means no transitions: 0.

# %%
# EXERCISE: jump_fraction
def jump_fraction(tracks: torch.Tensor, threshold: float = 8.0) -> torch.Tensor:
    """Teleportation rate of each video.

    Args:
        tracks: [B, T, 2] positions (x, y) in pixels.
        threshold: a step longer than this (strictly) is a jump.
    Returns:
        [B]: fraction of the T - 1 transitions that are jumps; 0 when T = 1.
    """
    raise NotImplementedError


# %%
check.jump_fraction(jump_fraction)

# %% [markdown]
# **Exercise 4: identity drift.** Difficulty ★★, about 8 minutes. From per-frame class
# probabilities (as the detector's frame branch gives them), the share of frames whose most
# likely digit differs from the video's **majority digit**: the digit most frames vote for.
# (With a tie it does not matter which of the tied digits you pick: the score is the same.)

# %%
# EXERCISE: identity_drift
def identity_drift(probs: torch.Tensor) -> torch.Tensor:
    """Identity drift of each video.

    Args:
        probs: [B, T, 10] class probabilities of each frame.
    Returns:
        [B]: fraction of frames whose argmax is not the video's most common argmax.
    """
    raise NotImplementedError


# %%
check.identity_drift(identity_drift)

# %% [markdown]
# ## Recap
#
# - An image model run frame by frame draws T independent samples; a video needs one joint
#   sample. Nothing ties frame t to frame t − 1, so the digit flickers, teleports, changes
#   identity and ignores physics.
# - Per-frame quality is not video quality: frames stitched from real videos are each
#   perfect and still make a broken video. Only measures that compare neighbouring frames
#   (flicker, jumps, acceleration, drift) see it, and they are read against real videos.
# - Shared structure between frames (one trajectory, or shared noise) is what makes frames
#   agree; a video model learns it with layers that look across time.
#
# **Next:** lesson 03, factorized space-time attention: the layer that lets every frame look
# at the others. The production versions of this lesson's measurements are in
# `tinyvid.metrics.temporal` (`flicker`, `centroid_tracks`, `centroid_jumps`,
# `teleportation_rate`, `smoothness`); the detector is `tinyvid.metrics.detector`.
