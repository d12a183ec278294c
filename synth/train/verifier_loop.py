"""Training the verifier: the e5 encoder as a cross-encoder with a three-way head.

Cross-entropy with class weights (inverse training frequency) over batches drawn from the
`train` split of `verifier_data.build_pairs` (or, with `nli` set, of `nli_data.build_mixture`);
SciFact and Check-COVID pairs are drawn `scifact_weight` times as often, since they are the
natural claim-verification pairs (real claims, not rule-made contradictions). The checkpoint with
the lowest loss on the `calibration` split is kept; then a temperature is fitted on that split
(never on SciFact dev, which is for reporting only) and written to `calibration.json`.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from synth.core.console import NullProgress, Progress
from synth.core.runtime import Dtype, use_bf16
from synth.core.types import Label
from synth.train.finetune import FineTune, seed_torch, train
from synth.train.verifier_data import Pair, build_pairs
from synth.verify.calibration import TemperatureScaler, balanced_accuracy, macro_f1
from synth.verify.combine import Combiner, pair_features, retriever_cosines
from synth.verify.nli import CALIBRATION_FILE, DELTA_FILE, HEAD_FILE, LABELS, make_head, pair_logits
from synth.weights import hidden_size

LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}
# How a report's Methodology names each training source (`Pair.source`); unknown ones by key.
SOURCE_NAMES = {
    "snli": "SNLI",
    "indonli": "IndoNLI",
    "farstail": "FarsTail",
    "klue_nli": "KLUE-NLI",
    "jnli": "JNLI",
    "check_covid": "Check-COVID",
    "tatoeba": "Tatoeba translation pairs",
    "scifact": "SciFact",
    "lareqa": "XQuAD-R",
    "unarxive": "unarXive sentences",
    "edit": "rule-made contradictions",
    "mnli": "MultiNLI",
    "fever_symmetric": "FEVER-Symmetric",
    "wice": "WiCE",
    "breaking_nli": "Breaking NLI",
    "contract_nli": "ContractNLI",
    "check_covid_nei": "Check-COVID claim-level negatives",
}
# A verifier trained here is named by its recipe, not a release: releases set their own name.
TRAINED_METHOD = "nli-e5"


def training_data_line(pairs: list[Pair]) -> str:
    """The training sources of `pairs`, most pairs first, as a report names them."""
    counts = Counter(p.source for p in pairs)
    names = [SOURCE_NAMES.get(s, s) for s, _ in sorted(counts.items(), key=lambda c: (-c[1], c[0]))]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# the natural claim-verification sets (real claims against real evidence) are drawn more often
WEIGHTED_SOURCES = ("scifact", "check_covid")


class VerifierConfig(BaseModel):
    scifact: Path = Field(description="SciFact directory (claims/, rte/).")
    lareqa: list[Path] = Field(description="LAReQA-format directories.")
    nli: Path | None = Field(
        None, description="NLI sets directory: train on the v4 mixture of `nli_data`."
    )
    extended: bool = Field(
        False,
        description="With `nli`: add the v5 sets (MultiNLI, FEVER-Symmetric, WiCE, Breaking "
        "NLI, ContractNLI, Check-COVID claim-level negatives; `nli_data.v5_sets`).",
    )
    init_from: Path | None = Field(
        None,
        description="A trained verifier directory (delta, head) to start from instead of the "
        "untrained head on the base encoder: continued training.",
    )
    steps: int = Field(300, ge=1)
    batch_size: int = Field(32, ge=2)
    lr: float = 5e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 30
    seed: int = 0
    max_length: int = 256
    scifact_weight: int = Field(3, ge=1)
    source_weights: dict[str, int] = Field(
        {},
        description="Times a training pair of a source (its name in the mixture table, e.g. "
        "'mnli', 'check_covid_nei') is drawn, over the default (`scifact_weight` for SciFact "
        "and Check-COVID, else 1); 0 leaves the source out: mixtures and per-source "
        "ablations without code.",
    )
    eval_every: int = Field(50, ge=1)
    checkpoint_every: int = Field(25, ge=1)
    keep_evals: bool = Field(
        False,
        description="Export the model at every evaluation (evals/step-N/), to choose a "
        "checkpoint afterwards at claim level (`synth train-verifier --calibrate DIR`).",
    )
    dtype: Dtype = "auto"
    threads: int = 0
    combiner_fit: Literal["calibration", "claims"] = Field(
        "calibration",
        description="The held-out pairs the combiner is fitted on: the calibration split "
        "(stratified over every source), or the dev side's claim-verification pairs (SciFact, "
        "Check-COVID; English only), which cost cross-language pairs (`bench.combiner_fit`).",
    )


def draws(config: VerifierConfig, source: str) -> int:
    """How many times a training pair of this source is in the sampling pool (0: left out)."""
    if source in config.source_weights:
        return config.source_weights[source]
    return config.scifact_weight if source in WEIGHTED_SOURCES else 1


def combiner_pairs(splits: dict[str, list[Pair]], fit: str) -> list[Pair]:
    """The held-out pairs the combiner is fitted on (see `VerifierConfig.combiner_fit`)."""
    if fit == "calibration":
        return splits["calibration"]
    held_out = splits["calibration"] + splits.get("dev_rest", [])
    claims = [p for p in held_out if p.source in WEIGHTED_SOURCES]
    return claims or splits["calibration"]  # data without claim-verification sets


class VerifierTask:
    def __init__(self, config: VerifierConfig, ft: FineTune, splits: dict[str, list[Pair]]) -> None:
        import torch

        self.config, self.ft, self.splits = config, ft, splits
        self.head = ft.extra["head"]
        drawn = [draws(config, p.source) for p in splits["train"]]
        train_pairs = [p for p, n in zip(splits["train"], drawn, strict=True) if n]
        counts = np.bincount([LABEL_INDEX[p.label] for p in train_pairs], minlength=len(LABELS))
        self.class_weights = torch.tensor(
            len(train_pairs) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float32
        )
        self.pool = [i for i, n in enumerate(drawn) for _ in range(n)]

    def batches(self):
        pairs, size = self.splits["train"], self.config.batch_size
        epoch = 0
        while True:
            order = np.random.default_rng([self.config.seed, epoch]).permutation(self.pool)
            for start in range(0, len(order) - size + 1, size):
                yield "pairs", [pairs[i] for i in order[start : start + size]]
            epoch += 1

    def logits(self, pairs: list[Pair]):
        return pair_logits(
            self.ft.model,
            self.head,
            [p.claim for p in pairs],
            [p.evidence for p in pairs],
            bf16=use_bf16(self.config.dtype),
            max_length=self.config.max_length,
        )

    def loss(self, batch: list[Pair]):
        import torch
        import torch.nn.functional as F

        targets = torch.tensor([LABEL_INDEX[p.label] for p in batch])
        return F.cross_entropy(self.logits(batch), targets, weight=self.class_weights)

    def split_logits(self, name: str) -> np.ndarray:
        return self.pairs_logits(self.splits[name])

    def pairs_logits(self, pairs: list[Pair]) -> np.ndarray:
        import torch

        with torch.no_grad():
            return np.concatenate(
                [self.logits(pairs[i : i + 64]).float().numpy() for i in range(0, len(pairs), 64)]
            )

    def evaluate(self) -> tuple[float, dict]:
        logits = self.split_logits("calibration")
        gold = np.array([LABEL_INDEX[p.label] for p in self.splits["calibration"]])
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = float(-np.mean(log_probs[np.arange(len(gold)), gold]))
        predicted = logits.argmax(axis=1)
        return loss, {
            "calibration_loss": loss,
            "calibration_macro_f1": macro_f1(predicted, gold, range(len(LABELS))),
        }

    def export(self, directory: Path, metadata: dict[str, str]) -> Path:
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        self.ft.export_delta(directory / DELTA_FILE, metadata)
        save_file(
            {k: v.detach().contiguous() for k, v in self.head.state_dict().items()},
            str(directory / HEAD_FILE),
        )
        return directory


def scifact_metrics(probabilities: np.ndarray, pairs: list[Pair]) -> dict[str, float]:
    """SciFact RTE view: supported = entailment; contradicted and NEI = not_entailment."""
    from synth.verify.calibration import accuracy, binary_ece

    gold = np.array([p.label is Label.SUPPORTED for p in pairs], dtype=int)
    predicted = (probabilities[:, 0] >= 0.5).astype(int)
    return {
        "accuracy": accuracy(predicted, gold),
        "balanced_accuracy": balanced_accuracy(predicted, gold),
        "macro_f1": macro_f1(predicted, gold, [0, 1]),
        "ece": binary_ece(probabilities[:, 0], gold),
    }


class VerifierTrainer:
    def __init__(
        self,
        config: VerifierConfig,
        out_dir: Path,
        base_dir: Path,
        fulltext_records: list[dict],
        progress: Progress = NullProgress(),
        retriever=None,
    ) -> None:
        seed_torch(config.seed, config.threads)
        self.config, self.out_dir, self.base_dir, self.progress = (
            config,
            out_dir,
            base_dir,
            progress,
        )
        if config.nli is None:
            self.splits = build_pairs(config.scifact, config.lareqa, fulltext_records, config.seed)
        else:
            from synth.train.nli_data import build_mixture

            self.splits = build_mixture(
                config.nli,
                config.scifact,
                config.lareqa,
                fulltext_records,
                seed=config.seed,
                extended=config.extended,
            )
        self.ft = FineTune(
            base_dir,
            lr=config.lr,
            weight_decay=config.weight_decay,
            warmup_steps=config.warmup_steps,
            steps=config.steps,
            max_seq_length=config.max_length,
            extra={"head": make_head(hidden_size(base_dir))},
            extra_lr=config.head_lr,
        )
        self.task = VerifierTask(config, self.ft, self.splits)
        if config.init_from is not None:  # a checkpoint, when there is one, overrides this
            from safetensors.torch import load_file

            start = (
                config.init_from / "best"
                if (config.init_from / "best").is_dir()
                else config.init_from
            )
            self.ft.restore_delta(start / DELTA_FILE)
            self.task.head.load_state_dict(load_file(str(start / HEAD_FILE)))
        self.retriever = retriever  # CachedEncoder for the combiner's cosine feature

    def run(self) -> Path:
        import torch

        manifest = {
            "seed": self.config.seed,
            "torch": torch.__version__,
            "base_model": str(self.base_dir),
            "pairs": {k: len(v) for k, v in self.splits.items()},
        }
        best = train(
            self.ft,
            self.task,
            self.out_dir,
            steps=self.config.steps,
            eval_every=self.config.eval_every,
            checkpoint_every=self.config.checkpoint_every,
            config_json=self.config.model_dump_json(indent=2),
            manifest=manifest,
            progress=self.progress,
            keep_evals=self.config.keep_evals,
        )
        return self.calibrate(best)

    def calibrate(self, best: Path) -> Path:
        """Fit the temperature (and the combiner) of the export in `best` on the held-out
        pairs and write its `calibration.json`: what makes an export a usable verifier."""
        from safetensors.torch import load_file

        # Reload the exported weights, fit the temperature on the calibration split.
        self.ft.restore_delta(best / DELTA_FILE)
        self.task.head.load_state_dict(load_file(str(best / HEAD_FILE)))
        self.ft.train_mode(False)
        logits = self.task.split_logits("calibration")
        gold = np.array([LABEL_INDEX[p.label] for p in self.splits["calibration"]])
        scaler = TemperatureScaler.fit(logits, gold)
        calibration = {
            "method": TRAINED_METHOD,
            "training_data": training_data_line(self.splits["train"]),
            "temperature": scaler.temperature,
            "fitted_on": "calibration split",
            "pairs": int(len(gold)),
            "max_length": self.config.max_length,
        }
        if self.retriever is not None:
            pairs = combiner_pairs(self.splits, self.config.combiner_fit)
            claims, evidences = [p.claim for p in pairs], [p.evidence for p in pairs]
            cosines = retriever_cosines(self.retriever, claims, evidences)
            # the calibration split's logits are at hand; only another fit set is scored here
            calibrating = pairs is self.splits["calibration"]
            fit_logits = logits if calibrating else self.task.pairs_logits(pairs)
            features = pair_features(fit_logits, cosines, claims, evidences)
            targets = np.array([LABEL_INDEX[p.label] for p in pairs])
            calibration["combiner"] = Combiner.fit(features, targets).to_dict()
            calibration["combiner_retriever"] = self.retriever.model_id
            calibration["combiner_fitted_on"] = f"{self.config.combiner_fit} ({len(pairs)} pairs)"
        (best / CALIBRATION_FILE).write_text(json.dumps(calibration, indent=2))
        return best
