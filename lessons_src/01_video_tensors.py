# %% [markdown]
# # 01 · Video tensors
#
# **Goal:** read and reshape video tensors without thinking twice: what each axis of
# `[B, T, C, H, W]` means, how big pixel and latent videos are, how Moving MNIST videos are
# made (you will build one from scratch), and the three layouts video networks shuffle
# between. Follows the seed's "Video as a 3D Tensor" section. About 40 minutes; runs in
# seconds; needs no trained model.
#
# ## Set-up

# %%
import math

import matplotlib.pyplot as plt
import torch
from einops import rearrange
from IPython.display import display
from torch import nn

from exercises import check
from tinyvid.data import load_digit_bank, moving_mnist
from tinyvid.nn.autoencoder import AutoencoderConfig, FrameAutoencoder
from tinyvid.pipelines import WEIGHTS_DIR
from tinyvid.text import DIRECTIONS, caption, parse
from tinyvid.viz import compare, frame_grid, player, show_video

torch.manual_seed(0);

# %% [markdown]
# ## The idea: five axes, each with a job
#
# A batch of videos is one tensor with five axes, always in this order in `tinyvid` (and in
# the seed):
#
# ```
#   [ B,        T,        C,          H,       W ]
#     │         │         │           │        └─ width: columns of a frame
#     │         │         │           └────────── height: rows of a frame (row 0 is the top)
#     │         │         └────────────────────── channels: 3 for RGB, 1 for grey, 4-16 in a latent
#     │         └──────────────────────────────── time: frames, in playing order
#     └────────────────────────────────────────── batch: independent videos
# ```
#
# Indexing one axis at a time gives the pieces you will use all the time:
# `video[b]` is one video `[T, C, H, W]`; `video[:, t]` is frame *t* of every video
# `[B, C, H, W]` (a batch of images); `video[:, :, :, y, x]` is the *pixel track* at one place
# `[B, T, C]`, what temporal layers look at. Here is a batch of three Moving MNIST videos:
# batch runs down the figure, time across.

# %%
videos, labels, captions = moving_mnist(3, seed=3, num_frames=16, num_digits=(1, 2))
B, T, C, H, W = videos.shape
print(f"videos {tuple(videos.shape)} = [B, T, C, H, W], {videos.dtype}, "
      f"values in [{videos.min():.0f}, {videos.max():.0f}]")
print("one video  videos[0]         ", tuple(videos[0].shape))
print("frame 5    videos[:, 5]      ", tuple(videos[:, 5].shape))
print("pixel track videos[..., 32, 32]", tuple(videos[..., 32, 32].shape))
frame_grid(videos, titles=captions, every=2,
           suptitle="a batch [B=3, T=16, C=1, 64, 64]: batch ↓, time → (every 2nd frame)");

# %% [markdown]
# ## Pixels and latents
#
# Video diffusion models rarely denoise pixels. An autoencoder first squeezes each frame into
# a smaller **latent**; the diffusion model works on latents, and the decoder turns its result
# back into pixels (latent diffusion, Rombach et al. 2022; Stable Video Diffusion, Blattmann
# et al. 2023). The seed's example: 16 frames of 512×512 RGB become 16 latents of
# 4 × 64 × 64. Our autoencoder (`tinyvid.nn.autoencoder.FrameAutoencoder`) turns each
# 64×64 grey frame into 8 × 8 × 8. Let's compute what that buys:

# %%
ae_config = AutoencoderConfig.default()
examples = {  # name: (pixel shape, latent shape), both [B, T, C, H, W]
    "seed's example (512×512 RGB)": ((1, 16, 3, 512, 512), (1, 16, 4, 64, 64)),
    "tinyvid (64×64 grey)": ((1, 16, 1, 64, 64), (1, 16, *ae_config.latent_shape)),
}
for name, (pix, lat) in examples.items():
    n_pix, n_lat = math.prod(pix), math.prod(lat)
    tokens_pix, tokens_lat = pix[1] * pix[3] * pix[4], lat[1] * lat[3] * lat[4]
    print(f"{name}\n  pixels {pix} = {n_pix:,} values;  latent {lat} = {n_lat:,} values: "
          f"{n_pix / n_lat:.0f}× fewer\n  positions (attention tokens) {tokens_pix:,} → "
          f"{tokens_lat:,}: full attention {(tokens_pix / tokens_lat) ** 2:,.0f}× cheaper")

# %% [markdown]
# The latent holds fewer numbers, but the big win is in positions: each frame goes from
# 64×64 = 4,096 places to 8×8 = 64, so there are 64× fewer tokens and (lesson 00's formula)
# 64² = 4,096× less full-attention compute. The channel axis grows (1 → 8) to carry what the
# lost resolution held. The autoencoder works **frame by frame**: its `encode_video` merges
# batch and time, encodes the frames as images, and splits them again (one of this lesson's
# exercises does exactly that).

# %%
autoencoder = FrameAutoencoder(ae_config).eval()
weights = WEIGHTS_DIR / "autoencoder.safetensors"  # the shipped frame autoencoder
if weights.is_file():
    from tinyvid.checkpoints import load_model

    autoencoder = load_model(weights)
    status = "trained (shipped weights)"
else:
    status = "untrained: the shipped weights are not in tinyvid/weights/ yet, so only the shapes mean something"
with torch.no_grad():
    latents = autoencoder.encode_video(videos)  # [B, T, 8, 8, 8]
    decoded = autoencoder.decode_video(latents)  # [B, T, 1, 64, 64]
print(f"autoencoder: {status}")
print(f"pixels {tuple(videos.shape)} → latents {tuple(latents.shape)} → pixels {tuple(decoded.shape)}")
if weights.is_file():
    display(compare({"original": videos[:1], "encoded and decoded": decoded[:1]}, scale=2))

# %% [markdown]
# ## Moving MNIST from scratch
#
# Moving MNIST (Srivastava et al. 2015) is the dataset this course generates: a 28×28
# handwritten digit glides across a 64×64 canvas at constant velocity and bounces off the
# edges. Every frame is fully described by one **position** (the digit's top-left corner,
# `(x, y)` in pixels) and one **velocity** (pixels per frame). The corner can go from 0 to
# `limit = 64 − 28 = 36` on each axis, so the digit always stays on the canvas.
#
# Two ways to compute the motion:
#
# - **step by step**: add the velocity; if a coordinate went past a wall, mirror it back
#   inside and reverse that component of the velocity. That is this lesson's first exercise.
# - **in one go**: a bounce is a straight line seen in a mirror. Let the digit fly straight,
#   `p0 + t·v`, through an infinite corridor of mirrored canvases, then fold that line back
#   into `[0, limit]`: take it modulo `2·limit`, and reflect the upper half. No loop over time,
#   which is why the library does it this way (`tinyvid.data`, its `_bounce`).
#
# Here is the fold, for the x coordinate of a digit moving right at 3 px/frame:

# %%
limit = 64 - 28
p0_x, v_x = 20.0, 3.0
t = torch.arange(40, dtype=torch.float64)
straight = p0_x + t * v_x  # the line without walls
folded_mod = torch.remainder(straight, 2 * limit)  # position within one "mirror pair"
folded = torch.where(folded_mod > limit, 2 * limit - folded_mod, folded_mod)  # reflect the upper half

fig, ax = plt.subplots(figsize=(8, 3.2))
ax.axhspan(0, limit, color="tab:blue", alpha=0.08, label="inside the canvas [0, limit]")
ax.plot(t, straight, "--", color="gray", label="straight line p0 + t·v (no walls)")
ax.plot(t, folded, "o-", ms=3, label="folded: the bouncing digit")
for wall in (0, limit):
    ax.axhline(wall, color="k", lw=1)
for k in (2, 3):  # the walls' mirror images: where the straight line "bounces" unfolded
    ax.axhline(k * limit, color="k", lw=0.8, ls=":")
ax.text(39, 2 * limit + 2, "mirror images of the walls (2·limit, 3·limit)", ha="right", fontsize=8)
ax.set(xlabel="frame t", ylabel="x of the top-left corner (px)",
       title="A bounce is a straight line folded back into [0, 36]")
ax.legend(fontsize=8, loc="upper left")
fig.tight_layout()

# %% [markdown]
# Now a whole video. Positions for every frame come from the fold on both axes (directions
# use image coordinates: "up" is towards row 0, so it is −y), then we paste a glyph at the
# rounded position of each frame. The glyphs are real MNIST digits shipped with tinyvid.

# %%
bank = load_digit_bank("train")
glyph = torch.from_numpy(bank.images[bank.labels == 3][0]).float() / 255  # [28, 28] in [0, 1]


def fold(q: torch.Tensor, limit: float) -> torch.Tensor:
    """Straight-line positions folded into [0, limit] (walls as mirrors)."""
    r = torch.remainder(q, 2 * limit)
    return torch.where(r > limit, 2 * limit - r, r)


def render(glyph: torch.Tensor, positions: torch.Tensor, size: int = 64) -> torch.Tensor:
    """One video [1, T, 1, size, size]: the glyph pasted at each frame's (x, y) corner."""
    frames = torch.zeros(len(positions), 1, size, size)  # [T, 1, H, W]
    for t, (x, y) in enumerate(positions.round().long().tolist()):
        frames[t, 0, y : y + 28, x : x + 28] = glyph
    return frames[None]  # [1, T, 1, H, W]


start = torch.tensor([5.0, 20.0], dtype=torch.float64)  # (x, y)
angle = DIRECTIONS.index("up-right") * math.pi / 4  # 45° counter-clockwise from "right"
velocity = 3.0 * torch.tensor([math.cos(angle), -math.sin(angle)], dtype=torch.float64)  # px/frame
frames_t = torch.arange(24, dtype=torch.float64)[:, None]  # [T, 1]
positions = fold(start + frames_t * velocity, limit)  # [T, 2]
ours = render(glyph, positions)  # [1, 24, 1, 64, 64]
print("velocity (x, y) =", [round(v, 3) for v in velocity.tolist()], "px/frame;",
      "video", tuple(ours.shape))
show_video(ours, scale=2, title="our own: a 3 moving up-right")

# %% [markdown]
# ### Does it agree with the library?
#
# A check worth doing whenever you rebuild something: run both on the same inputs and compare
# every pixel. We ask `tinyvid.data.moving_mnist` for a 3 moving right, read its first
# position from the labels and its glyph from its first frame, and render with our functions.

# %%
lib_video, lib_labels, lib_captions = moving_mnist(1, seed=5, digits=3, directions="right",
                                                   speeds="normal", num_frames=16)
x0, y0 = lib_labels.positions[0, 0, 0].long().tolist()  # first frame's top-left corner
lib_glyph = lib_video[0, 0, 0, y0 : y0 + 28, x0 : x0 + 28]  # [28, 28]
lib_velocity = torch.tensor([3.0, 0.0], dtype=torch.float64)  # "right" at normal speed
our_positions = fold(torch.tensor([x0, y0], dtype=torch.float64) + torch.arange(16.0)[:, None] * lib_velocity, limit)
ours_again = render(lib_glyph, our_positions)
print(f"library caption: {lib_captions[0]!r}; x goes {lib_labels.positions[0, :, 0, 0].long().tolist()}")
print("every pixel equal:", torch.equal(ours_again, lib_video))

# %% [markdown]
# Every pixel agrees, bounce included (x runs into the wall at 36 and comes back). For a
# diagonal direction the same comparison can be off by one pixel in some frames: the library
# draws an unrounded start, moves it by 3/√2 ≈ 2.12 px per frame and rounds at the very end,
# while we only see the rounded start. Rounding once, at the end, is the right order; each
# time you round earlier, error creeps in.

# %%
lib_diag, lib_diag_labels, _ = moving_mnist(1, seed=5, digits=3, directions="up-right",
                                            speeds="normal", num_frames=16)
p0 = lib_diag_labels.positions[0, 0, 0].double()
diag_positions = fold(p0 + torch.arange(16.0, dtype=torch.float64)[:, None] * velocity, limit).round()
diff = (diag_positions - lib_diag_labels.positions[0, :, 0].double()).abs()
print(f"up-right: largest position difference {diff.max():.0f} px, "
      f"in {int((diff.max(dim=1).values > 0).sum())} of 16 frames")

# %% [markdown]
# ### Captions
#
# Every video comes with a caption from a tiny grammar (`tinyvid.text`): one digit reads
# `"a 7 moving up-left"` (`" slowly"` added at half speed), two digits read
# `"a 3 and a 5 bouncing"`, and 8 takes "an". The labels hold indices: `directions` indexes
# `DIRECTIONS` (counter-clockwise from "right", 45° apart), `speeds` indexes `("normal", "slow")`.
# `caption` writes a prompt and `parse` reads it back.
#
# A caption must describe what the clip shows. In the original dataset the start is drawn
# anywhere, so a digit that starts next to the wall it is heading for bounces at once and "a 7
# moving up" spends most of the clip moving down. The library draws a single digit's start so
# that it moves as captioned for at least half the clip before its first bounce (`min_run`:
# 8 of the 15 frame steps of a 16-frame clip); after that it bounces as usual. Two digits
# ("bouncing") start anywhere. `labels.captioned_run()` counts, for each video, the frame steps
# that move as captioned, up to the first bounce (15 if it never bounces, −1 for two digits;
# the printout below shows it).

# %%
print("DIRECTIONS:", DIRECTIONS)
for i in range(len(captions)):
    print(f"video {i}: digits {labels.digits[i].tolist()}, directions {labels.directions[i].tolist()}, "
          f"speed {labels.speeds[i].item()}, num_digits {labels.num_digits[i].item()}, "
          f"steps as captioned {labels.captioned_run()[i].item()} → {captions[i]!r}")
print(caption([8], "down-left", "slow"), "→", parse("an 8 moving down-left slowly"))

# %% [markdown]
# ## Play with it: scrub through a video
#
# Drag the slider (or press play) to step through our 3 frame by frame; watch for the frames
# where it meets a wall. The strip below is the same video as a static picture, every third
# frame, so the committed notebook shows it too.

# %%
frame_grid(ours, titles=["our own: a 3 moving up-right"], every=3,
           suptitle="every 3rd frame of our video: it bounces off the top, then the right wall");

# %%
player(ours, scale=3)

# %% [markdown]
# ## Three layouts, one video
#
# Networks are picky about axis order. `tinyvid` keeps `[B, T, C, H, W]` at every public
# boundary, and each module rearranges inside, with `einops`, into what its layer needs:
#
# | layout | who wants it | einops pattern from `b t c h w` |
# |---|---|---|
# | `(b t) c h w` | any 2D image layer (`Conv2d`, the autoencoder, spatial attention): frames as a batch of images | `'b t c h w -> (b t) c h w'` |
# | `b c t h w` | `nn.Conv3d`, which wants channels before the three "spatial" axes | `'b t c h w -> b c t h w'` |
# | `b (t h w) c` | a transformer: one token per place and time, features last | `'b t c h w -> b (t h w) c'` |
#
# Merged axes like `(b t)` are flattened with the **first name varying slowest**: in
# `(b t)`, index `i = b·T + t`, so all frames of video 0 come first, then video 1; in
# `(t h w)`, time changes slowest and width fastest. The picture shows both orders.

# %%
small = videos[:2, :3]  # [2, 3, 1, 64, 64]
as_images = rearrange(small, "b t c h w -> (b t) c h w")  # [6, 1, 64, 64]
fig = plt.figure(figsize=(12, 3.4))
grid = fig.add_gridspec(2, 6, height_ratios=[1.3, 1])
for i in range(len(as_images)):
    ax = fig.add_subplot(grid[0, i])
    ax.imshow(as_images[i, 0], cmap="gray", vmin=0, vmax=1)
    ax.set(xticks=[], yticks=[], title=f"i={i}: b={i // 3}, t={i % 3}")
    ax.title.set_fontsize(9)
fig.text(0.5, 0.97, "'b t c h w -> (b t) c h w' with B=2, T=3: image i of the new batch is frame "
         "t of video b, i = b·T + t", ha="center", fontsize=10)
Tt, Ht, Wt = 2, 2, 3  # a tiny grid so every token fits on the page
coords = torch.stack(torch.meshgrid(torch.arange(Tt), torch.arange(Ht), torch.arange(Wt), indexing="ij"))
tokens = rearrange(coords, "k t h w -> k (t h w)")  # [3, T*H*W]: the (t, h, w) of each token
ax = fig.add_subplot(grid[1, :])
ax.imshow(tokens, cmap="Pastel1", aspect="auto")
for k in range(3):
    for j in range(tokens.shape[1]):
        ax.text(j, k, str(int(tokens[k, j])), ha="center", va="center", fontsize=9)
ax.set(yticks=range(3), yticklabels=["t", "h", "w"], xticks=range(tokens.shape[1]),
       xlabel="token index in 'b (t h w) c'",
       title=f"which (t, h, w) each token comes from, T={Tt}, H={Ht}, W={Wt}: t slowest, w fastest")
ax.title.set_fontsize(10)
fig.tight_layout(rect=(0, 0, 1, 0.95))

# %% [markdown]
# The layouts are not just bookkeeping: a layer applied in one layout computes exactly what
# the "same" layer does in another. A `Conv3d` whose kernel spans one frame (`(1, 3, 3)`) is
# a `Conv2d` applied to every frame. We check it with shared weights:

# %%
conv2d = nn.Conv2d(1, 4, kernel_size=3, padding=1)
conv3d = nn.Conv3d(1, 4, kernel_size=(1, 3, 3), padding=(0, 1, 1))
with torch.no_grad():
    conv3d.weight.copy_(conv2d.weight[:, :, None])  # [4, 1, 1, 3, 3]: a kernel one frame deep
    conv3d.bias.copy_(conv2d.bias)
    per_frame = rearrange(conv2d(rearrange(videos, "b t c h w -> (b t) c h w")),
                          "(b t) c h w -> b t c h w", b=B)  # [B, T, 4, H, W]
    as_volume = rearrange(conv3d(rearrange(videos, "b t c h w -> b c t h w")),
                          "b c t h w -> b t c h w")  # [B, T, 4, H, W]
    tokens_out = rearrange(videos, "b t c h w -> b (t h w) c")  # [B, T*H*W, C]
print("Conv2d per frame == Conv3d (1,3,3):", torch.allclose(per_frame, as_volume, atol=1e-5))
print("tokens for a transformer:", tuple(tokens_out.shape), "= [B, T·H·W, C]")

# %% [markdown]
# Lesson 04 gives the `Conv3d` kernel a time extent larger than 1, and then it mixes frames.
#
# ## Exercises
#
# Four functions, each a piece of this lesson. The checks try random shapes and the edge
# cases that break most first tries (one frame, a batch of one, odd sizes, a digit exactly on
# a wall).
#
# **Exercise 1: one step of bouncing motion.** Difficulty ★★, about 8 minutes. Move every
# digit by its velocity. A coordinate that ends up *past* a wall (below 0 or above `limit`)
# is mirrored back inside and that component of its velocity flips sign; a coordinate that
# lands *exactly* on a wall does not bounce yet (it will on the next step, and the positions
# come out the same as the fold's). Each axis bounces on its own. You may assume
# `|vel| ≤ limit`, so one reflection per step is enough.

# %%
# EXERCISE: bounce_step
def bounce_step(
    pos: torch.Tensor, vel: torch.Tensor, limit: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """One frame of motion inside [0, limit] on every axis.

    Args:
        pos: [..., 2] positions (x, y), each in [0, limit].
        vel: [..., 2] velocities in pixels per frame, same shape.
        limit: where the far wall is (64 - 28 = 36 for Moving MNIST).
    Returns:
        (new_pos, new_vel), both shaped like pos. Don't change the inputs.
    """
    raise NotImplementedError


# %%
check.bounce_step(bounce_step)

# %% [markdown]
# **Exercise 2: an image function on every frame.** Difficulty ★, about 5 minutes. `fn`
# takes a batch of images `[N, C, H, W]` and may change C, H and W (like an encoder). Call it
# **once**, on all B·T frames as one batch ordered `(b t)` (frame *t* of video *b* at index
# `b·T + t`), and give back a video.

# %%
# EXERCISE: apply_per_frame
def apply_per_frame(fn, video: torch.Tensor) -> torch.Tensor:
    """Run an image function frame by frame.

    Args:
        fn: [N, C, H, W] -> [N, C', H', W'].
        video: [B, T, C, H, W]
    Returns:
        [B, T, C', H', W']: frame t of video b is fn's output for that frame.
    """
    raise NotImplementedError


# %%
check.apply_per_frame(apply_per_frame)

# %% [markdown]
# **Exercise 3: a temporal crop.** Difficulty ★, about 5 minutes. Training code often takes
# a clip out of a longer video, or every k-th frame (a lower frame rate). Return the frames
# `start, start + stride, start + 2·stride, ...`, `length` of them. You may assume they all
# exist: `start + (length − 1)·stride < T`.

# %%
# EXERCISE: temporal_crop
def temporal_crop(video: torch.Tensor, start: int, length: int, stride: int = 1) -> torch.Tensor:
    """A clip of `length` frames, taking every `stride`-th frame from `start`.

    Args:
        video: [B, T, C, H, W]
        start: index of the first frame kept.
        length: number of frames kept (≥ 1).
        stride: step between kept frames (≥ 1).
    Returns:
        [B, length, C, H, W]
    """
    raise NotImplementedError


# %%
check.temporal_crop(temporal_crop)

# %% [markdown]
# **Exercise 4: captions from labels.** Difficulty ★★, about 8 minutes. Write the caption of
# every video of a batch from its `VideoLabels`, in the grammar above. Build the strings
# yourself (`tinyvid.text.caption` is the library's version, and the check compares with it).

# %%
# EXERCISE: make_captions
def make_captions(labels) -> list[str]:
    """Captions of a batch of Moving MNIST videos.

    Args:
        labels: VideoLabels with digits [B, 2] (-1 where there is no second digit),
            directions [B, 2] (index into DIRECTIONS), speeds [B] (0 normal, 1 slow),
            num_digits [B] (1 or 2).
    Returns:
        B strings: "a 7 moving up-left", "an 8 moving right slowly", "a 3 and a 5 bouncing".
    """
    raise NotImplementedError


# %%
check.make_captions(make_captions)

# %% [markdown]
# ## Recap
#
# - A video batch is `[B, T, C, H, W]`; `video[:, t]` is a batch of images, `video[..., y, x]`
#   a batch of pixel tracks. Latents shrink H and W (64×64 → 8×8 here, 512×512 → 64×64 in the
#   seed) and grow C; fewer positions is where the compute goes down.
# - Moving MNIST is a position and a velocity per digit; a bounce mirrors the position and
#   flips one component of the velocity, and folding the straight line gives all frames at once.
# - Layouts: `(b t) c h w` for image layers, `b c t h w` for `Conv3d`, `b (t h w) c` for
#   transformers; rearrange at the module's edge with einops and the rest of the code keeps
#   `[B, T, C, H, W]`.
#
# **Next:** lesson 02, the flicker problem: what goes wrong when an image model makes each
# frame on its own. The production versions of what you built: `tinyvid.data.moving_mnist`
# (vectorised, seeded, with labels and captions), `tinyvid.text` (the caption grammar) and
# `FrameAutoencoder.encode_video` in `tinyvid.nn.autoencoder` (the per-frame layout).
