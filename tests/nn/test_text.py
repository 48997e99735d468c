"""Tiny text encoder: padding is ignored, the null prompt is one learned vector."""

from __future__ import annotations

import pytest
import torch

from tinyvid.nn import TextEncoder, TextEncoderConfig


@pytest.fixture
def encoder():
    torch.manual_seed(0)
    enc = TextEncoder(TextEncoderConfig.tiny())
    torch.nn.init.normal_(enc.null)
    return enc


@torch.no_grad()
def test_outputs_have_per_token_and_pooled_shapes(encoder):
    tokens = torch.tensor([[1, 2, 3, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0, 0]])
    per_token, pooled = encoder(tokens)
    assert per_token.shape == (2, 8, 16) and pooled.shape == (2, 16)
    assert (per_token[tokens == 0] == 0).all()


@torch.no_grad()
def test_padding_changes_nothing(encoder):
    short = torch.tensor([[5, 6, 7]])
    padded = torch.tensor([[5, 6, 7, 0, 0, 0, 0, 0]])
    a, pa = encoder(short)
    b, pb = encoder(padded)
    torch.testing.assert_close(pa, pb)
    torch.testing.assert_close(a, b[:, :3])


@torch.no_grad()
def test_null_prompt_is_the_learned_null_vector_and_prompts_differ(encoder):
    tokens = torch.tensor([[0] * 8, [5, 6, 7, 0, 0, 0, 0, 0], [5, 6, 8, 0, 0, 0, 0, 0]])
    _, pooled = encoder(tokens)
    assert torch.equal(pooled[0], encoder.null)
    assert torch.isfinite(pooled).all()
    assert not torch.allclose(pooled[1], pooled[2])
    assert torch.equal(encoder.null_tokens(3), torch.zeros(3, 8, dtype=torch.long))


def test_bad_tokens_raise_clear_errors(encoder):
    with pytest.raises(ValueError, match=r"in \[0, 25\)"):
        encoder(torch.tensor([[1, 25]]))
    with pytest.raises(ValueError, match="at most 8"):
        encoder(torch.ones(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match=r"\[B, L\]"):
        encoder(torch.ones(9, dtype=torch.long))
    with pytest.raises(ValueError, match="int64"):
        encoder(torch.ones(1, 3))


def test_the_text_encoder_covers_the_prompt_grammar_and_the_shipped_models_agree():
    import itertools
    import json
    from pathlib import Path

    from tinyvid.text import DIRECTIONS, MAX_TOKENS, VOCAB, caption, tokenize, words

    cfg = TextEncoderConfig()
    assert cfg.vocab_size == len(VOCAB) and cfg.max_len == MAX_TOKENS
    prompts = [caption([d], k, speed) for d, k, speed in
               itertools.product(range(10), DIRECTIONS, ("normal", "slow"))]
    prompts += [caption([a, b]) for a, b in itertools.product(range(10), repeat=2)]
    ids = tokenize(prompts)  # every prompt of the grammar fits and maps into the vocabulary
    assert int(ids.max()) == cfg.vocab_size - 1 and ids.shape[1] == cfg.max_len
    assert max(len(words(p)) for p in prompts) <= cfg.max_len
    weights = Path(__file__).resolve().parents[2] / "tinyvid" / "weights"
    for name in ("default_video.json", "image_video.json"):
        text = json.loads((weights / name).read_text())["config"]["text"]
        assert (text["vocab_size"], text["max_len"]) == (cfg.vocab_size, cfg.max_len), name
