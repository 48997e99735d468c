"""Prompt accuracy: does a text-to-video sample show what its prompt asked for?

The detector (:mod:`tinyvid.metrics.detector`) reads the digit(s), the first motion direction
and the speed back from each generated video, and we compare with the prompt's labels
(:func:`tinyvid.text.parse`). Also here: a fixed, seeded evaluation prompt set, and real
videos that match a list of prompts (the reference set for FVD and the real-vs-real floor).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from tinyvid.data import moving_mnist
from tinyvid.metrics.detector import Detector, check_videos, default_detector
from tinyvid.text import DIRECTIONS, SPEEDS, PromptLabels, caption, parse


def eval_prompts(n: int, seed: int = 0, two_digit_share: float = 0.125) -> list[str]:
    """A fixed, seeded prompt set: single-digit prompts cover every (digit, direction) pair in
    turn (a quarter of them slow), about one in eight prompts has two bouncing digits."""
    if n < 1:
        raise ValueError(f"n (number of prompts) must be ≥ 1, got {n}")
    rng = np.random.default_rng([seed, 5])
    pairs = [(d, k) for k in range(len(DIRECTIONS)) for d in range(10)]  # 80 pairs
    order = rng.permutation(len(pairs))
    prompts, j = [], 0
    for i in range(n):
        if two_digit_share > 0 and (i + 1) % round(1 / two_digit_share) == 0:
            a, b = rng.integers(0, 10, size=2)
            prompts.append(caption([int(a), int(b)]))
        else:
            d, k = pairs[order[j % len(pairs)]]
            j += 1
            speed = "slow" if rng.random() < 0.25 else "normal"
            prompts.append(caption([d], DIRECTIONS[k], speed))
    return prompts


def read_prompts(path) -> list[str]:
    """Prompts from a text file, one per line (blank lines and ``#`` comments skipped)."""
    with open(path) as f:
        prompts = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    if not prompts:
        raise ValueError(f"{path} holds no prompts (one per line expected)")
    for p in prompts:
        parse(p)  # a clear error naming the bad word
    return prompts


def real_videos_for_prompts(
    prompts: Sequence[str], seed: int | Sequence[int] = 0, num_frames: int = 16, split: str = "test"
) -> torch.Tensor:
    """Real Moving MNIST videos ``[len(prompts), T, 1, 64, 64]`` showing what each prompt asks
    (digit, direction, speed; two-digit prompts get random directions), test glyphs by default."""
    labels = [parse(p) for p in prompts]
    out = [None] * len(labels)
    one = [i for i, lab in enumerate(labels) if len(lab.digits) == 1]
    two = [i for i, lab in enumerate(labels) if len(lab.digits) == 2]
    seed = list(seed) if isinstance(seed, Sequence) else [seed]
    draws = [  # (which prompts, how many digits, what the generator is told about them)
        (one, 1, dict(digits=[labels[i].digits[0] for i in one],
                      directions=[labels[i].direction for i in one],
                      speeds=[labels[i].speed for i in one])),
        (two, 2, dict(digits=[labels[i].digits for i in two])),
    ]
    for rows, num_digits, asked in draws:
        if not rows:
            continue
        v, _, _ = moving_mnist(len(rows), seed=[*seed, num_digits], num_frames=num_frames,
                               num_digits=num_digits, split=split, **asked)
        for j, i in enumerate(rows):
            out[i] = v[j]
    return torch.stack(out)  # [B, T, 1, 64, 64]


def prompt_accuracy(
    videos: torch.Tensor, prompts: Sequence[str], detector: Detector | None = None
) -> dict[str, float]:
    """How often the detector reads back what each prompt asked for (each in ``[0, 1]``).

    - ``digit_accuracy``: single-digit prompts: the digit seen is the one asked; two-digit
      prompts: the two digits seen are the two asked (in any order).
    - ``direction_accuracy``, ``speed_accuracy``: single-digit prompts only.
    - ``count_accuracy``: one vs two digits, all prompts.
    NaN where no prompt of that kind is present.
    """
    check_videos(videos, min_frames=2)
    if len(prompts) != len(videos):
        raise ValueError(
            f"got {len(videos)} videos for {len(prompts)} prompts; need one video per prompt"
        )
    labels: list[PromptLabels] = [parse(p) for p in prompts]
    det = detector if detector is not None else default_detector()
    pred = det.predict(videos)
    digit_ok, dir_ok, speed_ok, count_ok = [], [], [], []
    for i, lab in enumerate(labels):
        count_ok.append(int(pred["num_digits"][i]) == len(lab.digits))
        if len(lab.digits) == 1:
            digit_ok.append(int(pred["digit"][i]) == lab.digits[0])
            dir_ok.append(DIRECTIONS[int(pred["direction"][i])] == lab.direction)
            speed_ok.append(SPEEDS[int(pred["speed"][i])] == lab.speed)
        else:
            seen = sorted(int(x) for x in pred["digits"][i])
            digit_ok.append(seen == sorted(lab.digits))

    def mean(xs):
        return float(np.mean(xs)) if xs else float("nan")

    return {
        "digit_accuracy": mean(digit_ok),
        "direction_accuracy": mean(dir_ok),
        "speed_accuracy": mean(speed_ok),
        "count_accuracy": mean(count_ok),
    }


def _share(hits: list[bool]) -> float:
    return float(np.mean(hits)) if hits else float("nan")


def prompt_breakdown(
    videos: torch.Tensor, prompts: Sequence[str], detector: Detector | None = None
) -> dict:
    """Where prompt accuracy is lost, on single-digit prompts: digit and direction accuracy by
    speed (normal, slow), by kind of direction (axis: right/up/left/down; diagonal) and by
    digit, and a direction confusion table.

    Returns ``{"groups": [{"group", "name", "n", "digit_accuracy", "direction_accuracy"}, ...],
    "direction_confusion": {"directions": [...], "counts": [[...]]}}``: ``counts[i][j]`` is the
    number of videos asked for direction ``i`` and read as direction ``j`` (rows sum to the
    prompts asking for ``i``). Groups with no prompt are left out.
    """
    check_videos(videos, min_frames=2)
    if len(prompts) != len(videos):
        raise ValueError(
            f"got {len(videos)} videos for {len(prompts)} prompts; need one video per prompt"
        )
    labels = [parse(p) for p in prompts]
    single = [i for i, lab in enumerate(labels) if len(lab.digits) == 1]
    det = detector if detector is not None else default_detector()
    pred = det.predict(videos[single]) if single else {"digit": [], "direction": []}
    rows = []  # (labels, digit hit, direction hit, asked direction index, read direction index)
    for j, i in enumerate(single):
        lab = labels[i]
        asked, read = DIRECTIONS.index(lab.direction), int(pred["direction"][j])
        rows.append((lab, int(pred["digit"][j]) == lab.digits[0], asked == read, asked, read))
    keys = [("speed", s, lambda lab, s=s: lab.speed == s) for s in SPEEDS]
    keys += [("direction", kind, lambda lab, d=d: (DIRECTIONS.index(lab.direction) % 2 == 1) == d)
             for kind, d in (("axis", False), ("diagonal", True))]
    keys += [("digit", str(d), lambda lab, d=d: lab.digits[0] == d) for d in range(10)]
    groups = []
    for group, name, member in keys:
        sel = [r for r in rows if member(r[0])]
        if sel:
            groups.append({"group": group, "name": name, "n": len(sel),
                           "digit_accuracy": _share([r[1] for r in sel]),
                           "direction_accuracy": _share([r[2] for r in sel])})
    counts = np.zeros((len(DIRECTIONS), len(DIRECTIONS)), dtype=np.int64)
    for r in rows:
        counts[r[3], r[4]] += 1
    return {"groups": groups,
            "direction_confusion": {"directions": list(DIRECTIONS), "counts": counts.tolist()}}


def breakdown_text(breakdown: dict, real: dict | None = None) -> str:
    """Markdown for :func:`prompt_breakdown`: the groups (beside ``real``'s, when given) and the
    direction confusion table (rows: asked, columns: read back)."""
    floor = {(g["group"], g["name"]): g for g in (real or {}).get("groups", [])}
    head = "| group | prompts | digit | direction |" + (" real digit | real direction |" if real else "")
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for g in breakdown["groups"]:
        r = floor.get((g["group"], g["name"]))
        real_cells = ""
        if real:
            real_cells = f" {r['digit_accuracy']:.1%} | {r['direction_accuracy']:.1%} |" if r else " — | — |"
        lines.append(f"| {g['group']}: {g['name']} | {g['n']} | {g['digit_accuracy']:.1%} "
                     f"| {g['direction_accuracy']:.1%} |{real_cells}")
    conf = breakdown["direction_confusion"]
    names = conf["directions"]
    lines += ["", "direction confusion (rows: asked, columns: read back)", "",
              "| asked \\ read | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for name, row in zip(names, conf["counts"]):
        lines.append(f"| {name} | " + " | ".join(str(c) if c else "·" for c in row) + " |")
    return "\n".join(lines)
