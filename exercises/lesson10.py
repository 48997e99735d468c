"""Lesson 10 (capstone: SVD-style image-to-video): the conditioning channels, noise
augmentation of the conditioning frame, and scoring whether a clip keeps the given digit."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from einops import rearrange, repeat

from exercises.cases import randint
from exercises.compare import Close
from exercises.core import Case, exercise
from exercises.solutions import lesson10 as solutions


# ------------------------------------------------------------------------- condition_channels
def _channels_spec(x_t, image_latent):
    B, T, c, h, w = x_t.shape
    out = torch.zeros(B, T, 2 * c + 1, h, w, dtype=x_t.dtype)
    for b in range(B):
        for t in range(T):
            out[b, t, :c] = x_t[b, t]
            out[b, t, c : 2 * c] = image_latent[b]
            out[b, t, 2 * c] = 1.0 if t == 0 else 0.0
    return out


def _channels_with(image_frames="all", mask_frames="first", order=("x", "image", "mask")):
    """The reference with one part changed: which frames get the image, which the mask, the
    order of the pieces (leave "mask" out of ``order`` to drop the channel)."""

    def assemble(x_t, image_latent):
        B, T, c, h, w = x_t.shape
        image = repeat(image_latent, "b c h w -> b t c h w", t=T).clone()  # [B, T, c, h, w]
        if image_frames == "first":
            image[:, 1:] = 0.0
        mask = x_t.new_zeros(B, T, 1, h, w)  # [B, T, 1, h, w]
        if mask_frames == "first":
            mask[:, 0] = 1.0
        elif mask_frames == "last":
            mask[:, -1] = 1.0
        else:
            mask[:] = 1.0
        pieces = {"x": x_t, "image": image, "mask": mask}
        return torch.cat([pieces[p] for p in order], dim=2)

    return assemble


def _latents(gen, B, T, c, h, w):
    return torch.randn(B, T, c, h, w, generator=gen), torch.randn(B, c, h, w, generator=gen)


@exercise(
    lesson="10",
    solution=solutions.condition_channels,
    points=1,
    difficulty=1,
    minutes=8,
    compare=Close(atol=0, rtol=0),
    spec=_channels_spec,
    hints=[
        "Three pieces go side by side along the channel axis (axis 2 of [B, T, C, h, w]), in "
        "this order: the noisy clip as it is, the image latent given to every frame, and one "
        "mask channel that is 1 on the given frame (frame 0) and 0 on all the others.",
        "The image latent has no time axis: give it one and repeat it over the clip's own "
        "number of frames (einops repeat, or unsqueeze then expand). Build the mask as zeros of "
        "shape [B, T, 1, h, w] with the dtype of x_t, set its frame-0 slice to 1, and join "
        "the three with torch.cat along the channel axis.",
    ],
    mistakes=[
        ("you put the image on frame 0 only (our masked model's known-frames layout): SVD "
         "gives the image latent to every frame",
         _channels_with(image_frames="first")),
        ("your mask is 1 on every frame: it marks only frame 0, the frame the image shows",
         _channels_with(mask_frames="all")),
        ("your mask marks the last frame: the given image is frame 0",
         _channels_with(mask_frames="last")),
        ("your channels are in another order: first x_t, then the image, then the mask",
         _channels_with(order=("image", "x", "mask"))),
        ("your channels are in another order: first x_t, then the image, then the mask",
         _channels_with(order=("x", "mask", "image"))),
        ("you left out the mask channel: the result has 2c + 1 channels",
         _channels_with(order=("x", "image"))),
    ],
    errors=[
        ("Sizes of tensors must match",
         "torch.cat needs every piece to have the same B, T, h and w: repeat the image over "
         "x_t's own number of frames (not a number from the lesson text), and give the mask "
         "the same sizes"),
    ],
)
def condition_channels(gen: torch.Generator):
    """Batches of 1-3, T from 1 to 16, 1-8 latent channels, non-square latents."""
    yield Case(*_latents(gen, 2, 5, 3, 6, 7), label="B = 2, T = 5, c = 3, 6×7 latents")
    yield Case(*_latents(gen, 1, 1, 2, 4, 4), label="T = 1: the clip is the given frame")
    yield Case(*_latents(gen, 3, 16, 8, 8, 8), label="the shipped sizes: T = 16, c = 8, 8×8")
    T = randint(gen, 9, 14)
    yield Case(*_latents(gen, 2, T, 1, 5, 3), label=f"T = {T}, one channel, 5×3")
    yield Case(*_latents(gen, 1, 3, 4, 2, 6), label="T = 3, c = 4, 2×6")


# ------------------------------------------------------------------------ svd_training_inputs
def _augment_spec(clip_latents, sigma, noise):
    target = clip_latents.clone()
    condition = torch.zeros_like(noise)
    for b in range(len(sigma)):
        condition[b] = clip_latents[b, 0] + float(sigma[b]) * noise[b]
    return target, condition


def _level(sigma):
    return rearrange(sigma, "b -> b 1 1 1")  # [B, 1, 1, 1]


@exercise(
    lesson="10",
    solution=solutions.svd_training_inputs,
    points=1,
    difficulty=1,
    minutes=8,
    compare=Close(atol=1e-6, rtol=1e-5),
    spec=_augment_spec,
    hints=[
        "Noise augmentation touches the conditioning frame only: the frame the model is shown "
        "is the clip's first frame with some Gaussian noise added on top, sigma[b] being its "
        "standard deviation for clip b. The clip the model learns to make stays exactly as "
        "it is (the diffusion noise is added later, by the usual training step).",
        "Each clip has its own level: reshape sigma from [B] to [B, 1, 1, 1] so that it "
        "multiplies that clip's noise only. The frame keeps its full weight (add the scaled "
        "noise, do not blend or replace); return the target first, as a copy of the clip.",
    ],
    mistakes=[
        ("you added the noise to the target clip: the model must still learn to make the "
         "clean clip; the augmentation noise goes on the conditioning frame",
         lambda x, s, n: (x + _level(s)[:, None] * n[:, None], x[:, 0].clone())),
        ("you scaled the noise by σ²: sigma is the noise's standard deviation, multiply by it "
         "once",
         lambda x, s, n: (x.clone(), x[:, 0] + _level(s) ** 2 * n)),
        ("you used one σ for the whole batch: each clip has its own level sigma[b]",
         lambda x, s, n: (x.clone(), x[:, 0] + s[0] * n)),
        ("you used one σ for the whole batch: each clip has its own level sigma[b]",
         lambda x, s, n: (x.clone(), x[:, 0] + s.mean() * n)),
        ("you replaced the frame by noise: the augmentation adds noise on top of the frame",
         lambda x, s, n: (x.clone(), _level(s) * n)),
        ("you blended like the flow path, (1 − σ)·frame + σ·noise: SVD keeps the frame at full "
         "weight and adds the noise on top",
         lambda x, s, n: (x.clone(), (1 - _level(s)) * x[:, 0] + _level(s) * n)),
        ("you took the last frame: the conditioning frame is the clip's first frame",
         lambda x, s, n: (x.clone(), x[:, -1] + _level(s) * n)),
    ],
)
def svd_training_inputs(gen: torch.Generator):
    """A different σ per clip (0 included), T from 1 to 16, 2-8 latent channels."""

    def case(B, T, c, h, w, sigma, label):
        clip = torch.randn(B, T, c, h, w, generator=gen)
        noise = torch.randn(B, c, h, w, generator=gen)
        return Case(clip, torch.tensor(sigma, dtype=torch.float32), noise, label=label)

    yield case(3, 5, 4, 6, 6, [0.0, 0.3, 1.7], "3 clips, σ = 0, 0.3, 1.7")
    yield case(1, 1, 2, 4, 5, [0.5], "one clip of one frame, σ = 0.5")
    yield case(2, 16, 8, 8, 8, [0.02, 2.5], "the shipped sizes (T = 16, c = 8), σ = 0.02 and 2.5")
    B, T = randint(gen, 3, 5), randint(gen, 2, 12)
    sigma = (torch.rand(B, generator=gen) * 3).tolist()
    yield case(B, T, 3, 5, 7, sigma, f"{B} clips of {T} frames, random σ up to 3")
    yield case(2, 4, 2, 3, 3, [0.0, 0.0], "σ = 0: the condition is frame 0 itself")


# ---------------------------------------------------------------------------- i2v_consistency
@dataclass(frozen=True)
class _BrightnessReader:
    """A stand-in for the detector: reads frame brightness as a digit."""

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        if frames.dim() != 4:
            raise ValueError(f"read_digits takes frames [N, C, H, W], got {list(frames.shape)}")
        return (frames.mean(dim=(1, 2, 3)) * 10).floor().clamp(0, 9).long()  # [N]

    def __repr__(self) -> str:
        return "a digit reader: frames [N, C, H, W] -> int64 [N]"


READ = _BrightnessReader()


def _paint(gen, digits: torch.Tensor, C: int, H: int, W: int) -> torch.Tensor:
    """Frames whose brightness encodes ``digits`` (any shape ``S``) -> ``[*S, C, H, W]``."""
    base = (digits.float() + 0.5) / 10  # [*S]
    wobble = (torch.rand(*digits.shape, C, H, W, generator=gen) - 0.5) * 0.04
    return base[..., None, None, None] + wobble - wobble.mean(dim=(-3, -2, -1), keepdim=True)


def _i2v_case(gen, given, frames, label, C=1, H=6, W=5):
    given, frames = torch.tensor(given), torch.tensor(frames)  # [B], [B, T]
    return Case(_paint(gen, frames, C, H, W), _paint(gen, given, C, H, W), READ, label=label)


def _i2v_spec(videos, images, read_digits):
    B, T = videos.shape[:2]
    per_frame = torch.zeros(T)
    for t in range(T):
        hits = 0
        for b in range(B):
            same = int(read_digits(videos[b : b + 1, t])[0]) == int(read_digits(images[b : b + 1])[0])
            hits += int(same)
        per_frame[t] = hits / B
    return float(per_frame[-1]), per_frame


def _i2v_with(reference="image", last=lambda T: -1, kept=None):
    """The reference with one part changed: what a frame is compared with, which frame is
    "the last", how the share is summed up."""

    def score(videos, images, read_digits):
        B, T = videos.shape[:2]
        read = rearrange(read_digits(rearrange(videos, "b t c h w -> (b t) c h w")), "(b t) -> b t", b=B)
        given = read_digits(images) if reference == "image" else read[:, 0]  # [B]
        same = (read == given[:, None]).float()  # [B, T]
        per_frame = same.mean(dim=0)  # [T]
        if kept is not None:
            return kept(same), per_frame
        return per_frame[last(T)].item(), per_frame

    return score


@exercise(
    lesson="10",
    solution=solutions.i2v_consistency,
    points=2,
    difficulty=2,
    minutes=10,
    compare=Close(atol=1e-6, rtol=1e-5),
    spec=_i2v_spec,
    hints=[
        "Read the given images once and every generated frame once (flatten batch and time "
        "into one axis of frames for read_digits, then split them again). A clip keeps its "
        "identity when its last frame reads as the digit of the image it was given, not as "
        "the digit of its own first frame, which the model may have redrawn.",
        "Compare the [B, T] digits with the [B] given digits broadcast over time; the mean "
        "over the clips (axis 0) of that comparison, as float32, is the per-frame curve, and "
        "its value at the clip's last frame, whatever the clip's length, as a Python float, "
        "is the share that kept the digit.",
    ],
    mistakes=[
        ("you compared with the generated frame 0: compare with the image the model was "
         "given (a model can redraw frame 0 already)",
         _i2v_with(reference="frame 0")),
        ("you averaged over all frames: identity kept asks about the last frame only",
         _i2v_with(kept=lambda same: same.mean().item())),
        ("you counted the clips: give the share of clips (between 0 and 1)",
         _i2v_with(kept=lambda same: float(same[:, -1].sum()))),
        ("you used frame 15: the last frame is T - 1 and the clips here are not 16 frames long",
         _i2v_with(last=lambda T: 15)),
    ],
    errors=[
        ("index 15 is out of bounds",
         "frame 15 is the last only in a 16-frame clip: index the last frame by the clip's "
         "own length (or from the end)"),
    ],
)
def i2v_consistency(gen: torch.Generator):
    """Clips that keep, lose, or change then recover the digit; T from 1 to 20; B ≠ T."""
    yield _i2v_case(gen, [3, 7, 1], [[3, 3, 3, 3, 8, 8], [9, 7, 7, 7, 7, 7], [1, 1, 1, 1, 1, 4]],
                    "3 clips of 6 frames: two lose the digit, one keeps it but redrew frame 0")
    yield _i2v_case(gen, [5, 2], [[6, 5, 5, 5] + [5] * 12 + [5, 5, 5, 5], [2] * 16 + [0] * 4],
                    "20 frames: frame 15 still holds the digit, the last frame of clip 2 does not")
    yield _i2v_case(gen, [4, 4, 0, 9], [[4], [2], [0], [9]], "T = 1: the clip is one frame")
    B, T = randint(gen, 5, 7), randint(gen, 10, 13)
    given = torch.randint(0, 10, (B,), generator=gen)
    frames = given[:, None].repeat(1, T)  # [B, T]
    change = torch.rand(B, T, generator=gen) < 0.25
    frames = torch.where(change, torch.randint(0, 10, (B, T), generator=gen), frames)
    yield _i2v_case(gen, given.tolist(), frames.tolist(), f"{B} random clips of {T} frames",
                    C=2, H=4, W=7)
