"""The caption grammar: both directions, tokenizer, and errors that help."""

from __future__ import annotations

import pytest
import torch

from tinyvid.text import DIRECTIONS, MAX_TOKENS, VOCAB, caption, detokenize, parse, tokenize


@pytest.mark.parametrize("digit", range(10))
@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("speed", ["normal", "slow"])
def test_caption_and_parse_are_inverse(digit, direction, speed):
    p = parse(caption([digit], direction, speed))
    assert p.digits == (digit,) and p.direction == direction and p.speed == speed


def test_two_digits_and_articles():
    assert caption([8, 3]) == "an 8 and a 3 bouncing"
    assert parse("a 8 and an 3 bouncing").digits == (8, 3)


def test_case_and_spaces_are_tolerated():
    assert parse("  A 7   Moving   UP-LEFT ") == parse("a 7 moving up-left")


def test_unknown_word_names_it_and_suggests_near_words():
    with pytest.raises(ValueError) as err:
        parse("a 7 moving upleft")
    assert "'upleft'" in str(err.value) and "'up-left'" in str(err.value)


@pytest.mark.parametrize("bad", ["a 7", "moving a 7 left", "a 7 moving left quickly", "a 7 and 3 bouncing", ""])
def test_ungrammatical_prompts_show_the_grammar(bad):
    with pytest.raises(ValueError, match="(?i)prompts look like"):
        parse(bad)


def test_tokenize_pads_and_empty_prompt_is_null():
    ids = tokenize(["a 7 moving up-left", ""])
    assert ids.shape == (2, MAX_TOKENS) and ids.dtype == torch.long
    assert ids[1].eq(0).all() and ids[0, :4].ne(0).all() and ids[0, 4:].eq(0).all()
    assert detokenize(ids)[0] == "a 7 moving up-left"


def test_an_and_a_are_one_token():
    assert torch.equal(tokenize("an 8 moving up"), tokenize("a 8 moving up"))


def test_tokenize_rejects_bad_prompts():
    with pytest.raises(ValueError, match="unknown word"):
        tokenize(["a 7 moving sideways"])
    with pytest.raises(ValueError, match="a string"):
        parse(7)


def test_vocabulary_is_closed_and_pad_first():
    assert VOCAB[0] == "<pad>" and len(VOCAB) == len(set(VOCAB)) == 25
    with pytest.raises(ValueError, match="unknown word"):
        parse("a <pad> moving up")
    with pytest.raises(ValueError, match="direction"):
        caption([1], "sideways")
