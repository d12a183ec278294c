"""A verifier mixture is set in its config: how often each source's pairs are drawn, and which
sources are left out (a per-source ablation is a config, not a code change)."""

from __future__ import annotations

from synth.train.verifier_loop import VerifierConfig, draws


def _config(tmp_path, **overrides) -> VerifierConfig:
    return VerifierConfig(scifact=tmp_path, lareqa=[], **overrides)


def test_claim_verification_sets_are_drawn_scifact_weight_times_by_default(tmp_path):
    config = _config(tmp_path, scifact_weight=3)
    assert draws(config, "scifact") == 3
    assert draws(config, "check_covid") == 3
    assert draws(config, "mnli") == 1


def test_source_weights_override_the_default_and_zero_leaves_a_source_out(tmp_path):
    config = _config(tmp_path, source_weights={"mnli": 0, "check_covid": 6, "snli": 2})
    assert draws(config, "mnli") == 0
    assert draws(config, "check_covid") == 6
    assert draws(config, "snli") == 2
    assert draws(config, "scifact") == 3, "unnamed sources keep their default"
