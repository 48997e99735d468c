"""The four generation modes, streaming, seeds and input checks, on tiny random models."""

from __future__ import annotations

import pytest
import torch

from tinyvid.pipelines import PipelineConfig, VideoPipeline, load_pipeline
from tinyvid.text import tokenize

S = 64


def img(seed):
    return torch.rand(1, S, S, generator=torch.Generator().manual_seed(seed))


def test_text_to_video_shape_range_and_seeds(pipe):
    v = pipe.text_to_video("a 7 moving up-left", seed=0)
    assert v.shape == (1, 4, 1, S, S) and v.dtype == torch.float32
    assert v.min() >= 0 and v.max() <= 1
    assert torch.equal(v, pipe.text_to_video("a 7 moving up-left", seed=0))
    assert not torch.equal(v, pipe.text_to_video("a 7 moving up-left", seed=1))
    g = torch.Generator().manual_seed(0)
    assert torch.equal(v, pipe.text_to_video("a 7 moving up-left", generator=g))


class Spy:
    """Records what the pipeline's model is called with (and still runs it)."""

    def __init__(self, pipe):
        self.model, self.calls = pipe.model, []

    def __enter__(self):
        forward = self.model.forward

        def spy(x_t, t, cond):
            self.calls.append((x_t.shape, cond))
            return forward(x_t, t, cond)

        self.model.forward = spy
        return self.calls

    def __exit__(self, *exc):
        del self.model.forward


def test_a_list_of_prompts_is_a_batch_with_each_row_its_own_prompt(pipe):
    prompts = ["a 7 moving up-left", "a 3 and a 5 bouncing"]
    with Spy(pipe) as calls:
        v = pipe.text_to_video(prompts, num_frames=8, seed=0, guidance=1.0, steps=2, sampler="euler")
    assert v.shape == (2, 8, 1, S, S)
    assert len(calls) == 2 and all(torch.equal(c.tokens, tokenize(prompts)) for _, c in calls)
    one = pipe.text_to_video(prompts[1], num_frames=8, seed=0, guidance=1.0, steps=2, sampler="euler")
    assert not torch.equal(one[0], v[0])  # row 0 was not made from prompt 1


def test_the_pipeline_under_test_is_the_shipped_architecture(pipe):
    import json

    from tinyvid.checkpoints import config_dict, kind_of, read_config
    from tinyvid.pipelines import WEIGHTS_DIR, random_pipeline

    shipped = read_config(WEIGHTS_DIR / "default_video.json")
    assert kind_of(pipe.model) == shipped["kind"] == "video_unet"
    full = random_pipeline("default")
    built = json.loads(json.dumps(config_dict(full.model.config)))
    # options added after the shipped file was written are read at their defaults
    defaults = config_dict(type(full.model.config)())
    assert built == {**{k: defaults[k] for k in built if k not in shipped["config"]},
                     **shipped["config"]}
    assert full.config.objective == shipped["pipeline"]["objective"]


def test_image_to_video_starts_exactly_at_the_image(pipe):
    image = img(1)
    v = pipe.image_to_video(image, seed=0)
    assert v.shape == (1, 4, 1, S, S)
    assert torch.equal(v[0, 0], image)
    batch = pipe.image_to_video(torch.stack([img(2), img(3)]), "a 3 moving down", seed=0)
    assert torch.equal(batch[1, 0], img(3))
    # conditioning only: the (untrained) model is told the frame but nothing pastes it in
    free = pipe.image_to_video(image, seed=0, replace_known=False)
    assert not torch.equal(free[0, 0], image)


def test_interpolate_keeps_both_ends(pipe):
    a, b = img(4), img(5)
    v = pipe.interpolate(a, b, num_frames=6, seed=0)
    assert v.shape == (1, 6, 1, S, S)
    assert torch.equal(v[0, 0], a) and torch.equal(v[0, -1], b)


def test_extend_appends_new_frames_over_several_windows(pipe):
    video = torch.rand(1, 5, 1, S, S, generator=torch.Generator().manual_seed(6))
    calls = []
    model = pipe.model
    forward = model.forward

    def spy(x_t, t, cond):
        calls.append((x_t.shape[1], cond.known_mask[0].tolist()))
        return forward(x_t, t, cond)

    model.forward = spy
    try:
        v = pipe.extend(video, num_new_frames=6, context=3, seed=0, guidance=1.0, steps=1,
                        sampler="euler")
    finally:
        del model.forward
    assert v.shape == (1, 11, 1, S, S)
    assert torch.equal(v[:, :5], video)  # the input is kept as given
    # windows of at most 8 frames, each with the last 3 frames known: 5 then 1 new frames
    assert [T for T, _ in calls] == [8, 4]
    assert all(m[:3] == [1, 1, 1] and sum(m) == 3 for _, m in calls)


def test_stream_yields_every_step_and_ends_with_the_video(pipe):
    items = list(pipe.stream("a 2 moving right slowly", seed=3, steps=3))
    assert [(s, n) for s, n, _ in items] == [(1, 3), (2, 3), (3, 3)]
    assert all(p.shape == (1, 4, 1, S, S) for _, _, p in items)
    assert torch.equal(items[-1][2], pipe.text_to_video("a 2 moving right slowly", seed=3, steps=3))
    sparse = [p for _, _, p in pipe.stream("a 2 moving right", seed=3, steps=3, preview_every=0)]
    assert sparse[0] is None and sparse[-1] is not None


def test_stream_does_not_leave_inference_mode_on_between_steps(pipe):
    for _ in pipe.stream(mode="i2v", image=img(7), seed=0):
        assert not torch.is_inference_mode_enabled()


def test_extend_stream_counts_steps_over_all_windows(pipe):
    video = torch.rand(6, 1, S, S)
    items = list(pipe.stream(mode="extend", video=video, num_new_frames=7, context=2, seed=0))
    assert [s for s, _, _ in items] == [1, 2, 3, 4] and items[-1][1] == 4
    assert items[-1][2].shape == (1, 13, 1, S, S)


def test_on_step_gets_pixel_previews(pipe):
    seen = []
    pipe.text_to_video(
        "a 1 moving up", seed=0, steps=3, on_step=lambda s, n, p: seen.append((s, n, p))
    )
    assert [(s, n) for s, n, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert all(p.shape == (1, 4, 1, S, S) and p.min() >= 0 and p.max() <= 1 for _, _, p in seen)


def test_the_sampler_asked_for_is_the_one_that_runs(pipe):
    with Spy(pipe) as euler:
        a = pipe.text_to_video("a 4 moving left", sampler="euler", steps=3, guidance=1.0, seed=0)
    with Spy(pipe) as heun:
        b = pipe.text_to_video("a 4 moving left", sampler="heun", steps=3, guidance=1.0, seed=0)
    assert len(euler) == 3 and len(heun) == 6  # Heun: two model calls a step
    assert not torch.equal(a, b)


def test_sample_options_are_the_same_as_keywords_and_keywords_win(pipe):
    from tinyvid.pipelines import SampleOptions

    opts = SampleOptions(seed=3, steps=2, guidance=1.5)
    v = pipe.text_to_video("a 6 moving down", options=opts)
    assert torch.equal(v, pipe.text_to_video("a 6 moving down", seed=3, steps=2, guidance=1.5))
    assert torch.equal(pipe.text_to_video("a 6 moving down", options=opts, seed=4),
                       pipe.text_to_video("a 6 moving down", seed=4, steps=2, guidance=1.5))
    with pytest.raises(TypeError, match="unknown sampling option"):
        pipe.text_to_video("a 6 moving down", stepz=2)


@pytest.mark.parametrize(
    "new, context, lo, hi, patch, plan",
    [
        (6, 3, 4, 8, 1, [(8, 5), (4, 1)]),  # a full window, then the shortest allowed one
        (2, 2, 16, 16, 1, [(16, 2)]),  # a fixed-length model makes extra frames and drops them
        (1, 3, 2, 8, 2, [(4, 1)]),  # whole spacetime patches: 3 + 1 -> 4
        (3, 2, 2, 8, 2, [(6, 3)]),  # 2 + 3 -> 5 -> 6
        (10, 4, 4, 8, 1, [(8, 4), (8, 4), (6, 2)]),
    ],
)
def test_plan_extension(new, context, lo, hi, patch, plan):
    from tinyvid.pipelines import plan_extension

    assert plan_extension(new, context, lo, hi, patch) == plan


def test_plan_extension_keeps_its_promises_and_refuses_a_full_context():
    from tinyvid.pipelines import plan_extension

    for new in range(1, 20):
        for context in range(1, 7):
            for patch in (1, 2):
                plan = plan_extension(new, context, 2, 8, patch)
                assert sum(k for _, k in plan) == new
                assert all(2 <= w <= 8 and w % patch == 0 and 0 < k <= w - context
                           for w, k in plan)
    with pytest.raises(ValueError, match="context=7 leaves no room"):
        plan_extension(3, 7, 2, 7, 2)


BAD = [
    (dict(prompt="a 7 moving sideways"), "unknown word 'sideways'"),
    (dict(prompt="a 7 flying up"), "unknown word 'flying'"),
    (dict(prompt=""), "needs a prompt"),
    (dict(steps=0), r"steps=0 is out of range; allowed: \[1, 1000\]"),
    (dict(steps=1001), r"steps=1001 is out of range"),
    (dict(steps=2.5), "steps must be a whole number"),
    (dict(num_frames=2), r"num_frames=2 is out of range; allowed: \[4, 8\]"),
    (dict(num_frames=32), r"num_frames=32 is out of range"),
    (dict(guidance=-1.0), "guidance must be a number >= 0"),
    (dict(sampler="ddim"), r"sampler 'ddim' cannot sample .* allowed: \['euler', 'heun'\]"),
    (dict(seed=0, generator=torch.Generator()), "seed= or generator=, not both"),
    (dict(seed=-1), "seed=-1 is out of range"),
]


@pytest.mark.parametrize("kwargs,message", BAD)
def test_bad_text_to_video_arguments_are_value_errors(pipe, kwargs, message):
    kwargs = {"prompt": "a 7 moving up-left", **kwargs}
    with pytest.raises(ValueError, match=message):
        pipe.text_to_video(kwargs.pop("prompt"), **kwargs)


def test_bad_images_and_videos_are_value_errors(pipe):
    with pytest.raises(ValueError, match=r"image must be \[1, 64, 64\]"):
        pipe.image_to_video(torch.rand(1, 32, 32))
    with pytest.raises(ValueError, match=r"values must be in \[0, 1\], got min .* max 255"):
        pipe.image_to_video(torch.rand(1, S, S) * 255)
    with pytest.raises(ValueError, match="divide uint8 images by 255"):
        pipe.image_to_video(torch.zeros(1, S, S, dtype=torch.uint8))
    with pytest.raises(ValueError, match="NaN"):
        pipe.image_to_video(torch.full((1, S, S), float("nan")))
    with pytest.raises(ValueError, match="same batch size"):
        pipe.interpolate(torch.rand(2, 1, S, S), img(0))
    with pytest.raises(ValueError, match=r"video must be \[T, 1, 64, 64\]"):
        pipe.extend(torch.rand(1, S, S))
    with pytest.raises(ValueError, match=r"context=6 is out of range; allowed: \[1, 5\]"):
        pipe.extend(torch.rand(5, 1, S, S), context=6)
    with pytest.raises(ValueError, match="unknown mode 'zoom'"):
        pipe.stream("a 7 moving up", mode="zoom")
    with pytest.raises(ValueError, match="got 3 prompts for a batch of 2"):
        pipe.image_to_video(torch.rand(2, 1, S, S), ["a 1 moving up"] * 3)


def test_pipeline_config_picks_a_sampler_that_fits_the_objective():
    assert PipelineConfig(objective="flow").sampler == "heun"
    assert PipelineConfig(objective="v").sampler == "ddim"
    with pytest.raises(
        ValueError, match="sampler 'euler' cannot sample a model trained with objective 'eps'"
    ):
        PipelineConfig(objective="eps", sampler="euler")
    with pytest.raises(ValueError, match="objective must be one of"):
        PipelineConfig(objective="x0")


class StandIn(torch.nn.Module):
    """The contract, nothing more: a frame 'autoencoder' (2x2 average pool) and a zero model."""

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))

    def encode_video(self, v):
        return torch.nn.functional.avg_pool2d(v.flatten(0, 1) * 2 - 1, 2).unflatten(0, v.shape[:2])

    def decode_video(self, z):
        up = torch.nn.functional.interpolate(z.flatten(0, 1), scale_factor=2.0)
        return ((up + 1) / 2).clamp(0, 1).unflatten(0, z.shape[:2])

    def forward(self, x_t, t, cond):
        return torch.zeros_like(x_t) + self.w


def test_any_parts_that_follow_the_contract_make_a_pipeline():
    cfg = PipelineConfig(objective="eps", min_frames=2, num_frames=3, max_frames=4, steps=3)
    p = VideoPipeline(StandIn(), StandIn(), cfg, tokenizer=tokenize)
    assert p.latent_shape == (1, 32, 32)
    v = p.image_to_video(img(0), seed=0)
    assert v.shape == (1, 3, 1, S, S) and torch.equal(v[0, 0], img(0))


def test_load_pipeline_names_the_missing_file_and_the_command(tmp_path):
    with pytest.raises(
        FileNotFoundError, match=r"default_video.safetensors.*bash scripts/train_all.sh"
    ):
        load_pipeline(folder=tmp_path)


def test_saved_pipeline_loads_and_samples_the_same(pipe, tmp_path):
    from tinyvid.pipelines import save_pipeline

    paths = save_pipeline(pipe, tmp_path, name="toy")
    assert all(p.is_file() for p in paths.values())
    loaded = load_pipeline("toy", device="cpu", folder=tmp_path)
    assert loaded.config == pipe.config
    assert torch.equal(
        loaded.text_to_video("a 5 moving down", seed=0),
        pipe.text_to_video("a 5 moving down", seed=0),
    )


def test_pipelines_that_share_an_autoencoder_store_it_once(pipe, tmp_path):
    import json

    from tinyvid.pipelines import random_pipeline, save_pipeline

    save_pipeline(pipe, tmp_path, name="a", autoencoder="shared_autoencoder")
    save_pipeline(pipe, tmp_path, name="b", autoencoder="shared_autoencoder")
    files = sorted(p.name for p in tmp_path.glob("*.safetensors"))
    assert files == ["a_video.safetensors", "b_video.safetensors", "shared_autoencoder.safetensors"]
    assert json.loads((tmp_path / "b_video.json").read_text())["autoencoder"] == files[-1]
    loaded = load_pipeline("b", device="cpu", folder=tmp_path)
    assert torch.equal(loaded.text_to_video("a 1 moving up", seed=0),
                       pipe.text_to_video("a 1 moving up", seed=0))
    other = random_pipeline("tiny", pipe.config, seed=1)  # another autoencoder
    with pytest.raises(ValueError, match="used by pipeline"):
        save_pipeline(other, tmp_path, name="c", autoencoder="shared_autoencoder")
