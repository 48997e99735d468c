"""Our own small Moving-MNIST video classifier: the feature extractor behind FVD and FID.

A model like any other: saved and loaded by :mod:`tinyvid.checkpoints` (kind ``"detector"``);
the shipped one is ``tinyvid/weights/detector.safetensors`` (:func:`tinyvid.metrics.detector.default_detector`).

FVD (Unterthiner et al. 2018, "Towards Accurate Generative Models of Video") compares
generated and real videos in the feature space of an I3D network trained on Kinetics; FID
(Heusel et al. 2017) does the same for images with Inception-v3. Those weights cannot be
downloaded on this project's machines, and a Kinetics network would see nothing useful in
64×64 grey digits anyway. So we train our own detector on Moving MNIST, and **its numbers
are not comparable with any FVD/FID published with I3D/Inception features**: they only
compare models scored with this same detector file.

Two branches, both trained (:mod:`tinyvid.tasks.detector`, ``python -m tinyvid train-detector``):

- a **video branch**, a small (2+1)D CNN (Tran et al. 2018, "A Closer Look at Spatiotemporal
  Convolutions") on 32×32 frames and their differences: a 3×3×3 stem, then spatial 3×3 and
  temporal 3-tap convolutions in turn; its time series, with the centre-of-mass velocity
  added as two channels, goes through dilated temporal convolutions (the centroid's start
  position and first velocities also go straight to the heads). The video heads read it
  together with the frame branch's features (averaged over frames). The layer under the heads
  gives the video features for FVD (:meth:`Detector.features`, ``[B, D]``).
  Heads: which digits are present (10-way softmax, two digits share it), how many (1 or 2),
  and for single-digit videos the first motion direction (8 compass directions) and speed
  (normal/slow).
- a **frame branch**, a 2D CNN on single frames that predicts which digits are in the frame;
  its penultimate layer gives per-frame features for per-frame FID
  (:meth:`Detector.frame_features`, ``[B*T, D]``).

Time is pooled (mean over time, plus the features of the first frames, since a label's
direction is the direction of the first motion), so any ``T >= 2`` works; training uses 16.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from tinyvid.inputs import check_videos
from tinyvid.nn.layers import group_norm, with_tuples
from tinyvid.text import DIRECTIONS, SPEEDS

SIZE = 64  # frames are 64×64, as Moving MNIST


@dataclass
class DetectorConfig:
    """Sizes of the detector; the defaults train in 5 minutes on 2 idle CPU cores."""

    frame_widths: tuple[int, ...] = (16, 32, 64, 64)  # 2D CNN (appearance), stride-2 stages
    video_widths: tuple[int, ...] = (8, 16, 32, 64)  # (2+1)D CNN (motion only: can be thin)
    video_downsample: int = 2  # the motion branch sees 32×32 frames: motion needs no fine detail
    feature_dim: int = 64  # video features for FVD: small, so 100s of videos estimate a covariance
    frame_feature_dim: int = 64  # per-frame features for FID
    head_hidden: int = 128  # width of the layer before the video features
    num_digits: int = 10
    num_directions: int = len(DIRECTIONS)
    num_speeds: int = len(SPEEDS)

    @classmethod
    def from_dict(cls, d: dict) -> DetectorConfig:
        return cls(**with_tuples(d, ("frame_widths", "video_widths")))


def centroid_tracks(videos: torch.Tensor, background: float = 0.1) -> torch.Tensor:
    """Intensity-weighted centre of mass of each frame, ``[B, T, 2]`` as ``(x, y)`` pixels.

    Pixels at or below ``background`` are ignored (so faint haze does not drag the centroid
    to the middle); a frame with nothing above it gets the canvas centre. The detector reads
    motion from it; :mod:`tinyvid.metrics.temporal` scores smoothness with it.
    """
    check_videos(videos)
    B, T, C, H, W = videos.shape
    w = (videos.mean(dim=2) - background).clamp(min=0)  # [B, T, H, W]
    mass = w.sum(dim=(2, 3))  # [B, T]
    xs = torch.arange(W, dtype=w.dtype, device=w.device)
    ys = torch.arange(H, dtype=w.dtype, device=w.device)
    cx = (w.sum(dim=2) * xs).sum(dim=2)  # [B, T]
    cy = (w.sum(dim=3) * ys).sum(dim=2)  # [B, T]
    centre = torch.tensor([(W - 1) / 2, (H - 1) / 2], dtype=w.dtype, device=w.device)
    c = torch.stack([cx, cy], dim=-1) / mass.clamp(min=1e-8)[..., None]  # [B, T, 2]
    return torch.where((mass > 1e-6)[..., None], c, centre)  # [B, T, 2]


def _check(videos: torch.Tensor, min_frames: int = 1) -> None:
    check_videos(videos, min_frames=min_frames, frame_shape=(1, SIZE, SIZE))


def _conv_norm(cin: int, cout: int, kernel, stride, padding, dims: int) -> nn.Sequential:
    """Conv, norm, ReLU. Frames use BatchNorm (GroupNorm left the frame CNN stuck at chance
    for hundreds of steps); its running statistics are recomputed after training
    (``tinyvid.tasks.detector.recalibrate_batchnorm``). The motion branch uses GroupNorm, whose
    output is the same in training and evaluation."""
    if dims == 2:
        return nn.Sequential(
            nn.Conv2d(cin, cout, kernel, stride, padding, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(),
        )
    return nn.Sequential(
        nn.Conv3d(cin, cout, kernel, stride, padding, bias=False), group_norm(cout), nn.ReLU()
    )


class FrameBranch(nn.Module):
    """2D CNN on single frames: ``[N, 1, 64, 64] -> [N, frame_feature_dim]`` features."""

    def __init__(self, cfg: DetectorConfig) -> None:
        super().__init__()
        layers, cin = [], 1
        for i, w in enumerate(cfg.frame_widths):
            layers.append(_conv_norm(cin, w, 3, 2, 1, 2))  # stride 2
            if i > 0:  # a second conv per stage, skipped at full resolution where it costs most
                layers.append(_conv_norm(w, w, 3, 1, 1, 2))
            cin = w
        self.convs = nn.Sequential(*layers)
        self.proj = nn.Sequential(nn.Linear(2 * cin, cfg.frame_feature_dim), nn.SiLU())
        self.head = nn.Linear(cfg.frame_feature_dim, cfg.num_digits)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        h = self.convs(frames)  # [N, C, 4, 4]
        pooled = torch.cat(
            [h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1
        )  # [N, 2C]: a digit is small
        return self.proj(pooled)  # [N, D]


class VideoBranch(nn.Module):
    """(2+1)D CNN: ``[B, 1, T, 64, 64] -> [B, C, T]`` (spatially pooled, time kept), T ≥ 2."""

    def __init__(self, cfg: DetectorConfig) -> None:
        super().__init__()
        self.downsample = cfg.video_downsample
        w0, *rest = cfg.video_widths
        # 3×3×3 stem on (frame, frame difference): motion is in plain view from the first layer;
        # edges replicated (not zero-padded) so the first frame shows no fake change.
        stem = nn.Conv3d(2, w0, 3, (1, 2, 2), 1, bias=False, padding_mode="replicate")
        layers = [nn.Sequential(stem, group_norm(w0), nn.ReLU())]
        cin = w0
        for w in rest:
            layers += [
                _conv_norm(cin, w, (1, 3, 3), (1, 2, 2), (0, 1, 1), 3),  # spatial, stride 2
                _conv_norm(w, w, (3, 1, 1), 1, (1, 0, 0), 3),  # temporal, 3 taps
            ]
            cin = w
        self.convs = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.downsample
        x = F.avg_pool3d(x, (1, s, s)) if s > 1 else x  # [B, 1, T, H/s, W/s]
        dx = x[:, :, 1:] - x[:, :, :-1]  # [B, 1, T-1, h, w]
        dx = torch.cat([dx[:, :, :1], dx], dim=2)  # [B, 1, T, h, w]: frame 0 gets the first step
        h = self.convs(torch.cat([x, dx], dim=1))  # [B, C, T, 2, 2]
        return h.mean(dim=(3, 4))  # [B, C, T]


@dataclass
class DetectorOutput:
    """Logits of every head (and the video features)."""

    digits: torch.Tensor  # [B, 10] which digits are in the video (softmax; two digits share it)
    count: torch.Tensor  # [B, 2] one or two digits
    direction: torch.Tensor  # [B, 8] first motion direction (single-digit videos)
    speed: torch.Tensor  # [B, 2] normal or slow (single-digit videos)
    features: torch.Tensor  # [B, D] penultimate layer: FVD features
    frame_digits: torch.Tensor  # [B, k, 10] the same, per frame the frame branch saw


class Detector(nn.Module):
    """Moving-MNIST video classifier whose features drive FVD and per-frame FID.

    The video heads read both branches: the frame branch's features averaged over frames
    (what the digits look like) and the (2+1)D branch (how they move). In training the
    frame branch sees a few random frames per video (frames of a video are near-duplicates),
    at evaluation all of them.

    >>> det = Detector().eval()
    >>> det.features(torch.rand(2, 16, 1, 64, 64)).shape
    torch.Size([2, 64])
    """

    def __init__(self, cfg: DetectorConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg = cfg or DetectorConfig()
        self.frame = FrameBranch(cfg)
        self.video = VideoBranch(cfg)
        c = self.video.out_channels
        self.temporal = nn.Sequential(  # over the pooled time series, receptive field 9 frames
            nn.Conv1d(c + 2, c, 3, padding=2, dilation=2),
            nn.ReLU(),
            nn.Conv1d(c, c, 3, padding=2, dilation=2),
            nn.ReLU(),
        )
        self.mlp = nn.Sequential(
            nn.Linear(cfg.frame_feature_dim + 2 * c + 7, cfg.head_hidden),
            nn.ReLU(),
            nn.Linear(cfg.head_hidden, cfg.feature_dim),
            nn.SiLU(),
        )
        self.digit_head = nn.Linear(cfg.feature_dim, cfg.num_digits)
        self.count_head = nn.Linear(cfg.feature_dim, 2)
        self.direction_head = nn.Linear(cfg.feature_dim, cfg.num_directions)
        self.speed_head = nn.Linear(cfg.feature_dim, cfg.num_speeds)

    @property
    def config(self) -> DetectorConfig:
        """The same as ``cfg``, under the name every other tinyvid model uses."""
        return self.cfg

    # -- video branch ---------------------------------------------------------------------
    def forward(
        self, videos: torch.Tensor, frame_index: torch.Tensor | None = None
    ) -> DetectorOutput:
        """All heads for ``videos [B, T, 1, 64, 64]`` in ``[0, 1]`` (``T >= 2``).

        ``frame_index [B, k]`` picks the frames the frame branch looks at (training); default
        all of them.
        """
        _check(videos, min_frames=2)
        B, T = videos.shape[:2]
        x = videos * 2 - 1  # [B, T, 1, 64, 64] in [-1, 1]
        # 1. appearance: the frame branch on (some of) the frames
        seen = (
            x if frame_index is None else x[torch.arange(B)[:, None], frame_index]
        )  # [B, k, 1, H, W]
        ff = self.frame(rearrange(seen, "b k c h w -> (b k) c h w"))  # [B*k, Df]
        ff = rearrange(ff, "(b k) d -> b k d", b=B)  # [B, k, Df]
        # 2. motion: the (2+1)D branch on all frames
        #    plus the velocity of the centre of mass, a strong, cheap cue for direction and speed
        c = centroid_tracks(videos)  # [B, T, 2] pixels
        v = c.diff(dim=1) / 3.0  # [B, T-1, 2], about ±1 at normal speed
        v = torch.cat([v[:, :1], v], dim=1)  # [B, T, 2]: frame 0 gets the first step
        h = self.video(rearrange(x, "b t c h w -> b c t h w"))  # [B, C, T]
        h = self.temporal(torch.cat([h, rearrange(v, "b t k -> b k t")], dim=1))  # [B, C, T]
        # 3. pool over time (the mean, and the start: labels give the first motion's direction)
        #    where the digit starts matters too: one that starts against a wall may bounce
        #    in its very first step, and then its label is the direction it came from
        speed = v.norm(dim=-1).mean(dim=1, keepdim=True)  # [B, 1]
        start = torch.cat(
            [v[:, 0], v[:, min(2, T - 1)], speed, c[:, 0] / SIZE * 2 - 1], dim=1
        )  # [B, 7]
        # the frame branch learns from its own per-frame loss only (detached): it converges far
        # faster than when the motion heads' gradients pull on it too
        appearance = ff.mean(dim=1).detach()  # [B, Df]
        pooled = torch.cat([appearance, h.mean(dim=2), h[:, :, 0], start], dim=1)  # [B, Df+2C+7]
        f = self.mlp(pooled)  # [B, D]
        return DetectorOutput(
            self.digit_head(f),
            self.count_head(f),
            self.direction_head(f),
            self.speed_head(f),
            f,
            self.frame.head(ff),
        )

    @torch.no_grad()
    def features(self, videos: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
        """Video features ``[B, D]`` for FVD (penultimate layer), computed in batches."""
        _check(videos, min_frames=2)
        outs = [
            self(videos[i : i + batch_size]).features for i in range(0, len(videos), batch_size)
        ]
        return torch.cat(outs).double()  # [B, D]

    # -- frame branch ---------------------------------------------------------------------
    def frame_logits(self, videos: torch.Tensor) -> torch.Tensor:
        """Which digits each frame shows: logits ``[B, T, 10]``."""
        _check(videos)
        B = videos.shape[0]
        frames = rearrange(videos * 2 - 1, "b t c h w -> (b t) c h w")  # [B*T, 1, 64, 64]
        logits = self.frame.head(self.frame(frames))  # [B*T, 10]
        return rearrange(logits, "(b t) k -> b t k", b=B)  # [B, T, 10]

    @torch.no_grad()
    def frame_features(self, videos: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
        """Per-frame features ``[B*T, D]`` (frame branch's penultimate layer) for per-frame FID."""
        _check(videos)
        frames = rearrange(videos * 2 - 1, "b t c h w -> (b t) c h w")  # [B*T, 1, 64, 64]
        outs = [self.frame(frames[i : i + batch_size]) for i in range(0, len(frames), batch_size)]
        return torch.cat(outs).double()  # [B*T, D]

    # -- reading labels back --------------------------------------------------------------
    @torch.no_grad()
    def predict(self, videos: torch.Tensor, batch_size: int = 64) -> dict[str, torch.Tensor]:
        """Read labels back: ``digit [B]`` (most likely digit), ``digits [B, 2]`` (top two,
        ``-1`` in the second slot when one digit is seen), ``num_digits [B]``, ``direction [B]``
        (index into ``DIRECTIONS``), ``speed [B]`` (index into ``SPEEDS``)."""
        _check(videos, min_frames=2)
        outs = [self(videos[i : i + batch_size]) for i in range(0, len(videos), batch_size)]
        digits = torch.cat([o.digits for o in outs])  # [B, 10]
        count = torch.cat([o.count for o in outs]).argmax(1) + 1  # [B]
        top2 = digits.topk(2, dim=1).indices  # [B, 2]
        top2[:, 1] = torch.where(count == 2, top2[:, 1], torch.full_like(top2[:, 1], -1))
        return {
            "digit": top2[:, 0],
            "digits": top2,
            "num_digits": count,
            "direction": torch.cat([o.direction for o in outs]).argmax(1),
            "speed": torch.cat([o.speed for o in outs]).argmax(1),
        }
