# %% [markdown]
# # 04 · 3D and (2+1)D convolutions, temporal layers in a U-Net
#
# **Goal:** know the two ways convolutions see time (a full 3×3×3 kernel, or a 3×3 spatial
# kernel followed by a 3-tap temporal one), what each costs, and how an image U-Net becomes a
# video U-Net by inserting temporal layers that start as the identity. Follows the seed's
# sections "2. 3D Convolutions" and "3. Temporal Layers in U-Net". About 50 minutes; runs in
# about a minute on a laptop CPU; inflates the shipped image model (the per-frame model of
# lesson 02) and trains small untrained models.
#
# ## Set-up

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from einops import rearrange, repeat
from torch import nn

from exercises import check
from tinyvid import load_pipeline
from tinyvid.data import moving_mnist
from tinyvid.nn import cost
from tinyvid.nn.cond import Cond
from tinyvid.nn.conv import Conv2Plus1dBlock, Conv3dBlock, TemporalConv
from tinyvid.nn.layers import zero_init
from tinyvid.nn.seed_bugs import SeedTemporal3DConvBlock
from tinyvid.nn.unet import ImageUNet, UNetConfig, inflate
from tinyvid.text import tokenize
from tinyvid.viz import frame_grid

torch.manual_seed(0)
device = "cpu"  # small models and batches: the CPU is fastest here, with or without a GPU

# %% [markdown]
# ## The idea
#
# An image U-Net is built from 2D convolutions: a 3×3 kernel mixes each pixel with its
# neighbours in one frame. Run it on a video frame by frame and the frames never meet: that
# is the flicker of lesson 02. Convolutions can see time in two ways:
#
# - **3D convolution** (C3D, Tran et al. 2015): a `3×3×3` kernel over `(t, y, x)` mixes a
#   pixel with its neighbours in the previous, current and next frame, in one go.
#   `27·C_in·C_out` weights.
# - **(2+1)D convolution** (R(2+1)D, Tran et al. 2018): a `1×3×3` spatial kernel, a
#   non-linearity, then a `3×1×1` temporal kernel. `9·C_in·C_mid + 3·C_mid·C_out` weights:
#   with `C_mid = C_out = C_in = C` that is `12·C²` instead of `27·C²`. The same reach
#   (3 frames × 3×3 pixels), fewer weights, one more non-linearity, and the spatial half is
#   exactly an image conv, so it can be copied from a trained image model.
#
# PyTorch's `nn.Conv3d` wants `[B, C, T, H, W]`; our videos are `[B, T, C, H, W]`, so every
# block in `tinyvid.nn.conv` rearranges inside (`'b t c h w -> b c t h w'`) and back.
#
# The second idea is **inflation** (Make-A-Video, Singer et al. 2023; Ho et al. 2022 use the
# same factorized U-Net): take an image U-Net, keep its 2D layers as they are (applied to
# every frame), and insert temporal layers (temporal convolutions, temporal attention) that
# compute the identity at initialisation. The video model then *starts* as the image model
# applied frame by frame, and training only has to teach it motion.

# %% [markdown]
# ## See it: parameters and FLOPs
#
# Measured with `tinyvid.nn.cost` on 16 frames of 16×16 with 64 channels in and out. R(2+1)D
# also picks the middle width `C_mid` so that the (2+1)D block has as many weights as the 3D
# one, `C_mid = ⌊27·C_in·C_out / (9·C_in + 3·C_out)⌋`, spending the savings on width; that
# variant is the third row.

# %%
C = 64
x = torch.randn(1, 16, C, 16, 16)  # [B, T, C, H, W]
matched = (27 * C * C) // (9 * C + 3 * C)
blocks = {
    "Conv3dBlock 3×3×3": Conv3dBlock(C, C),
    "Conv2Plus1dBlock, C_mid = 64": Conv2Plus1dBlock(C, C),
    f"Conv2Plus1dBlock, C_mid = {matched} (R(2+1)D)": Conv2Plus1dBlock(C, C, mid_channels=matched),
}
print(f"{'block':40s} {'conv weights':>12s} {'params':>8s} {'MFLOP':>8s}")
for name, block in blocks.items():
    c = cost(block, x)
    conv_weights = sum(m.weight.numel() for m in block.modules() if isinstance(m, nn.Conv3d))
    print(f"{name:40s} {conv_weights:12,d} {c.params:8,d} {c.flops / 1e6:8.0f}")
print(f"formulas: 27·C² = {27 * C * C:,}   12·C² = {12 * C * C:,}   "
      f"9·C·C_mid + 3·C_mid·C = {9 * C * matched + 3 * matched * C:,}")

# %% [markdown]
# The conv weights match the formulas (the rest of the parameters are biases and norms), and
# FLOPs follow the weights: every weight is used once per output position, so a (2+1)D block
# with `C_mid = C` does 12/27 ≈ 44 % of the 3D block's work.
#
# ### What a kernel can see: the receptive field over (t, y, x)
#
# Which input pixels can change the output at the centre of a clip? Take the gradient of the
# centre output with respect to the input: it is non-zero exactly on the receptive field. Each
# row below is a stack of convolutions, each column one frame of the input (offset from the
# centre frame). This uses bare convolutions: the blocks' GroupNorms pool statistics over the
# whole clip, which would make every pixel "reachable" a little.

# %%
def conv_stack(kind: str, layers: int, channels: int = 4) -> nn.Module:
    """`layers` convolutions of one kind (SiLU in between), on [B, C, T, H, W]."""
    kernels = {
        "spatial 1×3×3 (image conv per frame)": [(1, 3, 3)],
        "temporal 3×1×1": [(3, 1, 1)],
        "3D 3×3×3": [(3, 3, 3)],
        "(2+1)D: 1×3×3 then 3×1×1": [(1, 3, 3), (3, 1, 1)],
    }[kind]
    mods = []
    for _ in range(layers):
        for k in kernels:
            mods += [nn.Conv3d(channels, channels, k, padding=tuple(s // 2 for s in k)), nn.SiLU()]
    return nn.Sequential(*mods)


def receptive_field(kind: str, layers: int, T: int = 7, S: int = 11) -> torch.Tensor:
    """|∂ centre output / ∂ input|, summed over channels: [T, S, S] (t, y, x)."""
    torch.manual_seed(0)
    net = conv_stack(kind, layers)
    v = torch.randn(1, 4, T, S, S, requires_grad=True)  # [B, C, T, H, W]
    net(v)[0, :, T // 2, S // 2, S // 2].sum().backward()
    return v.grad.abs().sum(dim=1)[0]  # [T, S, S]


KINDS = ["spatial 1×3×3 (image conv per frame)", "temporal 3×1×1", "3D 3×3×3",
         "(2+1)D: 1×3×3 then 3×1×1"]


def draw_receptive_fields(layers: int = 1, T: int = 7, S: int = 11):
    """One strip per kind of stack: the T input frames side by side, blue = can influence."""
    fig, axes = plt.subplots(len(KINDS), 1, figsize=(8, 1.6 * len(KINDS) + 0.5), squeeze=False)
    for ax, kind in zip(axes[:, 0], KINDS):
        field = (receptive_field(kind, layers, T, S) > 0).float()  # [T, S, S]
        strip = rearrange(F.pad(field, (0, 1), value=0.5), "t h w -> h (t w)")  # [S, T*(S+1)]
        ax.imshow(strip.numpy(), cmap="Blues", vmin=0, vmax=1.2, interpolation="nearest")
        ax.plot([(T // 2) * (S + 1) + S // 2], [S // 2], "r.", markersize=5)
        ax.set_xticks([(S + 1) * t + S / 2 - 0.5 for t in range(T)],
                      [f"t {t - T // 2:+d}" for t in range(T)], fontsize=8)
        ax.set_yticks([])
        frames = int(field.flatten(1).any(1).sum())
        ax.set_title(f"{kind}: {int(field.sum())} input pixels in {frames} frame(s)",
                     fontsize=9, loc="left")
    axes[-1, 0].set_xlabel("input frame, relative to the centre frame (each square: 11×11 pixels)")
    fig.suptitle(f"Receptive field of the centre output (red dot) after {layers} layer(s)",
                 fontsize=10)
    fig.tight_layout()
    return fig


draw_receptive_fields(1);

# %% [markdown]
# A 3D kernel and a (2+1)D pair reach exactly the same 3×3×3 neighbourhood: factorizing the
# kernel does not shrink what it sees, only how many weights describe it (a (2+1)D kernel is
# a low-rank 3D kernel, with a SiLU in the middle). The image conv alone never leaves its
# frame. Stack layers and the reach grows by one frame on each side per layer.

# %% [markdown]
# ## Play with it: stacking layers
#
# Move the slider: how many layers until the centre output can see the first and the last of
# the 7 frames? (The slider runs live in Jupyter; the figure above is its starting state.)

# %%
widgets.interact(draw_receptive_fields, layers=widgets.IntSlider(1, 1, 4, description="layers"));

# %% [markdown]
# ## Doc check: one GroupNorm for two convolutions
#
# The seed's `Temporal3DConvBlock` creates **one** `nn.GroupNorm` and applies it after the
# spatial conv and again after the temporal conv. `tinyvid.nn.seed_bugs` keeps it as written
# (`SeedTemporal3DConvBlock`, on `[B, C, T, H, W]`); `tinyvid.nn.conv.Conv2Plus1dBlock` gives
# each conv its own norm. What does sharing do? GroupNorm has no running statistics: it
# normalises each call with that call's own mean and variance. What is shared is its learned
# **gain and bias**, one pair for two layers whose features are distributed differently:

# %%
seed_block = SeedTemporal3DConvBlock(8, 8)
print("seed's parameters:  ", [n for n, _ in seed_block.named_parameters()])
print("tinyvid's parameters:", [n for n, _ in Conv2Plus1dBlock(8, 8).named_parameters()])

v = torch.randn(4, 8, 6, 16, 16)  # [B, C, T, H, W], the seed's layout
with torch.no_grad():
    a = seed_block.spatial_conv(v)  # what the norm sees the first time
    b = seed_block.temporal_conv(seed_block.act(seed_block.norm(a)))  # ... and the second time
for name, h in [("after the spatial conv", a), ("after the temporal conv", b)]:
    print(f"{name:24s} per-channel mean ranges {h.mean((0, 2, 3, 4)).min():+.2f} .. "
          f"{h.mean((0, 2, 3, 4)).max():+.2f}, std {h.std((0, 2, 3, 4)).min():.2f} .. "
          f"{h.std((0, 2, 3, 4)).max():.2f}")

# %% [markdown]
# The two inputs to the shared norm differ (the temporal conv reads SiLU outputs, which are
# mostly positive), and after normalising, each layer would want its own scale and shift:
# how strongly to switch on each channel before the SiLU. The seed's block is exactly
# `Conv2Plus1dBlock` with `norm2` tied to `norm1`:

# %%
fixed = Conv2Plus1dBlock(8, 8)
fixed.spatial.load_state_dict(seed_block.spatial_conv.state_dict())
fixed.temporal.load_state_dict(seed_block.temporal_conv.state_dict())
fixed.norm1.load_state_dict(seed_block.norm.state_dict())
fixed.norm2.load_state_dict(seed_block.norm.state_dict())  # tie the two norms, as the seed does
with torch.no_grad():
    seed_out = rearrange(seed_block(v), "b c t h w -> b t c h w")
    gap = (seed_out - fixed(rearrange(v, "b c t h w -> b t c h w"))).abs().max()
print(f"seed block vs Conv2Plus1dBlock with norm2 = norm1: max |difference| = {gap:.1e}")

# %% [markdown]
# So the seed's block can only represent the functions where both norms agree. Does that
# matter? A small experiment: a "teacher" `Conv2Plus1dBlock` whose two norms differ (gain 2,
# bias −1 after the spatial conv; gain 0.5, bias 0.5 after the temporal one) produces targets,
# and two students start from the same weights and are trained with Adam to match it: the
# seed's block and the fixed one.

# %%
torch.manual_seed(0)
teacher = Conv2Plus1dBlock(8, 8)
with torch.no_grad():
    teacher.norm1.weight.fill_(2.0)
    teacher.norm1.bias.fill_(-1.0)
    teacher.norm2.weight.fill_(0.5)
    teacher.norm2.bias.fill_(0.5)
    inputs = torch.randn(16, 6, 8, 8, 8)  # [B, T, C, H, W]
    targets = teacher(inputs)

students = {
    "seed: one shared GroupNorm": lambda u: rearrange(
        seed_block(rearrange(u, "b t c h w -> b c t h w")), "b c t h w -> b t c h w"),
    "fixed: a GroupNorm per conv": fixed,
}
trainable = {"seed: one shared GroupNorm": seed_block.parameters(),
             "fixed: a GroupNorm per conv": fixed.parameters()}
curves = {}
for name, student in students.items():
    opt = torch.optim.Adam(trainable[name], lr=1e-2)
    curves[name] = []
    for step in range(300):
        loss = F.mse_loss(student(inputs), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        curves[name].append(loss.item())

fig, ax = plt.subplots(figsize=(5.5, 3.4))
for name, curve in curves.items():
    ax.semilogy(curve, label=f"{name} (final {curve[-1]:.4f})")
ax.set_xlabel("Adam step")
ax.set_ylabel("MSE to the teacher (log)")
ax.set_title("Fitting a (2+1)D block whose two norms differ")
ax.legend(fontsize=8)
fig.tight_layout()

# %% [markdown]
# Both start at the same loss (same weights); the fixed block keeps improving, the seed's
# stalls about three times higher (the final losses are in the legend), because no single gain and bias suits both places. The fix is
# one line: `self.norm1 = nn.GroupNorm(...)`, `self.norm2 = nn.GroupNorm(...)`.

# %% [markdown]
# ## Inflating an image U-Net
#
# `tinyvid.nn.unet.inflate(image_unet)` returns a `VideoUNet` with every weight of the image
# U-Net, plus a `TemporalConvBlock` after each ResBlock and a `TemporalAttention` at the end
# of each stage. Both new layers are residual, `x + branch(x)`, with the branch's **last
# layer set to zero**, so each one adds exactly 0 at first. We inflate the real thing: the
# shipped per-frame image model of lesson 02 (`load_pipeline("image")`, a text-conditioned
# latent U-Net trained on single frames), which is also where the shipped video model's
# training started.

# %%
image_pipe = load_pipeline("image", device=device)
image_unet = image_pipe.model  # ImageUNet, trained
video_unet = inflate(image_unet).eval()
n_image = sum(p.numel() for p in image_unet.parameters())
new = {n: p for n, p in video_unet.named_parameters() if ".temporal_" in n}
print(f"image U-Net: {n_image:,} parameters; inflated: "
      f"{sum(p.numel() for p in video_unet.parameters()):,} (+{sum(p.numel() for p in new.values()):,} temporal)")
print("zero-initialised output layers of the new branches (weights):")
for n, p in new.items():
    if p.dim() > 1 and not p.any():
        print("   ", n, tuple(p.shape))

# %% [markdown]
# The test that matters: the inflated model on a video equals the image model applied to each
# frame on its own. Two real clips, encoded by the shipped autoencoder and noised as in
# training (flow matching, `x_t = (1 − t)·noise + t·clip`), each with its caption:

# %%
clips8, _, clip_captions = moving_mnist(2, seed=5, num_frames=8, speeds="normal")  # [2, 8, 1, 64, 64]
t = torch.tensor([0.3, 0.8])  # flow time, one per video (t = 1 is the clip itself)
cond = Cond(tokens=tokenize(clip_captions))
with torch.no_grad():
    clean = image_pipe.autoencoder.encode_video(clips8)  # [2, 8, 8, 8, 8] latent videos
    noise = torch.randn(clean.shape, generator=torch.Generator().manual_seed(0))
    latents = (1 - t)[:, None, None, None, None] * noise + t[:, None, None, None, None] * clean
    video_out = video_unet(latents, t, cond)  # [2, 8, 8, 8, 8]
    frame_by_frame = torch.stack(
        [image_unet(latents[:, i : i + 1], t, cond)[:, 0] for i in range(latents.shape[1])], dim=1
    )  # each frame alone, as a 1-frame video: [2, 8, 8, 8, 8]
print(f"captions: {clip_captions}")
print(f"inflated U-Net vs image U-Net frame by frame: max |difference| = "
      f"{(video_out - frame_by_frame).abs().max():.1e} (output values are of size "
      f"{video_out.abs().mean():.2f})")

# %% [markdown]
# ### Doc check: the seed's temporal conv is not the identity
#
# The seed's `VideoUNetBlock` inserts `x = x + self.temporal_conv(x)` with a freshly built
# `nn.Conv1d`: PyTorch's default random initialisation, so the inserted layer changes the
# trained model's features on the very first forward pass. There are two ways to start at
# the identity, and they must not be mixed:
#
# - **no residual, Dirac kernel** (Make-A-Video's choice, Singer et al. 2023): `y = conv(x)`
#   with the centre tap the identity matrix and every other weight 0;
# - **residual, zero kernel** (what `tinyvid` does, like AnimateDiff's motion modules, Guo et
#   al. 2023): `y = x + conv(x)` with the conv all zeros.
#
# A Dirac kernel *inside* a residual gives `x + x = 2x`. Measured, as the relative change
# `‖y − x‖ / ‖x‖` on a random video:

# %%
feats = torch.randn(2, 8, 16, 6, 6)  # [B, T, C, H, W]
default_conv = TemporalConv(16, identity_init=False)  # PyTorch's default init, as in the seed
dirac_conv = TemporalConv(16, identity_init=True)
zero_conv = zero_init(TemporalConv(16, identity_init=False))
variants = {
    "seed: x + conv(x), default init": lambda u: u + default_conv(u),
    "x + conv(x), Dirac init": lambda u: u + dirac_conv(u),
    "conv(x), Dirac init (Make-A-Video)": dirac_conv,
    "x + conv(x), zero init (tinyvid)": lambda u: u + zero_conv(u),
}
with torch.no_grad():
    for name, layer in variants.items():
        rel = (layer(feats) - feats).norm() / feats.norm()
        print(f"{name:36s} ‖y − x‖ / ‖x‖ = {rel:.3f}")

# %% [markdown]
# ### A third way: I3D's inflation, and why video diffusion does not use it
#
# Action recognition inflated image networks first (I3D, Carreira & Zisserman 2017), in
# another way: make each 2D `kh×kw` kernel a 3D `k×kh×kw` kernel by **repeating it over the
# k time taps and dividing by k**. On a *still* video (every frame the same) the 3D conv then
# gives exactly the 2D conv's answer on every frame, so an ImageNet classifier becomes a
# video classifier that already works on "boring videos", and every tap starts out useful.
# On a video whose frames differ it averages the 2D responses of k neighbouring frames.
#
# Below, the first conv of the shipped image model (3×3, 17 channels in: 8 latent, 8 known-
# frame and 1 mask channel, which are zeros here), inflated both ways to 3×3×3 and compared
# with the 2D conv applied per frame, on three latent videos: a still one (frame 0 of a clip
# repeated), the moving clip, and pure noise, which is where every diffusion sample starts.
# Time is padded by repeating the edge frames, so the still video is still at the edges too.

# %%
conv2d = image_unet.input  # nn.Conv2d(17, 64, 3×3), trained
k = 3
w2d = conv2d.weight  # [64, 17, 3, 3]
kernels = {
    "I3D: 2D kernel on every tap, / k": repeat(w2d, "o i kh kw -> o i k kh kw", k=k) / k,
    "Dirac: 2D kernel on the centre tap": F.pad(w2d[:, :, None], (0, 0, 0, 0, k // 2, k // 2)),
}


def conv_per_frame(video):  # [B, T, 17, h, w] -> [B, T, 64, h, w]
    out = conv2d(rearrange(video, "b t c h w -> (b t) c h w"))
    return rearrange(out, "(b t) c h w -> b t c h w", b=video.shape[0])


def conv_3d(video, kernel):  # the inflated kernel, time padded by repeating the edge frames
    v = F.pad(rearrange(video, "b t c h w -> b c t h w"), (0, 0, 0, 0, k // 2, k // 2), mode="replicate")
    return rearrange(F.conv3d(v, kernel, conv2d.bias, padding=(0, 1, 1)), "b c t h w -> b t c h w")


with_zeros = lambda z: F.pad(z, (0, 0, 0, 0, 0, 9))  # noqa: E731  (known frames and mask: 0)
tests = {
    "still video": with_zeros(clean[:1, :1].expand(1, 8, -1, -1, -1)),
    "moving clip": with_zeros(clean[:1]),
    "pure noise": with_zeros(noise[:1]),
}
print(f"{'relative change vs the 2D conv per frame':42s}" + "".join(f"{n:>14s}" for n in tests))
with torch.no_grad():
    for name, kernel in kernels.items():
        rel = [(conv_3d(v, kernel) - conv_per_frame(v)).norm() / conv_per_frame(v).norm() for v in tests.values()]
        print(f"{name:42s}" + "".join(f"{r:14.3f}" for r in rel))

# %% [markdown]
# I3D is exact on the still video only. On the moving clip it blurs each frame's features
# with its neighbours', and on noise, where neighbouring frames are independent, it changes
# them most: averaging three independent frames shrinks the noise instead of passing it on.
# A video diffusion model sees noisy videos at every step of training and sampling, so an
# I3D-inflated model would not start as the image model on a single input it ever gets, and
# the pretrained layers downstream would receive features they were never trained on. The
# identity initialisations (a Dirac kernel, or a zero branch in a residual) are exact on
# every video, noise included: the inflated model starts *as* the image model, and training
# only has to add motion. That is why video diffusion models (Make-A-Video, Align your
# Latents, AnimateDiff, and tinyvid) use them, and why classifiers, which are fine-tuned on
# real videos and can use a "mean over time" start, could use I3D's.

# %% [markdown]
# ## What the temporal layers buy: a toy task
#
# A per-frame model cannot use the other frames, by construction. A task that needs them:
# **fill in a missing frame**. Each Moving MNIST video (6 frames, every second one kept,
# shrunk to 16×16 so it trains in seconds) has one of its middle frames blanked out; the
# target is the complete video. Two models start from the same image U-Net weights, the image
# U-Net itself and its inflation, and are trained for the same 120 Adam steps on the same
# batches. (The U-Net is used as a plain video-to-video network with the diffusion time fixed
# at 0: no diffusion here, only the architecture. Lesson 06 does this properly, with the
# known-frames mask.)

# %%
torch.manual_seed(0)
clips, _, captions = moving_mnist(72, seed=4, num_frames=11, speeds="normal")  # [72, 11, 1, 64, 64]
clips = clips[:, ::2]  # every second frame: [72, 6, 1, 64, 64]
clips = F.avg_pool2d(rearrange(clips, "b t c h w -> (b t) c h w"), 4)  # [72*6, 1, 16, 16]
clips = rearrange(clips, "(b t) c h w -> b t c h w", t=6) * 2 - 1  # [72, 6, 1, 16, 16] in [-1, 1]
missing = torch.randint(1, 5, (72,), generator=torch.Generator().manual_seed(2))  # frame 1..4
inputs = clips.clone()
inputs[torch.arange(72), missing] = -1.0  # the missing frame is black
train, test = slice(0, 64), slice(64, 72)

config = UNetConfig.tiny()
config.latent_channels = 1  # grey pixels instead of 4 latent channels
image_model = ImageUNet(config)
models = {"image U-Net (no temporal layers)": image_model, "inflated U-Net": inflate(image_model)}
steps = 120  # about 20 s on a laptop CPU for both models
history = {}
for name, model in models.items():
    gen = torch.Generator().manual_seed(0)  # the same batches for both
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    history[name] = []
    for step in range(steps):
        idx = torch.randint(0, 64, (8,), generator=gen)
        loss = F.mse_loss(model(inputs[idx], torch.zeros(8)), clips[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        history[name].append(loss.item())

rows = torch.arange(64, 72)
with torch.no_grad():
    preds = {name: m(inputs[test], torch.zeros(8)) for name, m in models.items()}
gap_mse = {name: F.mse_loss(p[torch.arange(8), missing[test]], clips[rows, missing[test]]).item()
           for name, p in preds.items()}
for name, err in gap_mse.items():
    print(f"{name:34s} held-out MSE on the missing frame: {err:.4f}")
print(f"the inflated model's error is {1 - gap_mse['inflated U-Net'] / gap_mse[next(iter(gap_mse))]:.0%} lower")

fig, ax = plt.subplots(figsize=(5.5, 3.4))
for name, curve in history.items():
    ax.semilogy(curve, alpha=0.8, label=f"{name}\nheld-out MSE on the missing frame {gap_mse[name]:.3f}")
ax.set_xlabel("Adam step")
ax.set_ylabel("training MSE, all frames (log)")
ax.set_title("Filling in a missing frame (Moving MNIST, 16×16)")
ax.legend(fontsize=7)
fig.tight_layout()

# %% [markdown]
# Both curves start at the same point (at step 0 the two models are the same function) and
# part as soon as the temporal layers move off zero. The training loss counts all six frames,
# five of which only need copying; the error on the missing frame alone (in the legend) is
# where the difference lies. Two held-out videos:

# %%
show = lambda v: ((v + 1) / 2).clamp(0, 1)  # back to [0, 1]
for i in (0, 1):
    rows_i = [show(inputs[64 + i : 65 + i]), show(clips[64 + i : 65 + i])]
    rows_i += [show(p[i : i + 1]) for p in preds.values()]
    frame_grid(torch.cat(rows_i), size=0.9,
               titles=["input (one frame blanked)", "target", *preds],
               suptitle=f"Held-out video {i}: frame {int(missing[64 + i])} is missing");

# %% [markdown]
# Where the frame is missing, the image model has nothing to go on: it paints an almost empty
# frame, the same guess for every video. After only 120 steps the inflated model already puts
# a blurred blob of brightness near where the digit should be, taken from the neighbouring
# frames; its error on the missing frame is about a third lower. That, at toy scale, is what
# temporal layers add to a U-Net. (Try more steps in the training cell and watch the blob.)

# %% [markdown]
# ## Exercises
#
# ### Exercise 1: a (2+1)D block (★★, about 10 minutes)
#
# Write `tinyvid.nn.conv.Conv2Plus1dBlock`'s forward pass as a function of its parameters.
# `params` holds tensors named like the block's `state_dict()`:
# `spatial.weight [C_out, C_in, 1, 3, 3]`, `spatial.bias [C_out]`, `norm1.weight`,
# `norm1.bias` `[C_out]`, `temporal.weight [C_out, C_out, 3, 1, 1]`, `temporal.bias`,
# `norm2.weight`, `norm2.bias`. Use `F.conv3d`, `F.group_norm` (on `[B, C, T, H, W]`) and
# `F.silu`. Both norms use `groups` groups of channels, which is not always one group per
# channel: with 16 channels in 8 groups each group normalises 2 channels together. You can try
# yours on `dict(Conv2Plus1dBlock(3, 16).state_dict())` and compare with the block itself.

# %%
# EXERCISE: conv2plus1d
def conv2plus1d(x: torch.Tensor, params: dict, groups: int) -> torch.Tensor:
    """(2+1)D block: spatial conv -> norm1 -> SiLU -> temporal conv -> norm2 -> SiLU.

    Args:
        x: [B, T, C_in, H, W].
        params: the block's parameters by name (see above).
        groups: number of GroupNorm groups, for both norms.
    Returns:
        [B, T, C_out, H, W] (same T, H, W: pad the convs).
    """
    raise NotImplementedError


# %%
check.conv2plus1d(conv2plus1d)

# %% [markdown]
# ### Exercise 2: an identity temporal kernel (★, about 5 minutes)
#
# Make-A-Video's initialisation: the weights of a `k×1×1` `nn.Conv3d` (padding `k // 2` in
# time) that passes every frame through unchanged.

# %%
# EXERCISE: identity_temporal_kernel
def identity_temporal_kernel(channels: int, kernel_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of a temporal conv that is the identity.

    Returns:
        weight [channels, channels, kernel_size, 1, 1] and bias [channels], float32, such that
        F.conv3d(x, weight, bias, padding=(kernel_size // 2, 0, 0)) == x for x [B, C, T, H, W].
    """
    raise NotImplementedError


# %%
check.identity_temporal_kernel(identity_temporal_kernel)

# %% [markdown]
# ### Exercise 3: inflate one conv (★★, about 8 minutes)
#
# The inflate step for one layer of an image model: a 2D conv (`weight [C_out, C_in, kh, kw]`,
# `bias [C_out]`) becomes a video block
#
# ```
# s = Conv3d(kernel 1×kh×kw)(x)          # the image conv, applied to every frame
# y = s + Conv3d(kernel k×1×1)(s)        # a new temporal conv, in a residual
# ```
#
# Return the block's parameters so that, before any training, `y` equals the 2D conv applied
# to each frame. The check also rebuilds the block from the reference's parameters and
# verifies that equality.

# %%
# EXERCISE: inflate_conv
def inflate_conv(weight: torch.Tensor, bias: torch.Tensor, kernel_size: int) -> dict:
    """Parameters of the inflated block.

    Args:
        weight: [C_out, C_in, kh, kw], bias: [C_out], the trained 2D conv.
        kernel_size: k, the temporal conv's length.
    Returns:
        {"spatial.weight": [C_out, C_in, 1, kh, kw], "spatial.bias": [C_out],
         "temporal.weight": [C_out, C_out, k, 1, 1], "temporal.bias": [C_out]}
    """
    raise NotImplementedError


# %%
check.inflate_conv(inflate_conv)

# %% [markdown]
# ## Recap
#
# - A 3×3×3 conv and a (2+1)D pair (1×3×3, SiLU, 3×1×1) see the same neighbourhood; the
#   (2+1)D pair needs `12·C²` weights instead of `27·C²` and its spatial half is an image conv.
#   Give each conv its own norm: the seed's shared GroupNorm ties their gains and biases.
# - Inflation keeps every image weight and inserts temporal layers that start as the identity:
#   either a Dirac kernel without residual, or a zero-initialised branch inside a residual,
#   never both. Check it numerically: video model == image model per frame (shown on the
#   shipped image model). I3D's "repeat the kernel over time, divide by k" is exact only on
#   still videos, so video diffusion, whose inputs are noisy videos, starts from the identity.
# - Temporal layers are what let a U-Net use the other frames: asked to fill in a missing
#   frame, the inflated model borrows the digit from its neighbours; the image model cannot.
#
# Next: lesson 05, the losses that train these models (video diffusion and flow matching).
# The production blocks of this lesson are in `tinyvid.nn.conv` (`Conv3dBlock`,
# `Conv2Plus1dBlock`, `TemporalConv`, `TemporalConvBlock`) and `tinyvid.nn.unet`
# (`ImageUNet`, `VideoUNet`, `inflate`); `tinyvid.nn.seed_bugs` keeps the seed's block.
