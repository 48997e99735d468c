# %% [markdown]
# # 03 · Factorized space-time attention
#
# **Goal:** build the attention layer most video diffusion models use: attention *within*
# each frame, then *across* frames at each position, and know why it is split that way and
# what it costs. Follows the seed's section "1. Factorized Spatial-Temporal Attention".
# About 50 minutes; runs in well under a minute on a laptop CPU; uses small untrained blocks,
# and the shipped video model for the attention-map explorer.
#
# ## Set-up

# %%
import math

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from torch.nn.attention import SDPBackend, sdpa_kernel

from exercises import check
from tinyvid import load_pipeline
from tinyvid.data import moving_mnist
from tinyvid.nn import cost
from tinyvid.nn.attention import (
    FactorizedSpaceTimeAttention,
    FullSpaceTimeAttention,
    SpatialAttention,
    TemporalAttention,
)
from tinyvid.nn.cond import Cond
from tinyvid.nn.layers import sinusoidal_embedding
from tinyvid.nn.seed_bugs import SeedSpatioTemporalAttention
from tinyvid.text import tokenize

torch.manual_seed(0)
device = "cpu"  # these blocks are tiny: the CPU is fastest here, with or without a GPU

# %% [markdown]
# ## The idea
#
# A transformer treats its input as a set of **tokens** and lets every token look at every
# other one: each token makes a query `q`, a key `k` and a value `v`, the scores
# `q·k / √d` are turned into weights by a softmax, and the output is the weighted sum of the
# values. For an image the tokens are the `H·W` positions of a feature map (or patches). For
# a video of `T` frames there are `T·H·W` of them, and the score matrix has
# `(T·H·W)²` entries: 16 frames of 8×8 tokens already make 1024 tokens and a million scores
# per head. That is **full space-time attention** (ViViT's first model, Arnab et al. 2021;
# Sora-style DiTs do this on spacetime patches).
#
# **Factorized** attention splits the one big attention into two cheap ones
# (Ho et al. 2022, *Video Diffusion Models*; TimeSformer's "divided" attention,
# Bertasius et al. 2021):
#
# ```
#  x [B, T, C, H, W]
#   │  spatial:  'b t c h w -> (b t) (h w) c'   B·T sequences of H·W tokens   (one per frame)
#   │  temporal: 'b t c h w -> (b h w) t c'     B·H·W sequences of T tokens   (one per pixel)
#   ▼
#  scores:  T·(H·W)²  +  H·W·T²      instead of      (T·H·W)²
# ```
#
# The whole trick is in the `rearrange`: which axes are merged into the *batch* (sequences
# that never see each other) and which become the *sequence* (tokens that attend to each
# other). After both steps every token has still heard, indirectly, from every other token
# of its video: the spatial step gathers information within a frame, the temporal step
# carries it across frames. Tokens of *other videos in the batch* must never be heard from.
#
# Each step is a **pre-norm residual** block, `x + Attention(LayerNorm(x))`, with its own
# LayerNorm. `tinyvid.nn.attention` holds the production versions (`SpatialAttention`,
# `TemporalAttention`, `FactorizedSpaceTimeAttention`, `FullSpaceTimeAttention`), all written
# with `F.scaled_dot_product_attention` (SDPA), which picks a fused kernel on CPU and GPU.

# %% [markdown]
# ## See it: which tokens can hear a change?
#
# A clean way to see which axis a layer attends over: change **one token** of the input
# (video 0, frame 2, row 1, column 4) and look at which outputs change. Below, each row of
# the figure is one layer; each small square is one frame of one video (6×6 tokens), white
# where the output changed. The red box marks the token we changed.

# %%
B, T, C, H, W = 2, 6, 16, 6, 6
x = torch.randn(B, T, C, H, W)
poke = (0, 2, slice(None), 1, 4)  # video 0, frame 2, every channel, row 1, column 4
x_poked = x.clone()
x_poked[poke] += 3.0 * torch.randn(C)  # a random direction: LayerNorm would erase a constant shift


def changed(layer, x, x_poked):
    """Which (video, frame, row, column) outputs move when one input token moves: [B, T, H, W]."""
    with torch.no_grad():
        diff = (layer(x_poked) - layer(x)).abs().sum(dim=2)  # [B, T, H, W]
    return diff > 1e-5


def channels_last(seed_step):
    """The seed's blocks work on [B, T, H, W, C]: wrap one to take and return [B, T, C, H, W]."""
    return lambda v: rearrange(
        seed_step(rearrange(v, "b t c h w -> b t h w c")), "b t h w c -> b t c h w"
    )


def show_changes(rows, title):
    """One image row per layer: the frames of every video side by side, white = changed."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(9, 1.05 * len(rows) + 0.6), squeeze=False)
    for ax, (name, mask) in zip(axes[:, 0], rows.items()):
        tiles = F.pad(mask.float(), (0, 1), value=0.35)  # [B, T, H, W+1], grey separators
        strip = rearrange(tiles, "b t h w -> h (b t w)")  # [H, B*T*(W+1)]
        ax.imshow(strip.numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.add_patch(plt.Rectangle((2 * (W + 1) + 4 - 0.5, 1 - 0.5), 1, 1, fill=False,
                                   edgecolor="red", linewidth=1.5))
        ax.axvline(T * (W + 1) - 0.5, color="orange", linewidth=2)  # between the two videos
        ax.set_yticks([])
        ax.set_xticks([(W + 1) * i + W / 2 for i in range(B * T)],
                      [f"v{b} t{t}" for b in range(B) for t in range(T)], fontsize=7)
        ax.set_ylabel(f"{int(mask.sum())}\nchanged", fontsize=7, rotation=0, labelpad=18)
        ax.set_title(name, fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("video v, frame t (orange line: where video 1 starts)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


spatial = SpatialAttention(C, heads=4)
temporal = TemporalAttention(C, heads=4)
factorized = FactorizedSpaceTimeAttention(C, heads=4)
correct = {
    "tinyvid SpatialAttention: the whole of frame 2 of video 0, nothing else": changed(spatial, x, x_poked),
    "tinyvid TemporalAttention: position (1, 4) in every frame of video 0": changed(temporal, x, x_poked),
    "tinyvid FactorizedSpaceTimeAttention: all of video 0, none of video 1": changed(factorized, x, x_poked),
}
show_changes(correct, "Change one input token: which outputs change?");

# %% [markdown]
# That is the picture to expect: spatial attention spreads a change over its own frame,
# temporal attention along its own pixel track, and the two together over the whole video,
# while the other video of the batch is untouched. A video with 16 frames of 8×8 tokens gets
# this reach for a fraction of full attention's cost (measured below).
#
# ## Frame order: why temporal attention needs positions
#
# Attention treats its tokens as a *set*. The scores compare every query with every key, the
# softmax normalises over all keys, and the output is a weighted sum: nowhere does it matter
# in which order the tokens came. Shuffle the input tokens and the outputs come out shuffled
# the same way, otherwise unchanged (attention is **permutation-equivariant**). For temporal
# attention the tokens are frames, so without help a video and the same video played in
# another order look alike to it: "moving right" and "moving left" are the same set of frames.
#
# The fix is the one transformers use for words: add a **position embedding**, a vector that
# depends on the frame index, to each frame's tokens before the `qkv` projection. tinyvid's
# `TemporalAttention` adds fixed sinusoids (Vaswani et al. 2017) of the frame index
# (`frame_embedding=True`); queries, keys and values all carry them. The experiment: the same
# layer with and without the embedding, a video and the same video with its frames shuffled.
# Undo the shuffle on the output and compare.

# %%
order = torch.tensor([3, 0, 5, 1, 4, 2])  # a shuffle of 6 frames (no frame stays in place)
clip = torch.randn(1, 6, 16, 4, 4)  # [B, T, C, H, W]
with_pos = TemporalAttention(16, heads=4, frame_embedding=True)
without_pos = TemporalAttention(16, heads=4, frame_embedding=False)
without_pos.load_state_dict(with_pos.state_dict())  # the same weights; only the embedding differs
with torch.no_grad():
    for name, layer in [("without frame positions", without_pos), ("with frame positions", with_pos)]:
        shuffled_out = layer(clip[:, order])  # the frames go in shuffled ...
        out_shuffled = layer(clip)[:, order]  # ... or the output is shuffled afterwards
        gap = (shuffled_out - out_shuffled).abs().max().item()
        print(f"{name:24s} max |layer(shuffled video) − shuffled(layer(video))| = {gap:.1e}")

# %% [markdown]
# Without positions the two agree to rounding error (float32): the layer cannot tell the
# shuffled video from the real one, it only reorders its answer. With positions they differ
# far beyond rounding: frame order now changes what every token attends to. A spatial attention layer has the same blindness to pixel positions, which is
# why image transformers add 2D position embeddings; in a U-Net the convolutions around the
# attention already know where each pixel is. Exercise 3 below adds frame positions to your
# own temporal attention.

# %% [markdown]
# ## Doc check: the seed's attention attends over the wrong axis
#
# The seed writes factorized attention with `nn.MultiheadAttention`. It rearranges to
# `(b t) (h w) c` and passes that in, expecting attention over the `h w` positions. But
# `nn.MultiheadAttention` was written for the old sequence-first layout: unless it is built
# with `batch_first=True` it reads its input as `[sequence, batch, channels]`. The seed's
# `[(b t), (h w), c]` then means "`b·t` is the sequence": each position attends over **every
# frame of every video in the batch** at that position. Nothing crashes, the shapes are right,
# the loss goes down; the layer just does something else. `tinyvid.nn.seed_bugs` keeps the
# seed's block exactly as written. Same experiment:

# %%
seed_block = SeedSpatioTemporalAttention(C, heads=4)  # batch_first=False, as in the seed
as_written = {
    "seed spatial step, as written: position (1, 4) in every frame of BOTH videos": changed(
        channels_last(seed_block.spatial), x, x_poked),
    "seed temporal step, as written: every position of frame 2 in BOTH videos": changed(
        channels_last(seed_block.temporal), x, x_poked),
    "seed block, as written: everything, video 1 included": changed(
        channels_last(seed_block), x, x_poked),
}
show_changes(as_written, "The seed's attention (batch_first=False): the axes are swapped");

# %% [markdown]
# The "spatial" step is really a temporal attention (over frames, at one position) and the
# "temporal" step is really a spatial one: the two labels are swapped. Worse, both mix
# **different videos of the batch**: video 1's output depends on video 0. A model trained like
# this would learn to rely on whatever else is in its batch, and sampling a batch of 1 would
# not match training. The fix is one argument:

# %%
seed_fixed = SeedSpatioTemporalAttention(C, heads=4, batch_first=True)
fixed = {
    "seed spatial step, batch_first=True": changed(channels_last(seed_fixed.spatial), x, x_poked),
    "seed temporal step, batch_first=True": changed(channels_last(seed_fixed.temporal), x, x_poked),
    "seed block, batch_first=True": changed(channels_last(seed_fixed), x, x_poked),
}
show_changes(fixed, "With batch_first=True: the same pattern as tinyvid's blocks")
for (name, a), b in zip(fixed.items(), correct.values()):
    print(f"{name:38s} changes the same outputs as tinyvid's: {torch.equal(a, b)}")

# %% [markdown]
# (`F.scaled_dot_product_attention` has no such default: it always attends over the
# second-to-last axis, `[..., L, d]`, which is one reason this course uses it.)
#
# ### The seed's residual is added to the normalised tensor
#
# The seed's block has a second, quieter problem. It writes
#
# ```
# s = norm(s)            # s is overwritten by the normalised tensor ...
# s = s + attn(s)        # ... so the "residual" adds the attention to norm(s), not to the input
# ```
#
# so the block computes `LN(x) + Attn(LN(x))` instead of the pre-norm residual
# `x + Attn(LN(x))`. The input itself never reaches the output: every block replaces the
# stream by its normalised version, throwing away each token's scale. Two consequences:
#
# - A block whose attention outputs zero should pass its input through unchanged: that is
#   how new layers are inserted into a trained model without disturbing it (lesson 04). The
#   seed's block still changes it.
# - A token's size carries information (how strong a feature is); the seed's block resets
#   every token to the same size.
#
# Both, measured. First, with the attention's output projections set to zero:

# %%
x_big = 3.0 * torch.randn(2, 4, C, 6, 6) + 1.0  # features that are not already normalised
ours = FactorizedSpaceTimeAttention(C, heads=4)
seeds = SeedSpatioTemporalAttention(C, heads=4, batch_first=True)  # axes fixed, residual as written
with torch.no_grad():
    for layer in (ours.spatial.attn.out, ours.temporal.attn.out,
                  seeds.spatial_attn.out_proj, seeds.temporal_attn.out_proj):
        layer.weight.zero_()
        layer.bias.zero_()
    y_ours = ours(x_big)
    y_seed = channels_last(seeds)(x_big)
print("attention switched off (output projections = 0):")
print(f"  pre-norm residual  x + Attn(LN(x)):   max |y - x| = {(y_ours - x_big).abs().max():.2e}")
print(f"  seed's LN(x) + Attn(LN(x)):           max |y - x| = {(y_seed - x_big).abs().max():.2f}")

# %% [markdown]
# Second, with ordinary random weights, the size of each token on the way in and out.
# Tokens get random sizes from 0.1 to 10 (a feature map has strong and weak places):

# %%
tokens_scale = torch.logspace(-1, 1, 6 * 6).reshape(1, 1, 1, 6, 6)  # [1, 1, 1, H, W]
x_sized = torch.randn(2, 4, C, 6, 6) * tokens_scale  # [B, T, C, H, W]
ours, seeds = FactorizedSpaceTimeAttention(C, heads=4), SeedSpatioTemporalAttention(C, 4, batch_first=True)
with torch.no_grad():
    norm_in = x_sized.norm(dim=2).flatten()  # one number per token
    norm_ours = ours(x_sized).norm(dim=2).flatten()
    norm_seed = channels_last(seeds)(x_sized).norm(dim=2).flatten()
fig, ax = plt.subplots(figsize=(5, 3.6))
ax.loglog(norm_in, norm_ours, ".", alpha=0.5, label="pre-norm residual: x + Attn(LN(x))")
ax.loglog(norm_in, norm_seed, ".", alpha=0.5, label="seed: LN(x) + Attn(LN(x))")
ax.loglog([norm_in.min(), norm_in.max()], [norm_in.min(), norm_in.max()], "k--", lw=0.8,
          label="output = input")
ax.set_xlabel("token norm going in  ‖x‖ (log)")
ax.set_ylabel("token norm coming out (log)")
ax.set_title("One factorized block, random weights")
ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# With the residual on the input, a token's output follows its input (plus what attention
# adds, visible for the small ones). The seed's block flattens every token to the size
# LayerNorm gives it, about `√C` = 4 here, whatever came in. The fix: keep the input and
# normalise only what enters the attention, `x = x + attn(norm1(x))`.

# %% [markdown]
# ## What factorizing saves
#
# Now the cost, measured rather than estimated: `tinyvid.nn.cost(model, x)` counts the FLOPs
# of one forward pass (a multiply-add counts 2) and the peak memory of the tensors it
# creates. We grow the number of frames `T` of an 8×8-token, 64-channel video, and run each
# block twice: with PyTorch's default fused attention kernel, and with the textbook "math"
# kernel that stores the whole `L×L` score matrix. Fused kernels (FlashAttention, Dao et al.
# 2022) compute the same thing in tiles without ever storing that matrix: same FLOPs, far
# less memory.

# %%
C_cost, frames = 64, [1, 2, 4, 8, 16, 32]
full_block, fact_block = FullSpaceTimeAttention(C_cost), FactorizedSpaceTimeAttention(C_cost)
rows = []
for T_ in frames:
    v = torch.randn(1, T_, C_cost, 8, 8)
    with sdpa_kernel(SDPBackend.MATH):  # the kernel that materialises the scores
        full_math, fact_math = cost(full_block, v), cost(fact_block, v)
    full_fused, fact_fused = cost(full_block, v), cost(fact_block, v)  # default kernel
    rows.append((T_, full_math.flops, fact_math.flops, full_math.peak_activation_bytes,
                 fact_math.peak_activation_bytes, full_fused.peak_activation_bytes,
                 fact_fused.peak_activation_bytes))
print(f"{'T':>3} {'full GFLOP':>11} {'fact. GFLOP':>12} {'ratio':>6} {'full MiB':>9} {'fact. MiB':>10}"
      "   (peak activations, math kernel)")
for T_, ff, fa, fm, am, _, _ in rows:
    print(f"{T_:3d} {ff / 1e9:11.3f} {fa / 1e9:12.3f} {ff / fa:6.1f} {fm / 2**20:9.1f} {am / 2**20:10.1f}")

# %%
r = np.array(rows, dtype=float)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
ax1.loglog(r[:, 0], r[:, 1], "o-", label="full space-time")
ax1.loglog(r[:, 0], r[:, 2], "s-", label="factorized")
ax1.set_xlabel("frames T (log)")
ax1.set_ylabel("FLOPs of one forward (log)")
ax1.set_title("Compute: full grows like T², factorized like T")
ax2.loglog(r[:, 0], r[:, 3] / 2**20, "o-", label="full, math kernel (stores scores)")
ax2.loglog(r[:, 0], r[:, 4] / 2**20, "s-", label="factorized, math kernel")
ax2.loglog(r[:, 0], r[:, 5] / 2**20, "o--", label="full, fused kernel")
ax2.loglog(r[:, 0], r[:, 6] / 2**20, "s--", label="factorized, fused kernel")
ax2.set_xlabel("frames T (log)")
ax2.set_ylabel("peak activation memory, MiB (log)")
ax2.set_title("Memory of one forward (8×8 tokens, C = 64)")
for ax in (ax1, ax2):
    ax.set_xticks(frames, [str(f) for f in frames])
    ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# Reading the plots:
#
# - **FLOPs.** Full attention's slope is 2 on log-log axes (quadratic in `T`), factorized's is
#   about 1 (its `T²` term only counts `H·W·T²` scores, tiny while `T < H·W`). At 32 frames
#   full attention already does several times more work, and the gap keeps widening: the ratio
#   tends to the ratio of attention scores, `(T·HW)² / (T·HW² + HW·T²) = T·HW / (HW + T)`.
#   At `T = 1` factorized is *more* expensive: it runs two attention layers for the price of
#   one, and the temporal one has nothing to attend to.
# - **Memory.** With the math kernel, full attention's memory is dominated by the `heads × L × L`
#   score matrix and grows like `T²`. With the fused kernel that term is gone and the two
#   blocks need the same memory (their dashed lines lie on top of each other): what is left
#   grows like `T`. (`cost` cannot see the small scratch buffers a fused kernel uses inside,
#   so those curves are a lower bound.) Fused kernels change *memory*, not FLOPs: compute is
#   what factorizing saves, with any kernel.
#
# In exercise 5 below you derive the exact FLOP counts of the attention itself.

# %% [markdown]
# ## Play with it: what the shipped video model attends to
#
# What does a query actually look at, in a model that has learned something? tinyvid's
# shipped video model (`load_pipeline("default")`, lesson 04 builds it by inflating an image
# U-Net) has factorized attention inside: a `TemporalAttention` at every stage and a
# `SpatialAttention` at the coarser ones. We give it one real Moving MNIST clip, encoded to
# its 8×8 latent (one latent cell per 8×8 pixels), noised halfway (flow time t = 0.5: half
# noise, half clip) with the clip's own caption, run it once, and record the inputs of two
# attention layers with forward hooks: the temporal attention of the first stage (8×8
# positions, 64 channels) and the spatial attention of the second (4×4 positions, one per
# 16×16 pixels, 128 channels).
#
# Attention weights are not returned by SDPA, so we recompute them from the layers' own
# weights (LayerNorm, the `qkv` projection, and for the temporal layer the frame-position
# embedding) and check that they reproduce the layers' outputs exactly.

# %%
video_pipe = load_pipeline("default", device=device)
unet = video_pipe.model
clip16, _, clip_captions = moving_mnist(1, seed=3, num_frames=16, digits=3, directions="right",
                                        speeds="normal")  # [1, 16, 1, 64, 64]
Tf = clip16.shape[1]
layer_names = {"temporal": "down.0.temporal_attn", "spatial": "down.1.attn"}
inputs_seen = {}
hooks = [unet.get_submodule(n).register_forward_hook(
    lambda module, args, out, n=n: inputs_seen.__setitem__(n, (args[0], out)))
    for n in layer_names.values()]
with torch.no_grad():
    latent = video_pipe.autoencoder.encode_video(clip16)  # [1, 16, 8, 8, 8]
    noise = torch.randn(latent.shape, generator=torch.Generator().manual_seed(0))
    t_half = torch.tensor([0.5])
    x_t = (1 - t_half) * noise + t_half * latent  # flow matching: t = 0 noise, t = 1 data
    unet(x_t, t_half, Cond(tokens=tokenize(clip_captions)))
for hook in hooks:
    hook.remove()


def attention_weights(step, tokens, extra=None):
    """softmax(q·kᵀ/√d) of one attention layer: [N, L, C] tokens -> [N, heads, L, L]."""
    h = step.norm(tokens)
    qkv_input = h if extra is None else h + extra  # the temporal layer adds frame positions
    q, k, _ = rearrange(step.attn.qkv(qkv_input), "n l (three h d) -> three n h l d",
                        three=3, h=step.attn.heads)
    return torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)


def run_step(step, tokens, weights, extra=None):
    """The layer's output recomputed from its weights: tokens + out(weights @ v)."""
    h = step.norm(tokens)
    _, _, v = rearrange(step.attn.qkv(h if extra is None else h + extra),
                        "n l (three h d) -> three n h l d", three=3, h=step.attn.heads)
    return tokens + step.attn.out(rearrange(weights @ v, "n h l d -> n l (h d)"))


with torch.no_grad():
    t_layer = unet.get_submodule(layer_names["temporal"])
    t_in, t_out = inputs_seen[layer_names["temporal"]]  # [1, 16, 64, 8, 8] each
    Ht, Wt = t_in.shape[-2:]
    t_tokens = rearrange(t_in, "b t c h w -> (b h w) t c")  # [64, 16, 64]
    frame_pos = sinusoidal_embedding(torch.arange(Tf), t_in.shape[2])  # [16, 64]
    w_temporal = attention_weights(t_layer, t_tokens, frame_pos)  # [64, heads, 16, 16]
    err_t = (rearrange(run_step(t_layer, t_tokens, w_temporal, frame_pos),
                       "(b h w) t c -> b t c h w", b=1, h=Ht) - t_out).abs().max()
    s_layer = unet.get_submodule(layer_names["spatial"])
    s_in, s_out = inputs_seen[layer_names["spatial"]]  # [1, 16, 128, 4, 4] each
    Hs, Ws = s_in.shape[-2:]
    s_tokens = rearrange(s_in, "b t c h w -> (b t) (h w) c")  # [16, 16, 128]
    w_spatial = attention_weights(s_layer, s_tokens)  # [16, heads, 16, 16]
    err_s = (rearrange(run_step(s_layer, s_tokens, w_spatial), "(b t) (h w) c -> b t c h w",
                       b=1, h=Hs) - s_out).abs().max()
    fresh = TemporalAttention(t_in.shape[2], heads=t_layer.attn.heads)  # the same layer, untrained
    w_fresh = attention_weights(fresh, t_tokens, frame_pos)
print(f"recomputed weights reproduce the layers' outputs: max |difference| {err_t:.1e} (temporal), "
      f"{err_s:.1e} (spatial)")
print("temporal weights", tuple(w_temporal.shape), "[positions, heads, query frame, key frame];",
      "spatial weights", tuple(w_spatial.shape), "[frames, heads, query, key]")
print(f"largest temporal weight: trained {w_temporal.max():.2f}, the same layer untrained "
      f"{w_fresh.max():.2f} (uniform over {Tf} frames would be {1 / Tf:.4f})")

# %% [markdown]
# Training is what makes attention selective: the untrained layer spreads each query's
# weight far more evenly, the trained one can put most of it on a single frame. Averaged over
# all 64 positions and the heads, which frames does a query frame look at?

# %%
mean_map = w_temporal.mean(dim=(0, 1))  # [16 query frames, 16 key frames]
fig, ax = plt.subplots(figsize=(4.8, 4))
im = ax.imshow(mean_map, cmap="magma", vmin=0)
ax.set(xticks=range(0, Tf, 3), yticks=range(0, Tf, 3), xlabel="key frame", ylabel="query frame",
       title="Shipped model, first temporal attention:\nmean weight over positions and heads")
fig.colorbar(im, ax=ax, fraction=0.046, label="attention weight")
fig.tight_layout()
diagonal = mean_map.diagonal().mean().item()
near = torch.stack([mean_map.diagonal(1), mean_map.diagonal(-1)]).mean().item()
print(f"mean weight on the query's own frame {diagonal:.3f}, on a neighbouring frame {near:.3f}, "
      f"uniform {1 / Tf:.3f}")

# %% [markdown]
# A band along the diagonal: on average a frame attends most to itself and its neighbours,
# and less the further away a frame is; no one told the model that nearby frames matter
# most, it learned it (the frame-position embedding is what lets it know which frames are
# near).
#
# The explorer below picks one query: a frame, and a latent cell of the 8×8 grid (drawn as a
# red square on the frame). In the middle, the spatial attention of the 4×4 cell that
# contains it, over the 4×4 cells of the same frame; on the right, the temporal attention of
# the query's own 8×8 cell over the 16 frames (its own frame shaded). Put the query on the
# digit's path and off it; change frame and head. In the starting state the query cell sits
# just right of the 3, where the digit, moving right, is about to pass: head 0 spreads its
# weight over several frames instead of putting it on one, the tallest bars a frame or two
# after the query's own. Compare with a cell the digit never visits (the bottom rows: it
# moves only sideways) and with the other heads. (The sliders run live in Jupyter; the
# figure is their starting state.)

# %%
def draw_attention(t=6, row=2, col=6, head=0):
    """The frame with the query, its spatial map (4×4 level) and its temporal weights."""
    fig, axes = plt.subplots(1, 3, figsize=(11.5, 3.4), gridspec_kw={"width_ratios": [1, 1.15, 1.5]})
    cell = 64 // Ht  # pixels per 8×8-grid cell
    axes[0].imshow(clip16[0, t, 0], cmap="gray", vmin=0, vmax=1)
    axes[0].add_patch(plt.Rectangle((col * cell - 0.5, row * cell - 0.5), cell, cell, fill=False,
                                    edgecolor="red", linewidth=2))
    axes[0].set(xticks=[], yticks=[], title=f"frame {t}, query cell (row {row}, col {col})")
    s_row, s_col = row * Hs // Ht, col * Ws // Wt  # the 4×4 cell that holds the query
    spatial_map = w_spatial[t, head, s_row * Ws + s_col].reshape(Hs, Ws)
    im = axes[1].imshow(spatial_map, cmap="magma", vmin=0)
    axes[1].add_patch(plt.Rectangle((s_col - 0.5, s_row - 0.5), 1, 1, fill=False, edgecolor="cyan",
                                    linewidth=2))
    axes[1].set(xticks=range(Ws), yticks=range(Hs), xlabel="key column (4×4 grid)",
                ylabel="key row", title=f"spatial attention, head {head}")
    fig.colorbar(im, ax=axes[1], fraction=0.046, label="attention weight")
    weights = w_temporal[row * Wt + col, head, t]  # [16]
    axes[2].axvspan(t - 0.5, t + 0.5, color="C3", alpha=0.2, label="the query's own frame")
    axes[2].bar(range(Tf), weights, color=["C3" if f == t else "C0" for f in range(Tf)])
    axes[2].set(xticks=range(0, Tf, 2), xlim=(-0.5, Tf - 0.5), ylim=(0, 1), xlabel="key frame",
                ylabel="attention weight", title=f"temporal attention, head {head}")
    axes[2].legend(fontsize=8, loc="upper right")
    for ax in axes:
        ax.title.set_fontsize(9)
    fig.suptitle(f"Shipped video model on '{clip_captions[0]}', halfway noised (t = 0.5)", fontsize=10)
    fig.tight_layout()
    return fig


draw_attention();

# %%
widgets.interact(
    draw_attention,
    t=widgets.IntSlider(6, 0, Tf - 1, description="frame"),
    row=widgets.IntSlider(2, 0, Ht - 1, description="query row"),
    col=widgets.IntSlider(6, 0, Wt - 1, description="query col"),
    head=widgets.IntSlider(0, 0, t_layer.attn.heads - 1, description="head"),
);

# %% [markdown]
# ## Exercises
#
# Five functions, each graded by the cell after it. The first two are the attention steps
# without LayerNorm, residual or output projection: just the reshape and the attention, which
# is where the mistakes happen. Projections come from one weight `w_qkv` of shape `[3C, C]`:
# `tokens @ w_qkv.T` gives `[..., 3C]`, split into `q, k, v` with `.chunk(3, dim=-1)`, and each
# of those into `heads` heads of `C / heads` channels: `'n l (h d) -> n h l d'`. Use
# `F.scaled_dot_product_attention`.
#
# ### Exercise 1: spatial attention (★★, about 10 minutes)

# %%
# EXERCISE: spatial_attention
def spatial_attention(x: torch.Tensor, w_qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """Self-attention among the H*W positions of each frame; frames and videos kept apart.

    Args:
        x: [B, T, C, H, W] features.
        w_qkv: [3C, C] projection weights: q, k, v = (tokens @ w_qkv.T).chunk(3, dim=-1).
        heads: number of heads; C is divisible by it.
    Returns:
        [B, T, C, H, W]: for each token, the attention-weighted sum of the values of the
        tokens of its own frame (heads merged back into C; no residual, no output projection).
    """
    raise NotImplementedError


# %%
check.spatial_attention(spatial_attention)

# %% [markdown]
# ### Exercise 2: temporal attention (★★, about 8 minutes)

# %%
# EXERCISE: temporal_attention
def temporal_attention(x: torch.Tensor, w_qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """Self-attention among the T frames at each position; positions and videos kept apart.

    Args:
        x: [B, T, C, H, W] features.
        w_qkv: [3C, C] projection weights, as in spatial_attention.
        heads: number of heads; C is divisible by it.
    Returns:
        [B, T, C, H, W]: for each token, the attention-weighted sum of the values of the
        tokens at the same (h, w) in every frame of its video.
    """
    raise NotImplementedError


# %%
check.temporal_attention(temporal_attention)

# %% [markdown]
# ### Exercise 3: temporal attention that knows frame order (★, about 6 minutes)
#
# Your temporal attention from exercise 2, made order-aware as in the section on frame
# order: before the projection, add to every token of frame `t` the position vector of frame
# `t`, `sinusoidal_embedding(torch.arange(T), C)[t]` (imported in the set-up cell; one row
# per frame), so that queries, keys and values all carry it. The check includes a batch whose
# second video is the first one with its frames shuffled: your outputs for the two must no
# longer be the same outputs reordered.

# %%
# EXERCISE: temporal_attention_with_positions
def temporal_attention_with_positions(x: torch.Tensor, w_qkv: torch.Tensor, heads: int) -> torch.Tensor:
    """Temporal attention whose tokens know which frame they come from.

    Args:
        x: [B, T, C, H, W] features.
        w_qkv: [3C, C] projection weights, as in temporal_attention.
        heads: number of heads; C is divisible by it.
    Returns:
        [B, T, C, H, W]: temporal attention over tokens to which the position embedding of
        their frame has been added before the q, k, v projection.
    """
    raise NotImplementedError


# %%
check.temporal_attention_with_positions(temporal_attention_with_positions)

# %% [markdown]
# ### Exercise 4: the factorized block (★, about 6 minutes)
#
# Put the two steps together the way `tinyvid.nn.attention.FactorizedSpaceTimeAttention`
# does. The check hands you the pieces as functions of a `[B, T, C, H, W]` video: the two
# attention steps and two LayerNorms over channels (each with its own gain and bias).

# %%
# EXERCISE: factorized_block
def factorized_block(x, spatial, temporal, norm1, norm2):
    """Spatial then temporal attention, each a pre-norm residual step with its own norm.

    Args:
        x: [B, T, C, H, W].
        spatial, temporal: functions [B, T, C, H, W] -> [B, T, C, H, W] (the attention steps).
        norm1, norm2: functions [B, T, C, H, W] -> [B, T, C, H, W] (LayerNorms over C);
            norm1 belongs to the spatial step, norm2 to the temporal step.
    Returns:
        [B, T, C, H, W].
    """
    raise NotImplementedError


# %%
check.factorized_block(factorized_block)

# %% [markdown]
# ### Exercise 5: cost formulas (★, about 6 minutes)
#
# Count the FLOPs of the attention *core* (the scores `Q·Kᵀ` and the weighted sum of the
# values; no projections) for one video of `T` frames of `H×W` tokens of width `D`, counting a
# multiply-add as 2 FLOPs, as `tinyvid.nn.cost` does. Heads do not change the count (they
# split `D`).

# %%
# EXERCISE: attention_flops
def attention_flops(T: int, H: int, W: int, D: int) -> tuple[int, int]:
    """FLOPs of the attention core for one video, as Python ints.

    Returns:
        (full, factorized): full space-time attention over all T*H*W tokens, and spatial
        attention (within each frame) plus temporal attention (across frames at each position).
    """
    raise NotImplementedError


# %%
check.attention_flops(attention_flops)

# %% [markdown]
# When it passes, compare your numbers with the measured ones above: the measured FLOPs also
# include the `q, k, v` and output projections, `8·D²` FLOPs per token per attention layer
# (one layer for full attention, two for factorized).
#
# ## Recap
#
# - Factorized attention = spatial attention over `(b t) (h w) c` then temporal attention over
#   `(b h w) t c`: every token still reaches its whole video, for `T·(HW)² + HW·T²` scores
#   instead of `(T·HW)²`. Which axes go into the batch is the whole design; check it by
#   perturbing one token.
# - `nn.MultiheadAttention` defaults to `batch_first=False`: the seed's block attends over the
#   wrong axes and mixes videos of the batch, silently. Pre-norm means `x + Attn(LN(x))`, with
#   one LayerNorm per step: the residual carries the *input*.
# - Fused kernels cut attention's memory, not its FLOPs; factorizing cuts the FLOPs.
#   Attention is blind to token order: temporal attention needs a frame-position embedding
#   to tell a video from its shuffled frames, and trained, it learns to look at nearby frames.
#
# Next: lesson 04, 3D and (2+1)D convolutions and how temporal layers are slipped into an image
# U-Net. The production blocks of this lesson are in `tinyvid.nn.attention`, and
# `tinyvid.nn.seed_bugs` keeps the seed's version for comparison.
