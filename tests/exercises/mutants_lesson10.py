"""Plausible wrong answers for lesson 10's exercises, with a phrase the check must say."""

import torch
from einops import rearrange, repeat


# --- condition_channels
def _assemble(image_frames="all", mask_frames="first", order=("x", "image", "mask"), frames=None):
    """The reference with one part changed (``frames``: a frame count hard-coded)."""

    def assemble(x_t, image_latent):
        B, T, c, h, w = x_t.shape
        T = T if frames is None else frames
        image = repeat(image_latent, "b c h w -> b t c h w", t=T).clone()
        if image_frames == "first":
            image[:, 1:] = 0.0
        mask = x_t.new_zeros(B, T, 1, h, w)
        if mask_frames == "first":
            mask[:, 0] = 1.0
        elif mask_frames == "last":
            mask[:, -1] = 1.0
        else:
            mask[:] = 1.0
        pieces = {"x": x_t, "image": image, "mask": mask}
        return torch.cat([pieces[p] for p in order], dim=2)

    return assemble


# --- svd_training_inputs
def _lv(s):
    return s[:, None, None, None]


# --- i2v_consistency
def _same(videos, images, read_digits):
    B = videos.shape[0]
    read = rearrange(read_digits(rearrange(videos, "b t c h w -> (b t) c h w")), "(b t) -> b t", b=B)
    return (read == read_digits(images)[:, None]).float()  # [B, T]


def _score(reference="image", last=-1, kept=None):
    def score(videos, images, read_digits):
        B, T = videos.shape[:2]
        read = rearrange(read_digits(rearrange(videos, "b t c h w -> (b t) c h w")), "(b t) -> b t", b=B)
        given = read_digits(images) if reference == "image" else read[:, 0]
        same = (read == given[:, None]).float()
        per_frame = same.mean(dim=0)
        if kept is not None:
            return kept(same), per_frame
        return per_frame[last].item(), per_frame

    return score


MUTANTS = {
    "condition_channels": [
        ("image on frame 0 only (the masked model's layout)", _assemble(image_frames="first"),
         "every frame"),
        ("mask on every frame", _assemble(mask_frames="all"), "1 on every frame"),
        ("mask on the last frame", _assemble(mask_frames="last"), "last frame"),
        ("image before x_t", _assemble(order=("image", "x", "mask")), "another order"),
        ("mask before the image", _assemble(order=("x", "mask", "image")), "another order"),
        ("mask channel missing", _assemble(order=("x", "image")), "2c + 1"),
        ("16 frames hard-coded", _assemble(frames=16), "own number of frames"),
    ],
    "svd_training_inputs": [
        ("noise on the target frames, not the condition",
         lambda x, s, n: (x + _lv(s)[:, None] * n[:, None], x[:, 0].clone()), "target"),
        ("σ² instead of σ", lambda x, s, n: (x.clone(), x[:, 0] + _lv(s) ** 2 * n), "σ²"),
        ("one σ for the batch (the first)", lambda x, s, n: (x.clone(), x[:, 0] + s[0] * n),
         "whole batch"),
        ("one σ for the batch (the mean)", lambda x, s, n: (x.clone(), x[:, 0] + s.mean() * n),
         "whole batch"),
        ("noise replaces the frame", lambda x, s, n: (x.clone(), _lv(s) * n), "on top"),
        ("flow-path blend", lambda x, s, n: (x.clone(), (1 - _lv(s)) * x[:, 0] + _lv(s) * n),
         "full weight"),
        ("condition from the last frame", lambda x, s, n: (x.clone(), x[:, -1] + _lv(s) * n),
         "first frame"),
        ("outputs swapped", lambda x, s, n: (x[:, 0] + _lv(s) * n, x.clone()), "shape"),
    ],
    "i2v_consistency": [
        ("compared with generated frame 0", _score(reference="frame 0"), "generated frame 0"),
        ("averaged over all frames", _score(kept=lambda same: same.mean().item()), "all frames"),
        ("a count, not a share", _score(kept=lambda same: float(same[:, -1].sum())), "share"),
        ("fixed index 15", _score(last=15), "last frame"),
        ("curve averaged over the frames, not the clips",
         lambda v, im, r: (_score()(v, im, r)[0], _same(v, im, r).mean(dim=1)), "shape"),
        ("identity as a 0-d tensor",
         lambda v, im, r: (torch.tensor(_score()(v, im, r)[0]), _score()(v, im, r)[1]), ".item()"),
    ],
}

