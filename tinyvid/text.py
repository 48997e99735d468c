"""Prompts: the caption grammar (both ways) and a tokenizer over its closed vocabulary.

The grammar is tiny on purpose, so a model small enough for a laptop can learn all of it::

    a <digit> moving <direction> [slowly]      "a 7 moving up-left", "an 8 moving right slowly"
    a <digit> and a <digit> bouncing           "a 3 and a 5 bouncing"

<digit> is 0-9 ("a" or "an" before it: "an 8" reads right, "a 8" is accepted too);
<direction> is one of the eight compass directions in :data:`DIRECTIONS` (image convention:
"up" is towards row 0). "slowly" halves the speed. Case and extra spaces don't matter.
An unknown word is a ``ValueError`` naming it and the closest known words.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import torch

DIRECTIONS: tuple[str, ...] = (
    "right", "up-right", "up", "up-left", "left", "down-left", "down", "down-right",
)  # index k is the angle k * 45 degrees, counter-clockwise from "right"
SPEEDS: tuple[str, ...] = ("normal", "slow")  # "slow" is written "slowly" in a prompt
DIGIT_WORDS: tuple[str, ...] = tuple(str(d) for d in range(10))

PAD = "<pad>"
VOCAB: tuple[str, ...] = (PAD, "a", "an", "and", "moving", "bouncing", "slowly", *DIGIT_WORDS, *DIRECTIONS)
TOKEN_ID: dict[str, int] = {word: i for i, word in enumerate(VOCAB)}
MAX_TOKENS = 8  # the longest prompt, "a 3 and a 5 bouncing", has 6 words

GRAMMAR = "'a <digit> moving <direction> [slowly]' or 'a <digit> and a <digit> bouncing'"


@dataclass(frozen=True)
class PromptLabels:
    """What a prompt asks for. ``direction``/``speed`` are ``None`` for two bouncing digits."""

    digits: tuple[int, ...]
    direction: str | None = None
    speed: str | None = None


def _article(digit: int) -> str:
    return "an" if digit == 8 else "a"


def caption(digits: Sequence[int], direction: str | None = None, speed: str = "normal") -> str:
    """Write the prompt for a video's labels.

    >>> caption([7], "up-left")
    'a 7 moving up-left'
    >>> caption([8], "right", "slow")
    'an 8 moving right slowly'
    >>> caption([3, 5])
    'a 3 and a 5 bouncing'
    """
    digits = [int(d) for d in digits]
    if not 1 <= len(digits) <= 2 or any(not 0 <= d <= 9 for d in digits):
        raise ValueError(f"caption needs one or two digits in 0-9, got {digits}")
    if len(digits) == 2:
        a, b = digits
        return f"{_article(a)} {a} and {_article(b)} {b} bouncing"
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; allowed: {', '.join(DIRECTIONS)}")
    if speed not in SPEEDS:
        raise ValueError(f"unknown speed {speed!r}; allowed: {', '.join(SPEEDS)}")
    d = digits[0]
    return f"{_article(d)} {d} moving {direction}" + (" slowly" if speed == "slow" else "")


def words(prompt: str) -> list[str]:
    """Split a prompt into known words (lower case); raise on an unknown one."""
    if not isinstance(prompt, str):
        raise ValueError(f"a prompt must be a string, got {type(prompt).__name__}")
    out = prompt.lower().replace(",", " ").replace(".", " ").split()
    for w in out:
        if w not in TOKEN_ID or w == PAD:
            near = difflib.get_close_matches(w, VOCAB[1:], n=3, cutoff=0.5)
            hint = f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            raise ValueError(
                f"unknown word {w!r} in prompt {prompt!r}.{hint} "
                f"Known words: {', '.join(VOCAB[1:])}. Prompts look like {GRAMMAR}."
            )
    return out


def parse(prompt: str) -> PromptLabels:
    """Read a prompt back into labels (the inverse of :func:`caption`).

    >>> parse("A 7   moving UP-LEFT")
    PromptLabels(digits=(7,), direction='up-left', speed='normal')
    """
    w = words(prompt)
    bad = ValueError(f"cannot read {prompt!r}: prompts look like {GRAMMAR}")
    articles = ("a", "an")
    if len(w) in (4, 5) and w[0] in articles and w[1] in DIGIT_WORDS and w[2] == "moving":
        if w[3] not in DIRECTIONS or (len(w) == 5 and w[4] != "slowly"):
            raise bad
        return PromptLabels((int(w[1]),), w[3], "slow" if len(w) == 5 else "normal")
    if (
        len(w) == 6 and w[0] in articles and w[1] in DIGIT_WORDS and w[2] == "and"
        and w[3] in articles and w[4] in DIGIT_WORDS and w[5] == "bouncing"
    ):
        return PromptLabels((int(w[1]), int(w[4])))
    raise bad


def tokenize(prompts: str | Sequence[str], max_len: int = MAX_TOKENS) -> torch.Tensor:
    """Token ids ``[B, max_len]`` (int64, 0 = padding) for one prompt or a list of them.

    The empty prompt ``""`` is all padding: the null prompt of classifier-free guidance.
    Prompts must follow the grammar (checked with :func:`parse`), except the empty one.
    """
    if isinstance(prompts, str):
        prompts = [prompts]
    ids = torch.zeros(len(prompts), max_len, dtype=torch.long)  # [B, L]
    for i, prompt in enumerate(prompts):
        if prompt.strip() == "":
            continue
        parse(prompt)
        # "an 8" and "a 8" mean the same: one token for the article keeps the model's job small
        toks = [TOKEN_ID["a" if w == "an" else w] for w in words(prompt)]
        if len(toks) > max_len:
            raise ValueError(f"prompt {prompt!r} has {len(toks)} words; at most {max_len} allowed")
        ids[i, : len(toks)] = torch.tensor(toks)
    return ids


def detokenize(ids: torch.Tensor) -> list[str]:
    """Token ids ``[B, L]`` back to prompt strings (padding dropped)."""
    if ids.ndim != 2:
        raise ValueError(f"expected token ids of shape [B, L], got {tuple(ids.shape)}")
    return [" ".join(VOCAB[i] for i in row.tolist() if i != 0) for row in ids]
