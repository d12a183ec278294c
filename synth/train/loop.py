"""Hybrid-batch contrastive training of the retriever (arXiv 2408.10536) on 2 CPU cores.

InfoNCE over (question, answer sentence, hard negative) triplets with in-batch negatives, in
X-X-mono, X-Y or hybrid batches; optionally Tatoeba translation pairs in the cross-lingual
batches, and batches larger than memory allows through gradient caching (`batch_size` above
`mini_batch_size`). The run directory is managed by `finetune.train`; the best
model (by dev loss, the paper's early stopping, or by dev retrieval mAP) is exported as an
int8 delta, `best/retriever.safetensors`.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from synth.core.console import NullProgress, Progress
from synth.core.runtime import Dtype, use_bf16
from synth.retrieve.bitext import load_bitext, tatoeba_languages
from synth.retrieve.lareqa import LareqaSet, evaluate_lareqa, load_lareqa
from synth.train.data import Triplet, groups_from_bitext, groups_from_lareqa
from synth.train.finetune import FineTune, seed_torch, train
from synth.train.samplers import BatchSampler

DELTA_FILE = "retriever.safetensors"
MICRO_BATCH = 16
# Tatoeba languages kept out of training, across families and scripts (Romance, Slavic, Uralic,
# Semitic, Indic, Bantu; Latin, Hebrew, Bengali, kana/kanji, Hangul): the zero-shot check
TATOEBA_HOLDOUT = ("fra", "pol", "fin", "heb", "ben", "swh", "jpn", "kor")


class TrainConfig(BaseModel):
    """Everything a training run depends on; written beside its outputs."""

    data: list[Path] = Field(description="LAReQA-format directories to train on.")
    strategy: Literal["mono", "cross", "hybrid"] = "hybrid"
    alpha: float = Field(0.5, ge=0, le=1, description="Share of mono batches (hybrid).")
    steps: int = Field(300, ge=1)
    batch_size: int = Field(32, ge=2)
    lr: float = 5e-5
    weight_decay: float = 0.01
    warmup_steps: int = 20
    temperature: float = 0.05
    seed: int = 0
    max_seq_length: int = 128
    eval_every: int = Field(50, ge=1, description="Steps between dev evaluations.")
    dev_batches: int = Field(8, ge=1)
    checkpoint_every: int = Field(25, ge=1)
    select_by: Literal["dev_loss", "dev_map"] = Field(
        "dev_loss",
        description="Keep the checkpoint with the lowest dev loss (the paper's early stopping) "
        "or the highest mean of Mo/Cr/Mul mAP on the dev articles (their own sentence pool).",
    )
    dtype: Dtype = Field(
        "auto", description="Forward-pass precision; 'auto': bf16 only where the CPU has it."
    )
    threads: int = 0
    mini_batch_size: int = Field(
        32,
        ge=1,
        description="Texts embedded at once; a batch_size above it trains through gradient "
        "caching (the same loss over the whole batch, the memory of one mini-batch).",
    )
    tatoeba: Path | None = Field(
        None, description="Tatoeba bitext directory (tatoeba.xxx-eng.*) for translation pairs."
    )
    tatoeba_share: float = Field(
        0.0, ge=0, le=1, description="Share of each cross-lingual batch filled with Tatoeba pairs."
    )
    positives_per_question: int = Field(
        1,
        ge=1,
        description="Languages a question takes at once in a cross-lingual batch; above 1, "
        "every answer in the batch, in any language, is a positive for the question (1: the "
        "paper's one positive per query; other questions' answers stay negatives).",
    )
    tatoeba_holdout: list[str] = Field(
        default_factory=lambda: list(TATOEBA_HOLDOUT),
        description="Tatoeba languages never trained on: the zero-shot bitext check.",
    )


def embed_with_grad(model, texts: list[str], bf16: bool):
    """Embeddings with gradients, in length-sorted micro-batches: padding every text to the
    longest of a batch of 64 wasted most of a step (median 41 tokens, batch maximum ~140)."""
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    parts = []
    for start in range(0, len(order), MICRO_BATCH):
        chunk = [texts[i] for i in order[start : start + MICRO_BATCH]]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            parts.append(model(model.preprocess(chunk))["sentence_embedding"].float())
    stacked = torch.cat(parts)  # (n, dim) in length order
    inverse = torch.empty(len(order), dtype=torch.long)
    inverse[torch.tensor(order)] = torch.arange(len(order))
    return stacked[inverse]


def dev_pool(data: LareqaSet) -> tuple[LareqaSet, list]:
    """The dev articles' sentences as their own candidate pool, with the dev questions."""
    keep = set(data.articles("dev"))
    rows = [s for s in data.sentences if s.article in keep]
    remap = {s.index: i for i, s in enumerate(rows)}
    rows = [type(s)(i, s.lang, s.article, s.paragraph, s.text) for i, s in enumerate(rows)]
    questions = [
        type(q)(
            q.qid,
            q.lang,
            q.article,
            q.paragraph,
            q.text,
            {lang: remap[i] for lang, i in q.answers.items()},
        )
        for q in data.questions_in("dev")
    ]
    return LareqaSet(data.languages, data.n_articles, tuple(rows), ()), questions


class RetrieverTask:
    def __init__(self, config: TrainConfig, ft: FineTune) -> None:
        from synth.train.losses import CachedInfoNCELoss, InfoNCELoss

        self.config, self.ft = config, ft
        datasets = [load_lareqa(path) for path in config.data]
        bitext = []
        if config.tatoeba is not None and config.tatoeba_share > 0:
            langs = [
                lang
                for lang in tatoeba_languages(config.tatoeba)
                if lang not in set(config.tatoeba_holdout)
            ]
            bitext = groups_from_bitext(
                [load_bitext(config.tatoeba, lang) for lang in langs], config.seed
            )
        self.sampler = BatchSampler(
            [groups_from_lareqa(d, "train") for d in datasets],
            config.batch_size,
            config.strategy,
            config.alpha,
            config.seed,
            bitext,
            config.tatoeba_share if bitext else 0.0,
            config.positives_per_question,
        )
        dev_sampler = BatchSampler(
            [groups_from_lareqa(d, "dev") for d in datasets],
            config.batch_size,
            "hybrid",
            0.5,
            config.seed + 1,
        )
        self.dev_batches = [b for _, b in dev_sampler.batches(0)][: config.dev_batches]
        self.dev_data = datasets[0]
        self.infonce = InfoNCELoss(config.temperature)
        self.cached = None
        if config.batch_size > config.mini_batch_size:
            self.cached = CachedInfoNCELoss(
                ft.model, config.temperature, config.mini_batch_size, use_bf16(config.dtype)
            )

    def batches(self):
        for epoch in itertools.count():
            yield from self.sampler.batches(epoch)

    def relevance(self, batch: list[Triplet]):
        """(batch, batch) bool: row j's passage answers row i's query; None (the diagonal) in
        one-positive training."""
        import torch

        if self.config.positives_per_question == 1:
            return None
        return torch.tensor([[u.positive_key in t.relevant for u in batch] for t in batch])

    def loss(self, batch: list[Triplet]):
        relevant = self.relevance(batch)
        if self.cached is not None:
            return self.cached(
                ["query: " + t.query for t in batch],
                ["passage: " + t.positive for t in batch],
                ["passage: " + t.negative for t in batch],
                relevant,
            )
        model, bf16 = self.ft.model, use_bf16(self.config.dtype)
        queries = embed_with_grad(model, ["query: " + t.query for t in batch], bf16)
        passages = embed_with_grad(
            model,
            ["passage: " + t.positive for t in batch] + ["passage: " + t.negative for t in batch],
            bf16,
        )
        n = len(batch)
        return self.infonce(queries, passages[:n], passages[n:], relevant)

    def dev_loss(self) -> float:
        import torch

        with torch.no_grad():
            return float(np.mean([float(self.loss(b)) for b in self.dev_batches]))

    def dev_retrieval(self) -> dict[str, float]:
        import torch

        pool, questions = dev_pool(self.dev_data)
        bf16 = use_bf16(self.config.dtype)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            sentences = self.ft.model.encode(
                ["passage: " + s.text for s in pool.sentences], batch_size=64
            )
            queries = self.ft.model.encode(["query: " + q.text for q in questions], batch_size=64)
        summary = evaluate_lareqa(
            pool, questions, np.asarray(queries, np.float32), np.asarray(sentences, np.float32)
        )["summary"]
        return {k: summary[k] for k in ("mo_map", "cr_map", "mul_map", "bias")}

    def evaluate(self) -> tuple[float, dict]:
        logged: dict = {"dev_loss": self.dev_loss()}
        if self.config.select_by == "dev_map":
            r = logged["dev_retrieval"] = self.dev_retrieval()
            return -(r["mo_map"] + r["cr_map"] + r["mul_map"]) / 3, logged  # lower is better
        return logged["dev_loss"], logged

    def export(self, directory: Path, metadata: dict[str, str]) -> Path:
        return self.ft.export_delta(directory / DELTA_FILE, metadata)


class Trainer:
    """A retriever training run: `Trainer(config, out_dir, base_dir).run()`."""

    def __init__(
        self,
        config: TrainConfig,
        out_dir: Path,
        base_dir: Path,
        progress: Progress = NullProgress(),
    ) -> None:
        seed_torch(config.seed, config.threads)
        self.config, self.out_dir, self.base_dir, self.progress = (
            config,
            out_dir,
            base_dir,
            progress,
        )
        self.ft = FineTune(
            base_dir,
            lr=config.lr,
            weight_decay=config.weight_decay,
            warmup_steps=config.warmup_steps,
            steps=config.steps,
            max_seq_length=config.max_seq_length,
        )
        self.task = RetrieverTask(config, self.ft)
        self.model = self.ft.model
        self.sampler = self.task.sampler

    def batch_loss(self, batch: list[Triplet]):
        return self.task.loss(batch)

    def export(self, tag: str) -> Path:
        return self.task.export(self.out_dir / tag, {"config": self.config.model_dump_json()})

    def run(self) -> Path:
        import torch

        manifest = {
            "seed": self.config.seed,
            "torch": torch.__version__,
            "base_model": str(self.base_dir),
            "trainable_parameters": sum(p.numel() for p in self.ft.trainable.values()),
            "steps_per_epoch": self.sampler.steps_per_epoch,
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
        )
        return best / DELTA_FILE
