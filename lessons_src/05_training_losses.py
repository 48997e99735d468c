# %% [markdown]
# # 05 · Training: the video diffusion loss and flow matching
#
# **Goal:** write the loss a video diffusion model is trained with, know what each prediction
# target (ε, x₀, v, flow velocity) is and how to turn one into another, and see, measured,
# why all frames of a training video share one noise level. You will build the pieces, check
# them against `tinyvid.diffusion`, look at the known-frames mask that lets one model do
# text-to-video, image-to-video, extension and interpolation, and train a tiny video model
# live. Follows the seed's section "Training Video Diffusion" ("Video Diffusion Loss", "Flow
# Matching for Video"). About 50 minutes; runs in about a minute and a half on a laptop CPU;
# uses the shipped video model and trains a small one from scratch.
#
# ## Set-up

# %%
import copy
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from einops import rearrange

from exercises import check
from tinyvid import load_pipeline
from tinyvid.data import moving_mnist
from tinyvid.diffusion import NoiseSchedule, add_noise, flow_matching_loss, sample
from tinyvid.diffusion.losses import MODES, known_mask_for, masked_mse, random_known_mask
from tinyvid.diffusion.schedules import flow_interpolate, flow_velocity_target, velocity_to_x1
from tinyvid.nn import Cond, TextEncoderConfig, UNetConfig, VideoUNet
from tinyvid.pipelines import WEIGHTS_DIR
from tinyvid.text import tokenize
from tinyvid.viz import frame_grid

torch.manual_seed(0)
device = "cpu"  # a tiny model and small batches: the CPU is the reference machine here
pipe = load_pipeline(device=device)  # the shipped video model (flow matching) and its autoencoder
model, autoencoder = pipe.model, pipe.autoencoder
cosine = NoiseSchedule("cosine")
linear = NoiseSchedule("linear")

# %% [markdown]
# ## The idea: one noise level per video
#
# Training a diffusion model is a regression. Take a clean sample, destroy part of it with
# Gaussian noise, and ask the network to say what was destroyed. For an image `x₀` and a noise
# level `t` (Ho et al. 2020, "Denoising Diffusion Probabilistic Models", eq. 4 and 14):
#
# ```
#   x_t  = √ᾱ(t) · x₀ + √(1 − ᾱ(t)) · ε          ε ~ N(0, I)
#   loss = ‖ ε_θ(x_t, t, prompt) − ε ‖²
# ```
#
# `ᾱ(t)` (alpha-bar) is the share of the signal's variance left at time `t`: 1 for a clean
# sample, close to 0 for pure noise. The seed's `video_diffusion_loss` does exactly this
# with `x₀` a whole **latent video**, `[B, T, c, h, w]`, and one rule that makes it a *video*
# loss: `t` is drawn **once per video** (`torch.randint(0, 1000, (B,))`) and shared by all
# its frames. At sampling time every frame starts from pure noise and all of them are
# denoised together, step by step, so at every step all frames are at the same noise level.
# A model should be trained on what it will see.
#
# ### Conventions: which end is noise?
#
# Every codebase picks a direction for time, and they do not agree. Reading other code, check
# this first.
#
# | | diffusion time | flow matching path | flow target |
# |---|---|---|---|
# | **tinyvid** (DESIGN.md) | `t ∈ [0, 1]` float, `t = 1` is noise | `x_t = (1 − t)·x_0 + t·x_1`, **`x_0` noise, `x_1` data**, `t = 1` is data | `x_1 − x_0` (data − noise) |
# | the seed | integer `t ∈ 0..999`, 999 is noise (ours × 1000) | the same as ours | the same as ours |
# | Meta's `flow_matching`, `torchcfm` | | the same as ours | the same as ours |
# | diffusers | `DDPMScheduler`: integer timesteps 0..999, 999 is noise | `FlowMatchEulerDiscreteScheduler.scale_noise`: `σ·noise + (1 − σ)·data`, **`σ = 1` is noise** (timestep = 1000·σ) | its SD3 training scripts: `noise − data` |
#
# So diffusers' flow `σ` is our `1 − t`, and its velocity is minus ours: a model trained one
# way and sampled the other way walks away from the data. In tinyvid the flip between the
# two directions lives in one place (`tinyvid.diffusion.schedules.flow_to_diffusion_time`),
# and a checkpoint's config names its objective, so samplers never guess.
#
# ## Noise schedules: ᾱ and √ᾱ
#
# `ᾱ(t)` is a design choice. DDPM's **linear** schedule (its betas grow linearly from 10⁻⁴ to
# 0.02 over 1000 steps) destroys a small image early: half-way through, little is left. The
# **cosine** schedule (Nichol & Dhariwal 2021, "Improved DDPM", eq. 17) spends more of the time
# axis at the noise levels where the content is decided. The data is multiplied by `α = √ᾱ`,
# the noise by `σ = √(1 − ᾱ)`; since `α² + σ² = 1`, unit-variance data stays unit variance
# at every `t` (a *variance-preserving* path). Flow matching's straight path (below) instead
# uses weights `t` and `1 − t`, which add up to 1, not their squares. On the right, both
# schedules trace the same quarter circle (they differ only in how fast they move along it);
# the flow path is the straight line between the same two ends.

# %%
ts = torch.linspace(0, 1, 201)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 3.6))
for name, sch, colour in [("linear", linear, "C0"), ("cosine", cosine, "C1")]:
    ab = sch.alpha_bar(ts)
    ax1.plot(ts, ab, color=colour, label=f"{name}: ᾱ(t)")
    ax1.plot(ts, ab.sqrt(), color=colour, ls="--", label=f"{name}: α = √ᾱ(t), weight of the data")
    ax2.plot(ab.sqrt(), (1 - ab).sqrt(), color=colour, label=f"{name} (variance preserving)")
ax2.plot(1 - ts, ts, color="C2", label="flow matching: data weight 1 − τ, noise weight τ")
ax1.set(xlabel="diffusion time t (0 = data, 1 = noise)", ylabel="weight", title="Two schedules")
ax2.set(xlabel="weight of the data", ylabel="weight of the noise", aspect="equal",
        title="The path each takes from data (right) to noise (top)")
ax1.legend(fontsize=7)
ax2.legend(fontsize=7, loc="lower left")
fig.tight_layout()
for name, sch in [("linear", linear), ("cosine", cosine)]:
    half = sch.alpha_bar(torch.tensor(0.5))
    print(f"{name:7s} at t = 0.5: ᾱ = {half:.3f}, data weight √ᾱ = {half.sqrt():.3f}, "
          f"noise weight √(1 − ᾱ) = {(1 - half).sqrt():.3f}")

# %% [markdown]
# On a real frame (pixels scaled to `[-1, 1]`, as inside the models): at the same `t` the
# linear schedule has removed far more of the digit than the cosine one.

# %%
clips, labels, captions = moving_mnist(16, seed=5, num_frames=16, num_digits=1, split="test")
frame = clips[0, 8, 0] * 2 - 1  # [64, 64] in [-1, 1]
eps = torch.randn(frame.shape, generator=torch.Generator().manual_seed(1))  # [64, 64]
shown_t = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
fig, axes = plt.subplots(2, len(shown_t), figsize=(8.4, 4.3), dpi=60)  # noise compresses badly: kept small
for row, (name, sch) in enumerate([("linear", linear), ("cosine", cosine)]):
    for ax, t in zip(axes[row], shown_t):
        ab = sch.alpha_bar(torch.tensor(t))
        ax.imshow(ab.sqrt() * frame + (1 - ab).sqrt() * eps, cmap="gray", vmin=-2, vmax=2,
                  interpolation="nearest")
        ax.set(xticks=[], yticks=[], title=f"{name}, t = {t:.1f}\nᾱ = {ab:.3f}")
        ax.title.set_fontsize(8)
fig.suptitle("x_t = √ᾱ·x₀ + √(1 − ᾱ)·ε on one frame (grey scale from −2 to 2)", fontsize=10)
fig.tight_layout();

# %% [markdown]
# The library's `add_noise(x0, noise, t, schedule)` is this formula with one `t` per video,
# broadcast over `[B, T, c, h, w]`. The same thing by hand, on a batch of latent videos:

# %%
with torch.no_grad():
    latents = autoencoder.encode_video(clips)  # [16, 16, 8, 8, 8]: the shipped autoencoder's latent
noise = torch.randn(latents.shape, generator=torch.Generator().manual_seed(2))  # [16, 16, 8, 8, 8]
t = torch.rand(16, generator=torch.Generator().manual_seed(3))  # [16]: one time per video
a = rearrange(cosine.alpha_bar(t), "b -> b 1 1 1 1")  # [16, 1, 1, 1, 1]: shared by all frames
by_hand = a.sqrt() * latents + (1 - a).sqrt() * noise  # [16, 16, 8, 8, 8]
print(f"by hand vs tinyvid.diffusion.add_noise: max |difference| = "
      f"{(by_hand - add_noise(latents, noise, t, cosine)).abs().max():.1e}")

# %% [markdown]
# ## What the network predicts: ε, x₀ or v
#
# Given `x_t` and `t`, three targets carry the same information, because `x_t` ties them
# together (write `α = √ᾱ(t)`, `σ = √(1 − ᾱ(t))`):
#
# | target | what it is | from a prediction to x₀ |
# |---|---|---|
# | **ε** (Ho et al. 2020) | the noise that was added | `x₀ = (x_t − σ·ε) / α` |
# | **x₀** | the clean video itself | (nothing to do) |
# | **v** (Salimans & Ho 2022, "Progressive Distillation", sec. 4) | `v = α·ε − σ·x₀` | exercise 4: two equations, two unknowns |
#
# and back from x₀: `ε = (x_t − α·x₀) / σ`. The conversions are exact, so which
# target to train on is about *how errors behave*. A network is never exact: if its output is
# off by `δ`, the x₀ read from it is off by `(σ/α)·δ` for ε-prediction, by `σ·δ` for v and by
# `(1 − t)·δ` for flow matching (next section). Near pure noise `α → 0`, so an ε-model's x₀
# estimate explodes. This is one reason larger video and image models moved to v or flow
# targets (Imagen Video, Ho et al. 2022, trains with v; Stable Diffusion 3, Esser et al. 2024,
# with flow matching). Our conversions, from the definitions, against the library's:

# %%
ab = rearrange(cosine.alpha_bar(t), "b -> b 1 1 1 1")  # [16, 1, 1, 1, 1]
alpha, sigma = ab.sqrt(), (1 - ab).sqrt()
x_t = alpha * latents + sigma * noise  # [16, 16, 8, 8, 8]
v = alpha * noise - sigma * latents  # the v target
checks = {  # name: (ours, the library's, the true value)
    "ε → x₀: (x_t − σ·ε) / α": ((x_t - sigma * noise) / alpha, cosine.eps_to_x0(x_t, noise, t), latents),
    "x₀ → ε: (x_t − α·x₀) / σ": ((x_t - alpha * latents) / sigma, cosine.x0_to_eps(x_t, latents, t), noise),
    "v target: α·ε − σ·x₀": (v, cosine.v_target(latents, noise, t), v),
}
for name, (ours, library, truth) in checks.items():
    print(f"{name:26s} vs the library: max |difference| {(ours - library).abs().max():.1e};  "
          f"vs the true value: {(ours - truth).abs().max():.1e}")

# %% [markdown]
# ## Flow matching for video: straight paths
#
# Flow matching (Lipman et al. 2023, "Flow Matching for Generative Modeling"; Liu et al. 2022,
# "Rectified Flow") drops the schedule. Draw noise `x_0` and data `x_1` and join them with a
# straight line; the network learns the velocity along it:
#
# ```
#   x_t  = (1 − t) · x_0 + t · x_1        t ~ U[0, 1], one per video
#   loss = ‖ u_θ(x_t, t, prompt) − (x_1 − x_0) ‖²
# ```
#
# The target `x_1 − x_0` does not depend on `t` at all. At sampling time an ODE solver
# (Euler, Heun) follows the learned velocity from noise at `t = 0` to data at `t = 1`:
# straight-ish paths need few steps, which is why the shipped model samples in 12 Heun steps.
# The seed's `video_flow_matching_loss` is this, with `t = torch.rand(B, 1, 1, 1, 1)`: **the
# same rule, one `t` per video**, for the same reason: the solver moves all frames together.
#
# Below, the path from one noise draw to one data point, in two coordinates of a latent video:
# a variance-preserving diffusion path curves (its weights move on the quarter circle above),
# the flow path is a straight line, and its velocity is the same arrow everywhere on it.

# %%
pairs = [(noise[i, 0, :2, 0, 0], latents[i, 0, :2, 0, 0]) for i in range(4)]  # ([2], [2]) each
fig, ax = plt.subplots(figsize=(5.6, 4.6))
for i, (n2, d2) in enumerate(pairs):
    ab_path = cosine.alpha_bar(ts)[:, None]  # [201, 1]: diffusion from data (t=0) to noise
    vp = ab_path.sqrt() * d2 + (1 - ab_path).sqrt() * n2  # [201, 2]
    fm = ts.flip(0)[:, None] * d2 + (1 - ts.flip(0)[:, None]) * n2  # [201, 2]: flow, data to noise
    ax.plot(vp[:, 0], vp[:, 1], color=f"C{i}", ls="--", lw=1)
    ax.plot(fm[:, 0], fm[:, 1], color=f"C{i}", lw=1.5)
    ax.plot(*n2, "o", color=f"C{i}", ms=6)
    ax.plot(*d2, "*", color=f"C{i}", ms=11)
    mid = flow_interpolate(n2, d2, 0.5)
    ax.annotate("", xy=mid + 0.25 * (d2 - n2), xytext=mid,
                arrowprops=dict(arrowstyle="->", color=f"C{i}", lw=1.5))
ax.plot([], [], "k--", lw=1, label="cosine diffusion path (curved)")
ax.plot([], [], "k-", lw=1.5, label="flow matching path (straight)")
ax.plot([], [], "ko", label="noise (flow x_0)")
ax.plot([], [], "k*", ms=10, label="data (flow x_1)")
ax.set(xlabel="latent coordinate 1", ylabel="latent coordinate 2",
       title="From noise to data: four pairs, two paths\n(arrow: the velocity target x_1 − x_0, a quarter of it)")
ax.title.set_fontsize(9)
ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# The two are closer than they look: any Gaussian path is a rescaled other one. A diffusion
# state `α·x₀ + σ·ε` divided by `α + σ` is exactly the flow state at `t = α / (α + σ)` (with
# the flow's data `x_1` being diffusion's `x₀`). So a model trained for one target can be read
# as another (Kingma & Gao 2023, "Understanding Diffusion Objectives"). A flow velocity `u` at
# time `t` gives `x̂_1 = x_t + (1 − t)·u` and `x̂_0 = x_t − t·u`
# (`tinyvid.diffusion.schedules.velocity_to_x1`, `velocity_to_epsilon`). Checked:

# %%
s = alpha / (alpha + sigma)  # [16, 1, 1, 1, 1]: the flow time with the same signal-to-noise ratio
flow_state = flow_interpolate(noise, latents, s.flatten())  # [16, 16, 8, 8, 8]
print(f"diffusion x_t / (α + σ) vs the flow state at t = α / (α + σ): max |difference| "
      f"{(x_t / (alpha + sigma) - flow_state).abs().max():.1e}")
u_true = flow_velocity_target(noise, latents)  # x_1 - x_0
print(f"x_t + (1 − t)·u with the true velocity recovers the data: max |error| "
      f"{(velocity_to_x1(u_true, flow_state, s.flatten()) - latents).abs().max():.1e}")

# %% [markdown]
# ### Our flow-matching loss against the library's, on the shipped model
#
# The shipped video model was trained with flow matching. Here is its loss on 16 held-out
# clips, written out by hand, next to `tinyvid.diffusion.flow_matching_loss` called with the
# same noise and times:

# %%
tokens = tokenize(captions)  # [16, L]
cond = Cond(tokens=tokens)  # text only: text-to-video, nothing known
t_flow = torch.rand(16, generator=torch.Generator().manual_seed(4))  # [16]: one time per video
with torch.no_grad():
    x_t_flow = flow_interpolate(noise, latents, t_flow)  # [16, 16, 8, 8, 8]
    ours = F.mse_loss(model(x_t_flow, t_flow, cond), latents - noise)
    library = flow_matching_loss(model, latents, cond, t=t_flow, noise=noise)
print(f"by hand {ours:.5f}   tinyvid.diffusion.flow_matching_loss {library:.5f}")

# %% [markdown]
# ## What goes wrong when every frame draws its own t
#
# Suppose the loss drew `t` per frame, `[B, T]` instead of `[B]`. A model that takes one
# time per video would then be trained on clips whose frames sit at 16 different noise
# levels: some nearly clean, some nearly pure noise. How often does such a clip look like
# what the sampler shows it, all frames at one level? For `T` independent uniform times the
# chance that all of them fall within a window of width `w` is `T·w^(T−1) − (T−1)·w^T`:

# %%
T = 16
for w in (0.05, 0.1, 0.25):
    print(f"all {T} frames within {w:.2f} of each other: probability {T * w ** (T - 1) - (T - 1) * w ** T:.1e}")
spread = torch.rand(100_000, T, generator=torch.Generator().manual_seed(5))  # [100000, 16]
print(f"typical distance between the noisiest and the cleanest frame (100,000 draws): "
      f"{(spread.max(1).values - spread.min(1).values).mean():.3f}")

# %% [markdown]
# Practically never. And such clips teach the wrong skill: when a neighbouring frame is
# nearly clean, the easiest way to denoise a frame is to copy from it. At sampling time
# there is no clean neighbour to copy from.
#
# We can measure how far apart the two kinds of input are for a real network. The shipped
# model was trained the right way (one `t` per video). Give it the same 16 held-out clips,
# but with each frame noised to its own time spread around the video's time (told to the
# model, which can only take one time per video, as the mean), and measure its velocity
# error. The target `x_1 − x_0` does not depend on `t`, so the errors compare directly.

# %%
gen = torch.Generator().manual_seed(6)
t_video = 0.15 + 0.7 * torch.rand(16, generator=gen)  # [16] the time each video is told
offsets = 2 * torch.rand(16, T, generator=gen) - 1  # [16, T] in [-1, 1], one per frame
spreads = [0.0, 0.05, 0.1, 0.2, 0.3, 0.5]
errors, frame_errors = {}, {}
with torch.no_grad():
    for width in spreads + ["independent"]:
        if width == "independent":  # every frame its own t ~ U[0, 1]: the per-frame loss
            t_frames = torch.rand(16, T, generator=gen)  # [16, T]
        else:
            t_frames = (t_video[:, None] + width * offsets).clamp(0, 1)  # [16, T]
        told = t_frames.mean(1)  # [16]: all the model can be told
        tf = rearrange(t_frames, "b t -> b t 1 1 1")  # [16, T, 1, 1, 1]: each frame its own time
        x_t_frames = (1 - tf) * noise + tf * latents  # [16, T, 8, 8, 8]
        pred = model(x_t_frames, told, cond)  # [16, T, 8, 8, 8]
        per_frame = ((pred - (latents - noise)) ** 2).mean((2, 3, 4))  # [16, T]
        errors[width] = per_frame.mean().item()
        frame_errors[width] = (t_frames - told[:, None], per_frame)
shared = errors[0.0]
for width, err in errors.items():
    label = "shared t (as trained)" if width == 0.0 else (
        "independent t per frame" if width == "independent" else f"frames within ±{width}")
    print(f"{label:26s} velocity MSE {err:.3f}  ({err / shared:.1f}× shared)")

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10.5, 3.6))
ax1.plot(spreads, [errors[w] for w in spreads], "o-", label="frames spread ±w around the video's t")
ax1.axhline(errors["independent"], color="C3", ls="--", label="every frame its own t ~ U[0, 1]")
ax1.set(xlabel="spread w of the frames' times around the video's t", ylabel="velocity MSE",
        ylim=(0, None), title="The shipped model's error grows as frames disagree")
ax1.legend(fontsize=8)
dt, per_frame = frame_errors["independent"]
ax2.scatter(dt.flatten(), per_frame.flatten(), s=4, alpha=0.5)
ax2.set(xlabel="frame's own t − the t the model was told", ylabel="that frame's velocity MSE",
        title="Independent t per frame: error per frame")
fig.tight_layout()

# %% [markdown]
# The model's error is smallest on the inputs it was trained on and grows quickly as the
# frames' noise levels drift apart; frames whose level differs most from the one the model
# was told are worst, and worst of all those that are cleaner than it was told (right side
# of the scatter). The same gap, mirrored, is what a model trained with per-frame times
# faces at sampling time: it would be trained on one kind of input and used on another.
# (Some recent models *do* noise frames independently on purpose, e.g. Diffusion Forcing,
# Chen et al. 2024; they then tell the network every frame's own level and sample with
# matching per-frame schedules. The rule is really: train on the noise pattern you sample
# with.)
#
# What the model makes of one clip, shared vs independent times: its estimate of the clean
# clip, `x̂_1 = x_t + (1 − t)·u`, each frame with its own `t`, decoded to pixels.

# %%
def clean_estimate(t_frames: torch.Tensor, i: int = 0) -> torch.Tensor:
    """The model's x̂_1 for video i with per-frame times t_frames [T], decoded: [1, T, 1, 64, 64]."""
    tf = rearrange(t_frames, "t -> 1 t 1 1 1")
    x = (1 - tf) * noise[i : i + 1] + tf * latents[i : i + 1]  # [1, T, 8, 8, 8]
    with torch.no_grad():
        u = model(x, t_frames.mean()[None], Cond(tokens=tokens[i : i + 1]))  # [1, T, 8, 8, 8]
        return autoencoder.decode_video(x + (1 - tf) * u)  # [1, T, 1, 64, 64]


t_indep = torch.rand(T, generator=torch.Generator().manual_seed(7))  # [T]
t_same = torch.full((T,), float(t_indep.mean()))  # [T]: the same mean, shared
fig = frame_grid(torch.cat([clips[:1], clean_estimate(t_same), clean_estimate(t_indep)]), every=2,
                 titles=[f"the real clip: '{captions[0]}'",
                         f"model's clean estimate, every frame at t = {t_same[0]:.2f} (as trained)",
                         "model's clean estimate, each frame at its own t (mean "
                         f"{t_indep.mean():.2f}): t = " + ", ".join(f"{x:.2f}" for x in t_indep[::2])],
                 suptitle="One clip, the same average noise: shared vs independent times per frame")

# %% [markdown]
# With one shared time the estimate is a clean digit on the real path. With independent
# times, the frames that are much noisier than the time the model was told (their own `t`
# is in the row's title) come out smeared.

# %% [markdown]
# ## Play with it: one noise level, four ways to look at it
#
# Move `t` (diffusion time, cosine schedule: 0 is the clean frame, 1 pure noise). The top row
# shows the clean frame, the noise, the diffusion state `x_t` and the flow state at the same
# signal-to-noise ratio. The middle row shows the three regression targets: ε, v and the flow
# velocity. The bottom row asks: if the network's output were off by the *same* small error
# `δ` (a fixed random pattern, RMS 0.2), what clean frame would each parameterisation give
# back? Near `t = 1` the ε route blows the error up by `σ/α`; v and flow keep it below `δ`.
# The last panel is the shipped model's own estimate of the clean frame at that noise level
# (in its latent space, decoded). (The slider runs live in Jupyter; the figure above it is
# its starting state.)

# %%
pixel = clips[0] * 2 - 1  # [T, 1, 64, 64] in [-1, 1]
pixel_noise = torch.randn(pixel.shape, generator=torch.Generator().manual_seed(8))
delta = 0.2 * torch.randn(pixel.shape, generator=torch.Generator().manual_seed(9))  # the error
SHOW = 8  # the frame shown


def draw_targets(t: float = 0.8):
    ab_t = cosine.alpha_bar(torch.tensor(t))
    al, sg = ab_t.sqrt(), (1 - ab_t).sqrt()
    s_t = al / (al + sg)  # flow time with the same signal-to-noise ratio
    x0, e, d = pixel[SHOW, 0], pixel_noise[SHOW, 0], delta[SHOW, 0]
    xt = al * x0 + sg * e
    xs = (1 - s_t) * e + s_t * x0
    v_t, u_t = al * e - sg * x0, x0 - e
    tt = torch.tensor(t)
    from_eps = cosine.eps_to_x0(xt, e + d, tt)  # the library's conversions
    from_v = cosine.v_to_x0(xt, v_t + d, tt)
    from_flow = velocity_to_x1(u_t + d, xs, s_t)
    with torch.no_grad():
        z = (1 - s_t) * noise[:1] + s_t * latents[:1]  # [1, T, 8, 8, 8]: the clip in latent space
        u = model(z, s_t.reshape(1), Cond(tokens=tokens[:1]))
        estimate = autoencoder.decode_video(z + (1 - s_t) * u)[0, SHOW, 0] * 2 - 1  # [64, 64]
    rms = lambda y: (y - x0).pow(2).mean().sqrt().item()
    panels = [
        [("clean frame x₀", x0), ("noise ε", e), (f"diffusion x_t (α {al:.2f}, σ {sg:.2f})", xt),
         (f"flow state at t = {s_t:.2f}", xs)],
        [("target ε", e), ("target v = α·ε − σ·x₀", v_t), ("flow target x_1 − x_0", u_t), None],
        [(f"x₀ from ε + δ: error ×{sg / al:.2f}\nRMS {rms(from_eps):.2f}", from_eps),
         (f"x₀ from v + δ: error ×{sg:.2f}\nRMS {rms(from_v):.2f}", from_v),
         (f"x₀ from flow + δ: error ×{1 - s_t:.2f}\nRMS {rms(from_flow):.2f}", from_flow),
         (f"shipped model's estimate\nRMS {rms(estimate):.2f}", estimate)],
    ]
    fig, axes = plt.subplots(3, 4, figsize=(8.4, 6.9), dpi=60)  # drawn twice (static + slider): kept light
    for r, row in enumerate(panels):
        for ax, panel in zip(axes[r], row):
            ax.set(xticks=[], yticks=[])
            if panel is None:
                ax.axis("off")
                continue
            title, img = panel
            im = ax.imshow(img, cmap="gray" if r != 1 else "RdBu_r", vmin=-2.5, vmax=2.5,
                           interpolation="nearest")
            ax.set_title(title, fontsize=8)
        fig.colorbar(im, ax=axes[r].tolist(), fraction=0.02, pad=0.01, label="value")
    fig.suptitle(f"diffusion time t = {t:.2f} (cosine: ᾱ = {ab_t:.3f}); frame {SHOW} of "
                 f"'{captions[0]}'", fontsize=10)
    return fig


draw_targets(0.8);

# %%
widgets.interact(draw_targets, t=widgets.FloatSlider(0.8, min=0.02, max=0.98, step=0.02, description="t"));

# %% [markdown]
# ## The masked loss: one model, four modes
#
# tinyvid's video model serves text-to-video, image-to-video, extension and interpolation with
# one set of weights (the masked-conditional recipe of MCVD, Voleti et al. 2022; SVD,
# Blattmann et al. 2023, feeds its conditioning frame in through channels the same way).
# During training each clip draws a **known-frames mask** `[B, T]`: nothing known (text-to-
# video), the first frame (image-to-video), the first k frames (extension) or the first and
# last (interpolation). Known frames reach the model clean, as extra input channels next to
# `x_t`, together with the mask, and they are **left out of the loss**: the sampler pastes
# them back anyway, so there is nothing to learn there. The masks of each mode, and a batch
# as training draws it (`random_known_mask`: t2v 40 %, i2v 25 %, extension 20 %,
# interpolation 15 %):

# %%
mode_masks = torch.stack([known_mask_for(m, T, context=4) for m in MODES])  # [4, T]
drawn = random_known_mask(12, T, generator=torch.Generator().manual_seed(10))  # [12, T]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.4), gridspec_kw={"width_ratios": [4, 12]})
for ax, m, rows, title in [
    (ax1, mode_masks, ["text-to-video", "image-to-video", "extension (4 known)", "interpolation"],
     "The mask of each mode"),
    (ax2, drawn, [f"clip {i}" for i in range(len(drawn))], "A training batch's masks"),
]:
    im = ax.imshow(m, cmap="Greens", vmin=0, vmax=1.3, aspect="auto")
    ax.set(xticks=range(0, T, 3), yticks=range(len(rows)), xlabel="frame index", title=title)
    ax.set_yticklabels(rows, fontsize=8)
fig.colorbar(im, ax=[ax1, ax2], ticks=[0, 1], label="1 = known (given, not in the loss)");

# %% [markdown]
# What does the shipped model predict on the known frames, where it was never trained? Its
# per-frame velocity error, for each mode's mask, on the same clips at `t = 0.5`:

# %%
t_half = torch.full((16,), 0.5)
x_half = flow_interpolate(noise, latents, t_half)  # [16, T, 8, 8, 8]
fig, ax = plt.subplots(figsize=(8, 3.4))
for i, mode in enumerate(MODES):
    mask = mode_masks[i].expand(16, T)  # [16, T]
    known = latents * rearrange(mask, "b t -> b t 1 1 1")  # [16, T, 8, 8, 8]: zeros where unknown
    with torch.no_grad():
        pred = model(x_half, t_half, Cond(tokens=tokens, known_mask=mask, known=known))
    per_frame = ((pred - (latents - noise)) ** 2).mean((0, 2, 3, 4))  # [T]
    ax.plot(range(T), per_frame, ["o-", "^--", "v:", "s-."][i], ms=3, color=f"C{i}", label=mode)
    for j in mode_masks[i].nonzero().flatten().tolist():
        ax.plot(j, per_frame[j], "s", ms=9, mfc="none", color=f"C{i}")
    ours = ((pred - (latents - noise)) ** 2 * rearrange(1 - mask, "b t -> b t 1 1 1")).sum() / (
        (1 - mask).sum() * latents[0, 0].numel())
    line = (f"{mode:12s} loss on the frames to generate: by hand {ours:.4f}, masked_mse "
            f"{masked_mse(pred, latents - noise, mask):.4f}")
    if mode != "t2v":
        on_known = per_frame[mode_masks[i] > 0].mean()
        line += f"; on the known frames {on_known:.3f} ({on_known / ours:.1f}×)"
    print(line)
ax.set(xticks=range(T), xlabel="frame index", ylabel="velocity MSE at t = 0.5",
       title="The shipped model's error per frame (squares: frames given as known)")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Where a frame is given, the model's output there is not a good velocity (its error is
# several times that of the frames it generates), because nothing ever asked it to be. It
# does not matter: the sampler keeps the given frames. On the frames it generates, knowing
# some frames helps a little: the loss over the generated frames is lower with a known frame
# than for text-to-video, and in the figure the gain over text-to-video sits mostly on the
# frames right next to a known one. The seed's loss is
# a plain `F.mse_loss` over every frame; that is right for text-to-video, where nothing is
# known, and it is what `masked_mse` reduces to when the mask is empty.
#
# ## A live run: train a tiny video model
#
# Time to train one. To fit a CPU and a minute, the problem is shrunk: Moving MNIST clips of
# 8 frames (every second frame of 16, so a digit moving at normal speed, 3 px a frame, moves
# 6 px of the 64-px canvas per step, 1.5 px once shrunk) at 16×16 pixels, and a video
# U-Net of the shipped kind (temporal convolutions and temporal attention) with 16 and 32
# channels instead of 64 and 128. The loss is the library's `flow_matching_loss`, prompts
# included; nothing else. Each step draws a fresh batch.

# %%
def small_clips(n: int, seed) -> tuple[torch.Tensor, list[str]]:
    """n Moving MNIST clips, 8 frames at 16×16, in [-1, 1]: [n, 8, 1, 16, 16], and captions."""
    v, _, caps = moving_mnist(n, seed=seed, num_frames=16, num_digits=1)  # [n, 16, 1, 64, 64]
    v = F.avg_pool2d(rearrange(v[:, ::2], "b t c h w -> (b t) c h w"), 4)  # [n*8, 1, 16, 16]
    return rearrange(v, "(b t) c h w -> b t c h w", b=n) * 2 - 1, caps


def draw_samples(net, prompts, seed=0) -> torch.Tensor:
    """12 Heun steps from the same noise: [len(prompts), 8, 1, 16, 16] in [0, 1]."""
    with torch.no_grad():
        z = sample(net, (len(prompts), 8, 1, 16, 16), Cond(tokens=tokenize(prompts)), sampler="heun",
                   steps=12, objective="flow", generator=torch.Generator().manual_seed(seed))
    return ((z + 1) / 2).clamp(0, 1)


torch.manual_seed(0)
tiny = VideoUNet(UNetConfig(latent_channels=1, channels=(16, 32), heads=2, emb_dim=64,
                            text=TextEncoderConfig.tiny()))
prompts = ["a 3 moving right", "a 7 moving down", "a 0 moving up-left", "a 5 moving left"]
before = draw_samples(tiny.eval(), prompts[:2])
opt = torch.optim.AdamW(tiny.parameters(), lr=3e-3)
gen = torch.Generator().manual_seed(11)
steps, batch, curve = 120, 16, []
tiny.train()
start, start_cpu = time.perf_counter(), time.process_time()
for step in range(steps):
    x1, caps = small_clips(batch, seed=[11, step])
    loss = flow_matching_loss(tiny, x1, Cond(tokens=tokenize(caps)), generator=gen)
    opt.zero_grad()
    loss.backward()
    opt.step()
    curve.append(loss.item())
seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
after = draw_samples(tiny.eval(), prompts)
print(f"{steps} steps of {batch} clips = {steps * batch:,} clips in {cpu_seconds:.0f} s of CPU time "
      f"({steps * batch / cpu_seconds:.0f} clips/s; {seconds:.0f} s on the wall clock, which also counts "
      f"whatever else this machine was running); {sum(p.numel() for p in tiny.parameters()):,} parameters")

# %%
smooth = torch.tensor(curve).unfold(0, 10, 1).mean(1)  # running mean over 10 steps
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.semilogy(curve, alpha=0.4, label="loss of each step")
ax.semilogy(range(9, steps), smooth, label="running mean over 10 steps")
ax.set(xlabel="Adam step (16 clips each)", ylabel="flow-matching loss (log)",
       title="The tiny model's training curve")
ax.legend(fontsize=8)
fig.tight_layout()
frame_grid(torch.cat([before, after]), size=0.7,
           titles=[f"before training: '{p}'" for p in prompts[:2]] + [f"after {steps} steps: '{p}'" for p in prompts],
           suptitle="Samples from the same noise, before and after the live run (16×16, 8 frames)");

# %% [markdown]
# The loss falls fast at first and then slowly. The samples go from noise to what the model
# learns first: a black background with one blob of ink about the size of a digit. The blobs
# are not yet digits, do not follow their prompts, and hop from place to place between frames
# instead of moving smoothly. That is what this minute of CPU buys.
#
# ### What minutes buy: this CPU vs the GPU that trained the shipped model
#
# The shipped model's training loss was not saved with its weights: the weights folder holds
# the weights, their configs, the MANIFEST and two write-ups, and no log:

# %%
print(sorted(p.name for p in WEIGHTS_DIR.iterdir()))

# %% [markdown]
# So we compare with the figures recorded in `tinyvid/weights/README.md` and `RESULTS.md`
# (`bash scripts/train_gpu.sh`, one NVIDIA H200, bf16): the image model saw 2.0 M frames in a
# 140-second budget; the video model (2.14 M parameters) then ran 4,092 + 1,507 steps of 128
# clips, 717 k clips in 360 + 150 seconds, "≈ 1,540 clips/s". A CPU continuation of that model
# (batch 32, 600 steps, 25 minutes) made it worse and was not shipped. How fast does the
# shipped architecture train on this CPU? One forward and backward pass of the real model on
# a batch of 4 clips, timed:

# %%
trainable = copy.deepcopy(model).float().train().requires_grad_(True)
batch_clips = latents[:4]  # [4, 16, 8, 8, 8]
times = []
for k in range(3):
    began = time.process_time()  # CPU time: what the step cost, however busy the machine is
    loss = flow_matching_loss(trainable, batch_clips, Cond(tokens=tokens[:4]),
                              generator=torch.Generator().manual_seed(k))
    loss.backward()
    times.append(time.process_time() - began)
cpu_rate = 4 / min(times)  # clips per CPU-second, best of three
recorded_cpu = 600 * 32 / (25 * 60)  # RESULTS.md: the CPU continuation, 600 steps of 32 clips in 25 min
gpu_clips, gpu_seconds = 4_092 * 128 + 1_507 * 128, 360 + 150  # tinyvid/weights/README.md
gpu_rate = gpu_clips / gpu_seconds
print(f"shipped video model, measured now on this CPU ({torch.get_num_threads()} thread(s)): "
      f"{min(times):.2f} s of CPU time per step of 4 clips = {cpu_rate:.1f} clips/s = "
      f"{60 * cpu_rate:,.0f} clips per minute")
print(f"the recorded 2-core CPU continuation (RESULTS.md): {recorded_cpu:.1f} clips/s = "
      f"{60 * recorded_cpu:,.0f} clips per minute")
print(f"the GPU run: {gpu_clips:,} clips in {gpu_seconds} s = {gpu_rate:,.0f} clips/s = "
      f"{60 * gpu_rate:,.0f} clips per minute, {gpu_rate / recorded_cpu:,.0f}× the recorded CPU rate")
print(f"the GPU's {gpu_clips:,} clips at the recorded CPU rate: about {gpu_clips / recorded_cpu / 3600:.0f} "
      f"hours (the GPU's video stages: {gpu_seconds / 60:.1f} minutes)")
del trainable

# %% [markdown]
# A CPU-minute buys the shipped architecture some hundreds of clips (768 in the recorded CPU
# run, the second line above); a GPU-minute bought it tens of thousands, and after hundreds
# of thousands the model draws the asked digit in most clips, not all (87.5 % on the quick
# prompt set, scored with the current detector, RESULTS.md). That is why the course ships
# weights trained on a GPU and trains only toy models live. (The "measured now" line is this
# CPU's own figure: compare it with yours.)
#
# ## Exercises
#
# Four functions: the pieces of this lesson, written by you. The checks try several shapes,
# every mode's mask, and the edge cases that break most first tries (one frame, a batch of one,
# the two ends of the schedule, a batch where the time axis and the batch axis have the same
# size, so a level on the wrong axis does not simply crash).
#
# **Exercise 1: add noise.** Difficulty ★, about 5 minutes. Noise a batch of videos, each to
# its own level `alpha_bar` (shared by all its frames).

# %%
# EXERCISE: add_noise
def add_noise(x0: torch.Tensor, noise: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """The noisy video x_t of the forward diffusion process.

    Args:
        x0: [B, T, C, H, W] clean videos.
        noise: [B, T, C, H, W] Gaussian noise.
        alpha_bar: [B], the share of the signal's variance kept, one value per video.
    Returns:
        [B, T, C, H, W]: x_t (alpha_bar = 1 gives x0, alpha_bar = 0 gives the noise).
    """
    raise NotImplementedError


# %%
check.add_noise(add_noise)

# %% [markdown]
# **Exercise 2: the masked diffusion loss.** Difficulty ★★★, about 15 minutes. The training
# loss of an ε-prediction masked-conditional video model: noise the clean videos (one level
# per video), give the model the known frames clean through `Cond(known_mask=..., known=...)`
# (the contract of `tinyvid.nn.Cond`: `known` holds the clean frames where the mask is 1 and
# zeros elsewhere), and return the mean squared error between its output and the noise, over
# the values of the frames it must generate. If every frame is known, return 0. The checks
# pass a small stand-in model that takes `model(x_t, t, cond)` like the real one.

# %%
# EXERCISE: masked_diffusion_loss
def masked_diffusion_loss(
    model,
    x0: torch.Tensor,
    noise: torch.Tensor,
    t: torch.Tensor,
    alpha_bar: torch.Tensor,
    known_mask: torch.Tensor,
) -> torch.Tensor:
    """ε-prediction loss on the frames to generate.

    Args:
        model: called as model(x_t, t, cond) -> [B, T, C, H, W] noise prediction.
        x0: [B, T, C, H, W] clean latent videos; noise: [B, T, C, H, W].
        t: [B] the time of each video (what the model is told); alpha_bar: [B] its ᾱ(t).
        known_mask: [B, T] float, 1 where a frame is given.
    Returns:
        a 0-d tensor: the mean over every value of every unknown frame of (prediction - noise)²;
        0 if no frame is unknown.
    """
    raise NotImplementedError


# %%
check.masked_diffusion_loss(masked_diffusion_loss)

# %% [markdown]
# **Exercise 3: the flow-matching pair.** Difficulty ★★, about 8 minutes. In tinyvid's
# convention (`x_0` noise, `x_1` data, `t = 1` is data), return the point on the straight
# path at time `t` and the velocity the network regresses on.

# %%
# EXERCISE: flow_matching_pair
def flow_matching_pair(
    noise: torch.Tensor, data: torch.Tensor, t: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Training input and target of flow matching.

    Args:
        noise: [B, T, C, H, W] (x_0); data: [B, T, C, H, W] (x_1).
        t: [B] one time per video, in [0, 1].
    Returns:
        (x_t, target), both [B, T, C, H, W].
    """
    raise NotImplementedError


# %%
check.flow_matching_pair(flow_matching_pair)

# %% [markdown]
# **Exercise 4: from v to x₀.** Difficulty ★★, about 8 minutes. A v-prediction model says
# `v`; recover its estimate of the clean video.

# %%
# EXERCISE: v_to_x0
def v_to_x0(x_t: torch.Tensor, v: torch.Tensor, alpha_bar: torch.Tensor) -> torch.Tensor:
    """The clean-video estimate implied by a v-prediction.

    Args:
        x_t: [B, T, C, H, W] the noisy videos; v: [B, T, C, H, W] the prediction.
        alpha_bar: [B] ᾱ(t) of each video.
    Returns:
        [B, T, C, H, W]: the x0 for which v would be the exact v target.
    """
    raise NotImplementedError


# %%
check.v_to_x0(v_to_x0)

# %% [markdown]
# ## Recap
#
# - A video diffusion loss is an image diffusion loss on the whole latent video with **one
#   noise level per video**, because the sampler moves all frames together. Noise the frames
#   to different levels and the model trains on inputs it never meets: the shipped model's
#   error was several times higher on such clips.
# - ε, x₀, v and flow velocity are exact reparameterisations of one another; they differ in
#   how a prediction error turns into an x₀ error (×`σ/α` for ε, ×1 for x₀, ×`σ` for v,
#   ×`1 − t` for flow). Flow matching joins
#   noise and data with a straight line and regresses the constant velocity `x_1 − x_0`;
#   ours has `x_0` noise and `t = 1` data, diffusers' `σ` runs the other way.
# - One masked-conditional model learns every mode by drawing a known-frames mask per clip,
#   giving those frames clean and leaving them out of the loss.
#
# **Next:** lesson 06, the four generation modes and the samplers that use these models. The
# production versions of this lesson's pieces are in `tinyvid.diffusion.schedules`
# (`NoiseSchedule`, `add_noise`, the conversions, `flow_interpolate`) and
# `tinyvid.diffusion.losses` (`diffusion_loss`, `flow_matching_loss`, `masked_mse`,
# `random_known_mask`, `training_cond`).
