# %% [markdown]
# # 07 · DiT, spacetime patches and the state of the art
#
# **Goal:** turn a video into the tokens a diffusion transformer (DiT) denoises and back,
# count how many tokens a real video makes and what attention over them costs, see why
# adaLN-Zero lets a deep transformer start as the identity, compare our DiT with our U-Net
# on the same task, and read the published video models' claims with their sources. Follows
# the seed's section "State-of-the-Art Models" (the model table and "Sora's Architecture
# (Speculated)"). About 50 minutes; runs in about a minute on a laptop CPU; uses
# untrained models, the shipped video U-Net for timing, and a committed training run.
#
# ## Set-up

# %%
import json
import math
import time
from pathlib import Path

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from IPython.display import Markdown, display

from exercises import check
from tinyvid.data import moving_mnist
from tinyvid.nn import Cond, DiT, DiTConfig, cost, dit
from tinyvid.nn.tokens import attention_cost as library_attention_cost
from tinyvid.nn.tokens import spacetime_tokens
from tinyvid.pipelines import load_pipeline
from tinyvid.viz import frame_grid

torch.manual_seed(0)
device = "cpu"  # small models and batches: the CPU is fastest here, with or without a GPU
RESULTS = Path("..") / "scripts" / "results" / "lesson07"  # the committed training run

# %% [markdown]
# ## The idea
#
# Lessons 03 and 04 built video models the way most of 2022–2023 did: an image U-Net with
# temporal layers slipped in. The models that followed (Sora, and the open ones below) are
# **transformers on spacetime patches**:
#
# ```
#  video [B, T, C, H, W]  (an autoencoder's latent)
#    │  cut into pt × p × p blocks: 'b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)'
#    ▼
#  tokens [B, T/pt, (H/p)(W/p), pt·p·p·C]  ──Linear──▶  [B, T', N, D]  + positions
#    │  transformer blocks (attention over the tokens, adaLN-Zero conditioning on time and text)
#    ▼
#  [B, T', N, pt·p·p·C]  ──unpatchify──▶  prediction [B, T, C, H, W]
# ```
#
# - **Patches as tokens** come from the Vision Transformer; the **DiT** (Peebles & Xie 2023,
#   *Scalable Diffusion Models with Transformers*, arXiv:2212.09748) showed that a plain
#   transformer over latent patches is a strong diffusion backbone whose quality improves
#   steadily with compute.
# - **Spacetime patches** ("tubelets" in ViViT, Arnab et al. 2021, arXiv:2103.15691) extend a
#   patch over `pt` frames. OpenAI's Sora report (Brooks et al. 2024, *Video generation models
#   as world simulators*) describes Sora as a diffusion transformer on spacetime patches of a
#   compressed latent video. **Latte** (Ma et al. 2024, arXiv:2401.03048) studies the open
#   variants, including blocks that alternate spatial and temporal attention (our factorized
#   DiT, the layout of lesson 03).
# - None of the transformer's weights depends on the number of tokens (positions come from
#   fixed functions, or relative encodings, rather than a learned table): one model can train on
#   clips of different lengths, sizes and aspect ratios (and on images, `T = 1`). What grows
#   is the cost: full attention is quadratic in the token count.
#
# Our DiT (`tinyvid.nn.dit`) uses `pt = p = 1` on the shipped autoencoder's 8×8 latent: 64
# tokens per frame, 1,024 for 16 frames.

# %% [markdown]
# ## See it: a video as spacetime patches
#
# We cut a 16-frame, 64×64 Moving MNIST clip (pixels here, to see the patches; the real
# model works on latents) into `2 × 16 × 16` patches with the library's
# `dit.patchify`: 8 time slots × 16 patches = 128 tokens of `2·16·16·1 = 512` numbers.

# %%
video, _, captions = moving_mnist(1, seed=5, num_frames=16)  # [1, 16, 1, 64, 64]
pt, p = 2, 16
tokens = dit.patchify(video, pt, p)  # [1, 8, 16, 512]
print(f"video {tuple(video.shape)} -> tokens {tuple(tokens.shape)}  [B, T/pt, (H/p)(W/p), pt·p·p·C]")
back = dit.unpatchify(tokens, pt, p, height=64)  # [1, 16, 1, 64, 64]
print("unpatchify(patchify(video)) == video exactly:", torch.equal(back, video))

# %%
fig, axes = plt.subplots(1, 3, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1, 1, 2.2]})
axes[0].imshow(video[0, 0, 0], cmap="gray", vmin=0, vmax=1)
for k in range(1, 64 // p):
    axes[0].axhline(k * p - 0.5, color="C1", lw=1)
    axes[0].axvline(k * p - 0.5, color="C1", lw=1)
for n in range(16):
    axes[0].text((n % 4) * p + 1, (n // 4) * p + 4, str(n), color="C1", fontsize=7)
axes[0].set_title("frame 0 cut into 16×16 patches\n(numbers: token index in its time slot)", fontsize=8)
token_img = rearrange(tokens[0, 0, 5], "(pt p q) -> p (pt q)", pt=pt, p=p)  # [16, 32]
axes[1].imshow(token_img, cmap="gray", vmin=0, vmax=1)
axes[1].axvline(p - 0.5, color="C1", lw=1)
axes[1].set_title("token 5 of time slot 0, reshaped:\nframes 0 and 1 of its patch", fontsize=8)
im = axes[2].imshow(tokens[0, :, :, :].reshape(-1, tokens.shape[-1]), aspect="auto", cmap="gray",
                    interpolation="nearest")
axes[2].set_xlabel("feature (pt·p·q·c = 512 pixel values)")
axes[2].set_ylabel("token (time slot × 16 + patch)")
axes[2].set_title("all 128 tokens of the clip: the transformer's input", fontsize=8)
fig.colorbar(im, ax=axes[2], fraction=0.03, label="pixel value")
for ax in axes[:2]:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %% [markdown]
# The order inside a token is a convention (`(pt p q c)` here, as in `tinyvid`), but
# `unpatchify` must read it back with the same convention. Swap the patch's rows and columns
# on the way back and every patch comes back transposed, while the shapes stay right: the
# kind of bug that trains without error and quietly hurts.

# %%
wrong = rearrange(tokens, "b t (h w) (pt q p c) -> b (t pt) c (h p) (w q)", h=64 // p, pt=pt, p=p, q=p)
frame_grid(torch.cat([back, wrong]), titles=["unpatchify: (pt p q c), as written",
                                            "unpatchify with the patch axes swapped, (pt q p c)"],
           every=5, suptitle="Same tokens, two readings");

# %% [markdown]
# ## How many tokens does a real video make?
#
# Real models first compress the video with an autoencoder: typically 4 frames and 8×8
# pixels per latent cell (HunyuanVideo and Wan report a 4×8×8 video autoencoder,
# arXiv:2412.03603 and arXiv:2503.20314), then cut `1×2×2` patches (the patch size in Wan's
# released configuration). A clip of `F` frames of `H×W` pixels then makes
#
# `tokens = ⌈F / 4⌉ · ⌈H / 16⌉ · ⌈W / 16⌉`
#
# (with those values; exercise 4 writes the general formula). Full attention over `L` tokens
# of width `D` costs FLOPs that grow like `L²·D` per layer (the scores and the weighted sum;
# exercise 5 counts them exactly, as lesson 03 did), and, if stored, a `heads × L × L` score
# matrix. Some sizes, computed with `tinyvid.nn.tokens`:

# %%
examples = [  # (what, frames, height, width)
    ("tinyvid: 16 frames of 64×64 (8× autoencoder, patch 1)", 16, 64, 64),
    ("81 frames of 832×480 (480P)", 81, 480, 832),
    ("81 frames of 1280×720 (720P)", 81, 720, 1280),
    ("10 s of 1920×1080 at 30 fps", 300, 1080, 1920),
    ("60 s of 1920×1080 at 30 fps", 1800, 1080, 1920),
]
D_BIG, HEADS_BIG = 3072, 24  # an illustrative large-model width; no specific model's
print(f"{'clip':58s} {'tokens':>11s} {'TFLOP/layer':>12s} {'scores (bf16)':>14s}")
for what, frames, h, w in examples:
    if what.startswith("tinyvid"):
        L = spacetime_tokens(frames, h, w, vae_space=8)
        flops, score_bytes = library_attention_cost(L, 128, 4, 4)
    else:
        L = spacetime_tokens(frames, h, w, vae_time=4, vae_space=8, patch_space=2)
        flops, score_bytes = library_attention_cost(L, D_BIG, HEADS_BIG, 2)
    print(f"{what:58s} {L:11,d} {flops / 1e12:12.3g} {score_bytes / 2**30:11.3g} GiB")

# %% [markdown]
# A minute of 1080p is millions of tokens: one layer's score matrices would need far more
# memory than any accelerator has, which is why every large model uses a fused attention
# kernel (FlashAttention, Dao et al. 2022) that never stores them, and why the FLOPs, which
# no kernel removes, grow with the square of the clip length. (The widths `D = 3,072` with
# 24 heads are an illustration, not any one model's; the 1080p rows use the same assumed
# autoencoder and patches, since closed models do not publish theirs.)
#
# ## Play with it: seconds × fps × resolution × patch size → tokens → cost
#
# Move the sliders. Watch which knob moves the cost most: the length and the resolution
# enter the token count linearly, and the attention cost with their square; the patch size
# enters squared in the token count and to the fourth power in the cost. (The sliders run
# live in Jupyter; the figure below is their starting state.)

# %%
RESOLUTIONS = {"256×256": (256, 256), "480P (832×480)": (480, 832), "720P (1280×720)": (720, 1280),
               "1080p (1920×1080)": (1080, 1920)}


def draw_tokens(seconds=5.0, fps=16, resolution="720P (1280×720)", vae_time=4, vae_space=8,
                patch_time=1, patch_space=2, dim=3072, heads=24):
    """Token count and full-attention cost per layer, and how they grow with the clip length."""
    h, w = RESOLUTIONS[resolution]
    frames = max(1, round(seconds * fps))
    L = spacetime_tokens(frames, h, w, vae_time, vae_space, patch_time, patch_space)
    flops, score_bytes = library_attention_cost(L, dim, heads, 2)
    secs = np.linspace(0.5, 60, 120)
    Ls = np.array([spacetime_tokens(max(1, round(s * fps)), h, w, vae_time, vae_space, patch_time,
                                    patch_space) for s in secs], dtype=float)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4))
    ax1.plot(secs, Ls, color="C0")
    ax1.plot([seconds], [L], "o", color="C3")
    ax1.set_yscale("log")
    ax1.set_xlabel("clip length (seconds)")
    ax1.set_ylabel("tokens (log)")
    ax1.set_title(f"{resolution}, {fps} fps, autoencoder {vae_time}×{vae_space}×{vae_space}, "
                  f"patch {patch_time}×{patch_space}×{patch_space}", fontsize=8)
    ax2.plot(secs, 4 * Ls**2 * dim / 1e12, color="C1", label="FLOPs of full attention")
    ax2.plot([seconds], [flops / 1e12], "o", color="C3")
    ax2.set_yscale("log")
    ax2.set_xlabel("clip length (seconds)")
    ax2.set_ylabel("TFLOP per layer per step (log)")
    ax2.set_title(f"width {dim}: attention core only, one layer, one denoising step", fontsize=8)
    fig.suptitle(f"{frames} frames -> {L:,} tokens; full attention {flops / 1e12:,.3g} TFLOP per "
                 f"layer; stored scores would take {score_bytes / 2**30:,.3g} GiB (bf16, {heads} heads)",
                 fontsize=9)
    fig.tight_layout()
    return fig


draw_tokens();

# %%
widgets.interact(
    draw_tokens,
    seconds=widgets.FloatSlider(5.0, min=0.5, max=60, step=0.5, description="seconds"),
    fps=widgets.IntSlider(16, 8, 30, description="fps"),
    resolution=widgets.Dropdown(options=list(RESOLUTIONS), value="720P (1280×720)"),
    vae_time=widgets.IntSlider(4, 1, 8, description="VAE time"),
    vae_space=widgets.IntSlider(8, 1, 32, description="VAE space"),
    patch_time=widgets.IntSlider(1, 1, 4, description="patch time"),
    patch_space=widgets.IntSlider(2, 1, 4, description="patch space"),
    dim=widgets.IntSlider(3072, 128, 6144, step=128, description="width D"),
    heads=widgets.IntSlider(24, 1, 48, description="heads"),
);

# %% [markdown]
# ## adaLN-Zero: a deep transformer that starts as the identity
#
# Every DiT block is conditioned on one vector `c` per video (the diffusion time, plus the
# pooled prompt in our model). Instead of learned LayerNorm gains, a small linear map
# regresses three vectors per sub-layer from `c`, and the sub-layer (attention or MLP) reads
#
# `h = LN(x) · (1 + scale) + shift`,   `x ← x + gate · sublayer(h)`
#
# (DiT's "adaLN-Zero", Peebles & Xie 2023, sec. 3.2). The "Zero" is the initialisation: the
# regression that produces `shift, scale, gate` starts at exactly zero, so `scale = shift = 0`
# (the `1 +` keeps the normalised tokens as they are instead of multiplying them by zero)
# and `gate = 0` (the sub-layer's output is switched off). Every block is then the identity
# map, and the DiT paper found this the best of the conditioning schemes it compared
# (in-context tokens, cross-attention, adaLN, adaLN-Zero). It is the same idea as lesson 04's
# zero-initialised temporal layers: add depth without disturbing the signal.
#
# Checked on `tinyvid`'s DiT at its shipped size, fresh from its constructor:

# %%
torch.manual_seed(0)
model = DiT(DiTConfig.default()).eval()
x = torch.randn(2, 16, 64, model.config.dim)  # [B, T', N, D] tokens
c = torch.randn(2, model.config.dim)  # [B, D] conditioning vector
with torch.no_grad():
    fresh = [float((blk(x, c) - x).abs().max()) for blk in model.blocks]
    out = model(torch.randn(2, 16, 8, 8, 8), torch.rand(2), Cond())
print("max |block(x) - x| per block, as initialised:", fresh)
print("the whole model's output is zero:", bool((out == 0).all()))

# %% [markdown]
# Now the same blocks with the adaLN regression initialised like any other linear layer
# (Xavier), the way a model without the "Zero" would start: every block changes its input
# (by the fractions printed and plotted below), and the changes compound through the depth.

# %%
torch.manual_seed(0)
plain = DiT(DiTConfig.default()).eval()
with torch.no_grad():
    for blk in plain.blocks:
        torch.nn.init.xavier_uniform_(blk.adaLN_modulation[-1].weight)
    h_zero, h_plain, rel_zero, rel_plain = x, x, [], []
    for blk_zero, blk_plain in zip(model.blocks, plain.blocks):
        y_zero, y_plain = blk_zero(h_zero, c), blk_plain(h_plain, c)
        rel_zero.append(float((y_zero - h_zero).norm() / h_zero.norm()))
        rel_plain.append(float((y_plain - h_plain).norm() / h_plain.norm()))
        h_zero, h_plain = y_zero, y_plain
print("relative change per block, adaLN-Zero:", [round(v, 3) for v in rel_zero])
print("relative change per block, plain init: ", [round(v, 3) for v in rel_plain])
fig, ax = plt.subplots(figsize=(5.5, 3))
idx = np.arange(len(rel_plain))
ax.bar(idx - 0.2, rel_zero, 0.4, label="adaLN-Zero (as shipped): exactly 0")
ax.bar(idx + 0.2, rel_plain, 0.4, label="adaLN, regression initialised like other layers")
ax.set_xticks(idx, [str(i) for i in idx])
ax.set_xlabel("block")
ax.set_ylabel("‖block(x) − x‖ / ‖x‖")
ax.set_title("How much each block changes its input at initialisation", fontsize=9)
ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# Starting as the identity does not mean starting stuck. With `gate = 0` the attention and
# MLP weights get no gradient (their output is multiplied by zero), and with the output layer
# at zero nothing behind it does either: at the first step only the output layer learns.
# Once it is non-zero, the gradient reaches the gates, and once the gates open, the
# sub-layers. Three plain SGD steps on a denoising-style loss (gradient norms of the output
# layer and of the first block's parts) show learning switch on from the output backwards:
# zero until the layer in front of it has moved, then growing.

# %%
torch.manual_seed(0)
learner = DiT(DiTConfig.default()).train()
opt = torch.optim.SGD(learner.parameters(), lr=0.05)
z, t = torch.randn(2, 16, 8, 8, 8), torch.rand(2)
target = torch.randn(2, 16, 8, 8, 8)
groups = {"output layer": "final.linear.", "adaLN regressions (gates)": "blocks.0.adaLN_modulation",
          "attention weights": "blocks.0.attns.", "MLP weights": "blocks.0.mlp."}
rows = []
for step in range(3):
    opt.zero_grad()
    F.mse_loss(learner(z, t, Cond()), target).backward()
    norms = {g: math.sqrt(sum(float(prm.grad.pow(2).sum()) for n, prm in learner.named_parameters()
                              if n.startswith(prefix) and prm.grad is not None))
             for g, prefix in groups.items()}
    rows.append(norms)
    opt.step()
print(f"{'gradient norm at step':28s}" + "".join(f"{s:>12d}" for s in range(3)))
for g in groups:
    print(f"{g:28s}" + "".join(f"{r[g]:12.2e}" for r in rows))

# %% [markdown]
# ## Our DiT against our U-Net
#
# `tinyvid` has both: the shipped video model is a U-Net (lesson 04's inflated image U-Net,
# trained on a GPU), and the DiT above is the same size class. Speed first, measured now on
# this machine: parameters, FLOPs of one forward pass on a 16-frame latent clip, and the
# time of one guided denoising call (batch 2). Times depend on the machine and its load;
# FLOPs and parameters do not.

# %%
unet = load_pipeline("default", device="cpu").model.float().eval()
dit_model = DiT(DiTConfig.default()).eval()


def forward_seconds(net, batch=2, frames=16, repeats=5):
    x = torch.randn(batch, frames, 8, 8, 8)
    t = torch.full((batch,), 0.5)
    with torch.inference_mode():
        net(x, t, Cond())  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            net(x, t, Cond())
            times.append(time.perf_counter() - start)
    return float(np.median(times))


speed = {}
for name, net in [("DiT (factorized, width 128, 4 blocks)", dit_model),
                  ("video U-Net (shipped architecture)", unet)]:
    measured = cost(net, torch.randn(1, 16, 8, 8, 8), torch.full((1,), 0.5), Cond())
    speed[name] = (measured.params, measured.flops, forward_seconds(net))
print(f"{'model':40s} {'parameters':>11s} {'GFLOP/clip':>11s} {'ms per guided call':>19s}")
for name, (params, flops, secs) in speed.items():
    print(f"{name:40s} {params / 1e6:10.2f}M {flops / 1e9:11.2f} {secs * 1000:19.0f}")

# %%
frames_list = [4, 8, 16, 32]
scaling = {name: [cost(net, torch.randn(1, T_, 8, 8, 8), torch.full((1,), 0.5), Cond()).flops
                  for T_ in frames_list]
           for name, net in [("DiT", dit_model), ("video U-Net", unet)]}
fig, ax = plt.subplots(figsize=(5, 3.2))
for name, fl in scaling.items():
    ax.plot(frames_list, np.array(fl) / 1e9, "o-", label=name)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xticks(frames_list, [str(f) for f in frames_list])
ax.set_yticks([0.5, 1, 2, 4], ["0.5", "1", "2", "4"])
ax.minorticks_off()
ax.set_xlabel("frames per clip")
ax.set_ylabel("GFLOP per forward (log)")
ax.set_title("Cost of one forward vs clip length (8×8×8 latent)", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# The DiT keeps all 64 tokens of a frame at full width in every block; the U-Net works with
# convolutions at 8×8 and 4×4 and uses attention only at 4×4. So at a similar
# parameter count the DiT does more arithmetic per clip. Both grow about linearly with the
# number of frames at these lengths (the DiT's attention is factorized: its temporal part
# is quadratic in frames but small while frames ≪ 64 tokens per frame).
#
# ### Quality at equal training
#
# Only the U-Net has been trained to the shipped level (on a GPU, about 717 k clips). To
# compare the architectures at equal training, `scripts/lesson07_dit_vs_unet.py` trains
# **both from scratch** with `tinyvid.train` for the same number of steps at the same batch
# size, on the same data stream and seed, with the same learning rate, schedule and EMA (the
# presets are found by what they train, the `video` task with model kind `dit` or
# `video_unet`, so renaming a preset needs no change), then scores both with
# `tinyvid.metrics` the same way, next to the shipped U-Net. The
# figures below come from a **committed run** of that script on a shared 2-core CPU: its
# command, date and machine are printed with them, and its times were measured **under
# load** from other processes (they are slower than an idle machine would give). The run
# records the preset names of its day: the DiT's preset `video` is now called `video-dit`.

# %%
run = json.loads((RESULTS / "dit_vs_unet.json").read_text())
print("command:", run["command"], "|", run["date_utc"], "UTC")
print("machine:", {k: run["machine"][k] for k in ("cpu_cores", "torch_threads", "torch", "note")})
arms, scores = run["arms"], run["scores"]
SHIPPED_CLIPS = 524_000 + 193_000  # the shipped U-Net's two GPU video stages (weights/RESULTS.md)
for name, arm in arms.items():
    print(f"  {name:16s} preset {arm['preset']!r:14s} {arm['steps']} steps × batch {arm['batch_size']}"
          f" = {arm['clips_seen']:,} clips ({arm['clips_seen'] / SHIPPED_CLIPS:.2%} of the shipped "
          f"U-Net's), lr {arm['lr']:g}, warm-up {arm['warmup_steps']}, {arm['train_seconds'] / 60:.1f} min "
          f"({arm['seconds_per_step']:.1f} s/step, under load)")

# %%
metrics = [("held_out_loss", "held-out flow-matching loss", "lower"),
           ("digit_accuracy", "digit read back", "higher"),
           ("direction_accuracy", "direction read back", "higher"),
           ("fvd", "FVD (tinyvid detector)", "lower"),
           ("frame_fid", "per-frame FID", "lower"),
           ("flicker", "flicker", "≈ real"),
           ("teleportation_rate", "teleportation rate", "lower")]
names = [n for n in ("dit", "unet", "unet_equal_time", "shipped_unet") if n in scores]
header = "| metric | better | " + " | ".join(names) + " | real floor |"
lines = [header, "|" + "---|" * (len(names) + 3)]
for key, label, better in metrics:
    floor = scores[names[0]]["floors"].get(key)
    cells = " | ".join(f"{scores[n][key]:.3g}" if scores[n][key] < 1000 else f"{scores[n][key]:.0f}"
                       for n in names)
    lines.append(f"| {label} | {better} | {cells} | {'—' if floor is None else f'{floor:.3g}'} |")
lines.append("| seconds per video (under load) | lower | "
             + " | ".join(f"{scores[n]['seconds_per_video']:.2f}" for n in names) + " | — |")
display(Markdown(f"{run['eval_prompts']} prompts per model, {run['sampler']['name']} "
                 f"{run['sampler']['steps']} steps, guidance {run['sampler']['guidance']:g}:\n\n"
                 + "\n".join(lines)))

# %%
d, u = scores["dit"], scores["unet"]
print(f"after {arms['dit']['steps']} equal steps: held-out loss DiT {d['held_out_loss']:.3f} vs U-Net "
      f"{u['held_out_loss']:.3f} (shipped U-Net {scores['shipped_unet']['held_out_loss']:.3f}); "
      f"FVD {d['fvd']:.0f} vs {u['fvd']:.0f} (real floor {d['floors']['fvd']:.0f})")
print(f"a DiT training step took {arms['dit']['seconds_per_step'] / arms['unet']['seconds_per_step']:.1f}× "
      f"as long as a U-Net step; a DiT sample {d['seconds_per_video'] / u['seconds_per_video']:.1f}× as long")

# %%
fig, ax = plt.subplots(figsize=(5.5, 3.2))
for name in ("dit", "unet", "unet_equal_time"):
    if name in arms:
        log = np.array(arms[name]["loss_log"])
        ax.plot(log[:, 0], log[:, 1], "o-", ms=3, label=f"{name} ({arms[name]['preset']})")
ax.set_xlabel(f"training step (batch of {arms['dit']['batch_size']} clips)")
ax.set_ylabel("training loss (flow matching)")
ax.set_title("Both architectures from scratch, same data and steps", fontsize=9)
ax.legend(fontsize=8)
fig.tight_layout()

# %%
samples = np.load(RESULTS / "samples.npz")
shown = [n for n in ("dit", "unet", "shipped_unet") if n in samples.files]
clips = torch.from_numpy(np.stack([samples[n][0] for n in shown])).float()[:, :, None] / 255
frame_grid(clips, titles=[f"{n}: '{samples['prompts'][0]}'" for n in shown], every=3,
           suptitle="Samples of the committed run (seed 0)");

# %% [markdown]
# **What this comparison can show.** At this budget (the share of the shipped U-Net's
# training printed above) both architectures are at the very start of learning: their
# samples are not digits yet. The loss curves and the held-out loss say which one lowers the
# denoising loss faster per step, at equal data and equal optimiser settings; the speed
# table says what each step and each sample costs. In this run the U-Net is ahead on both
# counts: a lower held-out loss and FVD after the same steps, and cheaper steps (the ratios
# printed above). On a small CPU budget, the convolutional model learns faster.
#
# **What it cannot show.** Which architecture is better when trained properly. Early
# training speed need not predict the end point (the Vision Transformer paper, Dosovitskiy
# et al. 2021, found transformers behind convolutional networks on small data and ahead on
# large data, for image classification). One seed and one shared learning rate is not a
# tuned comparison (each architecture may prefer another). Equal steps is not equal FLOPs:
# the DiT does more arithmetic per step (the speed table above). Prompt accuracy and FVD of
# near-untrained samples mostly say "not yet" for both (a flicker close to the real value
# is no success here: faint, blurry samples change little from frame to frame); the
# shipped U-Net's column shows where "trained" is. And the DiT paper's claim is about scaling, quality improving with
# compute at sizes far beyond ours, which a 2-core CPU cannot test.
#
# ## Doc check: the seed's model table
#
# The seed lists six models with a length, a resolution and a "key innovation" each, without
# sources. Below, each row with its source; "not reported" means the cited source does not
# give it (we do not fill gaps with guesses), and a correction says what changed. Then the
# open models you can download and run, or read.

# %%
SEED_ROWS = [  # model, seed's claim, what the source says, source
    ("Sora (OpenAI, 2024)", "T2V, I2V; ~60 s; up to 1080p; DiT, spacetime patches",
     "A diffusion transformer on spacetime patches of a compressed latent video: as the seed "
     "says. Up to a minute; samples widescreen 1920×1080 and vertical 1080×1920 and sizes "
     "between; also animates images, extends and edits videos. Parameters: not reported. "
     "Update: the product released in December 2024 makes clips of up to 20 s at up to 1080p.",
     "Brooks et al. 2024, 'Video generation models as world simulators' (OpenAI technical "
     "report); OpenAI, 'Sora is here' (December 2024)"),
    ("SVD (Stability AI, 2023)", "I2V; ~4 s; 1024×576; latent video diffusion",
     "Image-to-video: 14 frames (SVD) or 25 frames (SVD-XT) at 576×1024; the model card calls "
     "the clips short (≤ 4 s). A latent video diffusion U-Net (an image model with temporal "
     "layers); the paper's contribution is mostly the data curation and staged training. "
     "Parameters: not reported here.",
     "Blattmann et al. 2023, arXiv:2311.15127; model cards stable-video-diffusion-img2vid(-xt)"),
    ("Runway Gen-3 Alpha (2024)", "T2V, I2V; ~10 s; 1280×768; multi-modal conditioning",
     "Clips of 5 or 10 s at 1280×768 (or 768×1280) through Runway's API. No paper: the "
     "architecture and parameters are not reported, so 'multi-modal conditioning' is not a "
     "documented design. Out of date: Runway released Gen-4 in 2025.",
     "Runway API reference (image_to_video: ratio, duration); Runway's Gen-3 Alpha announcement"),
    ("Kling (Kuaishou, 2024)", "T2V; ~5 min; 1080p; long-form coherence",
     "Wrong length: announced as up to 2 minutes at 30 fps and up to 1080p. No paper for "
     "the first "
     "version; parameters not reported.",
     "Kuaishou's announcement (June 2024), quoted by MIT Technology Review, 'I tested out a "
     "buzzy new text-to-video AI model from China' (June 2024)"),
    ("Pika (Pika Labs, 2023–)", "T2V, I2V; ~3 s; various; user-friendly editing",
     "No technical report; lengths and resolutions changed from version to version (Pika "
     "1.0 in 2023 and several versions since), so length, resolution and parameters: not reported in a technical "
     "source. The row describes a product, not a method.",
     "Pika's product pages only"),
    ("Make-A-Video (Meta, 2022)", "T2V; ~5 s; 768×768; spatiotemporal layers",
     "A text-to-image model extended with pseudo-3D (spatial + temporal) convolutions and "
     "attention, trained on video without captions; a decoder makes 16 frames at 64×64, then "
     "frame interpolation and two super-resolution stages up to 768×768. Length in seconds: "
     "not reported here. Weights were not released.",
     "Singer et al. 2022/2023 (ICLR), arXiv:2209.14792"),
]
md = ["| model | the seed says | the source says (and corrections) | source |", "|---|---|---|---|"]
md += [f"| {m} | {s} | {c} | {src} |" for m, s, c, src in SEED_ROWS]
display(Markdown("\n".join(md)))

# %% [markdown]
# Open models you can run or read, with their reported sizes. Parameters are the
# denoiser's (text encoders and autoencoders not included) where the source gives them.

# %%
OPEN_MODELS = [  # name, parameters (billions or None), length s, width, height, note, source
    ("Stable Video Diffusion XT", None, 4.0, 1024, 576,
     "I2V; 25 frames; '≤ 4 s' per the model card", "arXiv:2311.15127; model card"),
    ("CogVideoX-2B", 2.0, 6.0, 720, 480, "T2V; 49 frames at 8 fps",
     "arXiv:2408.06072; model cards THUDM/CogVideoX-2b, -5b"),
    ("CogVideoX-5B", 5.0, 6.0, 720, 480, "T2V (and an I2V model); 49 frames at 8 fps",
     "arXiv:2408.06072; model card THUDM/CogVideoX-5b"),
    ("HunyuanVideo", 13.0, 5.0, 1280, 720, "T2V; 129 frames; 4×8×8 video autoencoder",
     "arXiv:2412.03603; Tencent/HunyuanVideo README"),
    ("Wan 2.1 T2V-1.3B", 1.3, 5.0, 832, 480, "T2V; 480P", "arXiv:2503.20314; Wan-Video/Wan2.1 README"),
    ("Wan 2.1 T2V-14B", 14.0, 5.0, 1280, 720, "T2V; 480P and 720P",
     "arXiv:2503.20314; Wan-Video/Wan2.1 README"),
    ("Wan 2.2 TI2V-5B", 5.0, None, 1280, 720, "T2V + I2V; 720P at 24 fps; 16×16×4 autoencoder; "
     "length not reported here", "Wan-Video/Wan2.2 README"),
    ("LTX-Video 0.9", 2.0, 5.0, 768, 512, "T2V + I2V; 24 fps; 5 s generated in 2 s on an H100; "
     "parameters from the checkpoint name ltx-video-2b-v0.9", "arXiv:2501.00103"),
    ("Open-Sora 1.2", None, 15.0, 1280, 720, "up to 15 s and up to 720p; parameters not reported here",
     "arXiv:2412.20404"),
    ("Open-Sora 2.0", 11.0, None, 768, 768, "256px and 768px; length not reported here",
     "arXiv:2503.09642"),
]
RES_LABELS = {  # where the source gives a class of resolution, not a size (plotted at 1280×720, 768×768)
    "Wan 2.2 TI2V-5B": "720P", "Open-Sora 1.2": "up to 720p",
    "Open-Sora 2.0": "768px (several aspect ratios)",
}
CLOSED_FOR_PLOT = [  # name, length s, width, height (from the table above)
    ("Sora (report)", 60.0, 1920, 1080), ("Sora (product, 2024)", 20.0, 1920, 1080),
    ("Kling (announced)", 120.0, 1920, 1080), ("Runway Gen-3 Alpha", 10.0, 1280, 768),
]
md = ["| model | parameters | max length | resolution | notes | source |", "|---|---|---|---|---|---|"]
for name, params, secs, w, h, note, src in OPEN_MODELS:
    md.append(f"| {name} | {'not reported here' if params is None else f'{params:g} B'} | "
              f"{'not reported here' if secs is None else f'{secs:g} s'} | {RES_LABELS.get(name, f'{w}×{h}')} | "
              f"{note} | {src} |")
display(Markdown("\n".join(md)))

# %%
fig, ax = plt.subplots(figsize=(8.5, 5))
stacked = {}  # labels of points at the same place go one under the other


MOVED = {"LTX-Video 0.9 (2 B)": (-95, -4), "Runway Gen-3 Alpha": (-40, 8)}  # clear of neighbours


def label(name, xy, color):
    key = (xy[0], round(2 * math.log2(xy[1])))  # points close on the log scale share a stack
    k = stacked.get(key, 0)
    stacked[key] = k + 1
    ax.annotate(name, xy, fontsize=7, xytext=MOVED.get(name, (6, 2 - 9 * k)), textcoords="offset points",
                color=color)


for name, params, secs, w, h, _, _ in OPEN_MODELS:
    if secs is None:
        continue
    ax.scatter(secs, w * h, s=30 if params is None else 25 * params, edgecolors="C0", alpha=0.6,
               facecolors="none" if params is None else "C0")
    label(name + ("" if params is None else f" ({params:g} B)"), (secs, w * h), "C0")
for name, secs, w, h in CLOSED_FOR_PLOT:
    ax.scatter(secs, w * h, s=40, marker="s", edgecolors="C3", facecolors="none")
    label(name, (secs, w * h), "C3")
ax.scatter(2.0, 64 * 64, s=40, marker="*", color="C2")
label("tinyvid (16 frames at 8 fps, 2.1 M)", (2.0, 64 * 64), "C2")
ax.set_xscale("log")
ax.set_yscale("log")
ticks = [2, 5, 10, 20, 60, 120]
ax.set_xticks(ticks, [str(v) for v in ticks])
ax.set_xlim(1.5, 400)
ax.set_xlabel("longest reported clip (seconds, log)")
ax.set_ylabel("pixels per frame (log)")
ax.set_yticks([64 * 64, 720 * 480, 1280 * 720, 1920 * 1080], ["64×64", "720×480", "1280×720", "1920×1080"])
ax.minorticks_off()
ax.set_title("Reported length × resolution; blue disc area ∝ parameters (hollow: not reported),\n"
             "red squares: closed models (parameters not reported)", fontsize=9)
fig.tight_layout()

# %% [markdown]
# Two cautions when reading such a plot: "longest clip" and "resolution" are the maker's
# claims and need not come together (closed models' limits are product settings that
# change), and the open models' lengths are what one
# generation makes by default, not a ceiling. Compare a model with its own report, not with
# another maker's marketing.
#
# ## Sora's architecture: reported vs guessed
#
# The seed draws Sora's architecture "(Speculated)". Kept apart:
#
# | reported in Brooks et al. 2024 | **not reported** (you will read guesses; treat them as speculation) |
# |---|---|
# | a diffusion model, and a transformer: "a diffusion transformer" | the number of parameters, layers, width |
# | a video compression network turns videos into a lower-dimensional latent, compressed in time and space, with a decoder back to pixels | the compression factors, the latent channels, whether the autoencoder is causal |
# | the latent is cut into spacetime patches that act as the transformer's tokens | the patch size in time and space |
# | training on videos and images at their native durations, resolutions and aspect ratios; sampling 1920×1080 to 1080×1920 | the attention layout (full 3D or factorized), position encoding |
# | re-captioning (as in DALL·E 3) for detailed training captions, and prompts expanded by GPT | the text encoder, how the text enters the blocks (cross-attention, adaLN, in-context) |
# | prompting with images and videos: animating images, extending videos, editing (SDEdit), joining videos | the training objective (noise vs flow matching), the sampler and its step count |
# | sample quality improves with training compute (shown at base, 4× and 32× compute) | the training data, its size and the compute used |
#
# Our DiT has every ingredient in the left column at toy scale (a frame autoencoder rather
# than a video one); everything in the right column is a choice we made, not Sora's.

# %% [markdown]
# ## Exercises
#
# Five functions, each graded by the cell after it. Use `einops.rearrange` for the axis work.
#
# ### Exercise 1: patchify (★★, about 10 minutes)

# %%
# EXERCISE: patchify
def patchify(video: torch.Tensor, patch_frames: int, patch_size: int) -> torch.Tensor:
    """Cut a video into non-overlapping spacetime patches, one token per patch.

    Args:
        video: [B, T, C, H, W]; T is a multiple of patch_frames, H and W of patch_size.
        patch_frames: pt, frames per patch.
        patch_size: p, the patch's height and width in pixels.
    Returns:
        [B, T/pt, (H/p)*(W/p), pt*p*p*C]: for each time slot, the patches row by row; each
        token lists its patch's values frame by frame, then row by row, then column by
        column, with the C channels of a pixel together.
    """
    raise NotImplementedError


# %%
check.patchify(patchify)

# %% [markdown]
# ### Exercise 2: unpatchify, and the round trip (★★, about 8 minutes)
#
# The inverse. You are given the height `H` (frames need not be square); the rest follows
# from the shapes. The check includes round trips: tokens made by `patchify` must come back
# as the video they were cut from.

# %%
# EXERCISE: unpatchify
def unpatchify(tokens: torch.Tensor, patch_frames: int, patch_size: int, height: int) -> torch.Tensor:
    """Put the patches back where they came from: the inverse of patchify.

    Args:
        tokens: [B, T', N, pt*p*p*C], laid out as patchify returns them.
        patch_frames: pt.  patch_size: p.
        height: H of the video, a multiple of p.
    Returns:
        [B, T'*pt, C, H, W] with W = p * N / (H / p).
    """
    raise NotImplementedError


# %%
check.unpatchify(unpatchify)

# %% [markdown]
# When both pass: `unpatchify(patchify(v, pt, p), pt, p, v.shape[3])` returns `v` exactly for
# any divisible sizes (the library's pair is checked the same way in `tests/nn/test_dit.py`).
#
# ### Exercise 3: one adaLN-Zero step (★★, about 10 minutes)
#
# One residual step of a DiT block, with the sub-layer (attention or MLP) handed to you as a
# function. The regression from the conditioning is `weight` and `bias`; the adaLN-Zero
# section above says how its three outputs are used.

# %%
# EXERCISE: adaln_zero_step
def adaln_zero_step(x, c, weight, bias, sublayer):
    """One conditioned, gated residual step on a sequence of tokens.

    Args:
        x: [B, L, D] tokens.
        c: [B, D] conditioning vector (time + prompt), one per sequence.
        weight: [3D, D], bias: [3D]: the regression applied to SiLU(c); its output splits
            into shift, scale and gate, each [B, D], in that order.
        sublayer: a function [B, L, D] -> [B, L, D].
    Returns:
        [B, L, D]. The tokens are layer-normalised over D (no learned gain or bias,
        eps = 1e-6) and modulated before the sublayer; the sublayer's output enters the
        residual stream through the gate. With weight = bias = 0 it returns x.
    """
    raise NotImplementedError


# %%
check.adaln_zero_step(adaln_zero_step)

# %% [markdown]
# ### Exercise 4: the token count (★, about 6 minutes)
#
# The general form of the count above: an autoencoder that packs `vae_time` frames and
# `vae_space × vae_space` pixels into one latent cell, then `patch_time × patch_space ×
# patch_space` patches. A size that does not divide is padded up to a whole cell or patch.

# %%
# EXERCISE: token_count
def token_count(num_frames, height, width, vae_time, vae_space, patch_time, patch_space) -> int:
    """Tokens a spacetime-patch transformer sees for one clip, as a Python int.

    Args:
        num_frames, height, width: the clip in pixels.
        vae_time, vae_space: the autoencoder's compression in time and in each spatial axis.
        patch_time, patch_space: the patch size in latent cells.
    """
    raise NotImplementedError


# %%
check.token_count(token_count)

# %% [markdown]
# ### Exercise 5: what full attention costs (★, about 5 minutes)

# %%
# EXERCISE: attention_cost
def attention_cost(num_tokens, dim, heads, bytes_per_element) -> tuple[int, int]:
    """The attention core of one full self-attention layer over one clip, as Python ints.

    Args:
        num_tokens: L.  dim: D, the token width (split among the heads).
        heads: number of heads.  bytes_per_element: 2 for bf16, 4 for fp32.
    Returns:
        (flops, score_bytes): FLOPs of the scores Q·Kᵀ and of the weighted sum of the values
        (a multiply-add counts 2; projections not included), and the bytes the score matrices
        of all heads would take if stored.
    """
    raise NotImplementedError


# %%
check.attention_cost(attention_cost)

# %% [markdown]
# ## Recap
#
# - A DiT sees a video as tokens: `'b (t pt) c (h p) (w q) -> b t (h w) (pt p q c)'` and back.
#   The layout inside a token is a convention that `unpatchify` must read the same way;
#   swapped axes keep the shapes and scramble the patches.
# - Tokens grow linearly with length and area and shrink with the square of the patch size;
#   full attention grows with the square of the tokens. That arithmetic, not the idea, is
#   what limits clip length, and why the autoencoder's compression matters as much as the
#   transformer.
# - adaLN-Zero: `LN(x)·(1 + scale) + shift`, `x + gate·f(…)`, with the regression at zero, so
#   every block starts as the identity. Model facts need sources: the seed's Kling length
#   was wrong, and most of "Sora's architecture" is not reported.
#
# Next: lesson 08, evaluation: what FVD and its cousins measure and miss. The production
# versions: `tinyvid.nn.dit` (`patchify`, `unpatchify`, `DiTBlock`, `DiT`),
# `tinyvid.nn.tokens` (token counts and attention cost), and
# `scripts/lesson07_dit_vs_unet.py` for the comparison.
