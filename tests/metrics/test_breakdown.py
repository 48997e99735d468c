"""Prompt accuracy broken down by speed, axis vs diagonal and digit, with a direction confusion
table, read by a scripted reader so every count is known; and eval prints and stores it."""

from __future__ import annotations

import json

import pytest
import torch

from tinyvid.metrics.evaluate import breakdown_report, evaluate_text_to_video, main
from tinyvid.metrics.prompt import (
    breakdown_text,
    eval_prompts,
    prompt_breakdown,
    real_videos_for_prompts,
)
from tinyvid.text import DIRECTIONS, parse

PROMPTS = eval_prompts(64, seed=1)
SINGLE = [parse(p) for p in PROMPTS if " and " not in p]


class ScriptedReader:
    """Reads the asked digit, except the digits in ``wrong_digits``; reads diagonals as the axis
    just clockwise of them (up-right → right) and slow clips' directions reversed."""

    def __init__(self, wrong_digits=(7,)):
        self.wrong_digits = wrong_digits

    def predict(self, videos):
        assert len(videos) == len(SINGLE), "the breakdown reads single-digit clips only"
        digit, direction = [], []
        for lab in SINGLE:
            k = DIRECTIONS.index(lab.direction)
            if lab.speed == "slow":
                k = (k + 4) % 8
            elif k % 2 == 1:
                k -= 1
            direction.append(k)
            digit.append((lab.digits[0] + 1) % 10 if lab.digits[0] in self.wrong_digits else lab.digits[0])
        return {"digit": torch.tensor(digit), "direction": torch.tensor(direction)}


def _group(b, group, name):
    return next(g for g in b["groups"] if g["group"] == group and g["name"] == name)


def test_groups_and_confusion_count_what_the_reader_saw():
    videos = torch.zeros(len(PROMPTS), 4, 1, 64, 64)
    b = prompt_breakdown(videos, PROMPTS, ScriptedReader())
    slow = [lab for lab in SINGLE if lab.speed == "slow"]
    normal_axis = [lab for lab in SINGLE if lab.speed == "normal" and DIRECTIONS.index(lab.direction) % 2 == 0]
    diagonal = [lab for lab in SINGLE if DIRECTIONS.index(lab.direction) % 2 == 1]
    assert 0 < len(slow) < len(SINGLE) and 0 < len(diagonal) < len(SINGLE)
    slow_group = _group(b, "speed", "slow")
    assert slow_group["n"] == len(slow) and slow_group["direction_accuracy"] == 0.0
    assert _group(b, "speed", "normal")["direction_accuracy"] == pytest.approx(
        len(normal_axis) / (len(SINGLE) - len(slow)))
    assert _group(b, "direction", "diagonal")["direction_accuracy"] == 0.0
    axis = _group(b, "direction", "axis")
    assert axis["direction_accuracy"] == pytest.approx(len(normal_axis) / axis["n"])
    assert _group(b, "digit", "7")["digit_accuracy"] == 0.0 and _group(b, "digit", "3")["digit_accuracy"] == 1.0
    assert sum(g["n"] for g in b["groups"] if g["group"] == "digit") == len(SINGLE)
    counts = torch.tensor(b["direction_confusion"]["counts"])  # [8, 8] asked x read
    assert counts.sum() == len(SINGLE)
    for k, name in enumerate(DIRECTIONS):
        asked = [lab for lab in SINGLE if lab.direction == name]
        assert counts[k].sum() == len(asked)
        n_slow = sum(lab.speed == "slow" for lab in asked)
        assert counts[k, (k + 4) % 8] == n_slow
        assert counts[k, k - (k % 2)] == len(asked) - n_slow, "normal diagonals read as the axis below"


def test_text_shows_the_groups_beside_real_and_the_confusion_rows():
    videos = torch.zeros(len(PROMPTS), 4, 1, 64, 64)
    b = prompt_breakdown(videos, PROMPTS, ScriptedReader())
    perfect = prompt_breakdown(videos, PROMPTS, ScriptedReader(wrong_digits=()))
    text = breakdown_text(b, perfect)
    assert "| speed: slow |" in text and "| direction: diagonal |" in text and "| digit: 7 |" in text
    assert "| digit: 7 | " + str(_group(b, "digit", "7")["n"]) + " | 0.0% |" in text
    assert "| up-right | " in text and "rows: asked, columns: read back" in text
    assert len([ln for ln in text.splitlines() if ln.startswith(tuple(f"| {d} |" for d in DIRECTIONS))]) == 8


def test_two_digit_prompts_only_and_mismatched_lengths():
    two = ["a 3 and a 5 bouncing", "a 1 and a 1 bouncing"]
    b = prompt_breakdown(torch.zeros(2, 4, 1, 64, 64), two, ScriptedReader())
    assert b["groups"] == [] and sum(map(sum, b["direction_confusion"]["counts"])) == 0
    with pytest.raises(ValueError, match="one video per prompt"):
        prompt_breakdown(torch.zeros(3, 4, 1, 64, 64), two, ScriptedReader())


def test_eval_reports_the_breakdown_of_samples_beside_real_clips(tmp_path, capsys):
    from tinyvid.metrics.detector import default_detector

    det = default_detector()
    details: dict = {}
    evaluate_text_to_video(lambda p, s: real_videos_for_prompts(p, seed=[5, s[0]]), PROMPTS[:16], det,
                           details=details)
    assert set(details) == {"t2v", "real"}
    assert _group(details["t2v"], "speed", "normal")["digit_accuracy"] >= 0.8
    assert "real direction" in breakdown_report(details)
    out = tmp_path / "floor.json"
    assert main(["--real-vs-real", "--num-prompts", "24", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "direction confusion" in printed and "| direction: axis |" in printed
    figures = json.loads(out.read_text())
    assert sum(map(sum, figures["breakdown"]["real"]["direction_confusion"]["counts"])) == sum(
        " and " not in p for p in eval_prompts(24))
