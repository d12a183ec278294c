"""The training loop: hybrid-batch contrastive fine-tuning of the e5 encoder on 2 CPU cores.

The token-embedding matrix (96M of 118M parameters) stays frozen: it dominates the cost of a
step and the optimiser state. The run directory gets the resolved config, the manifest (git
commit, seed, versions), per-step metrics, a resumable checkpoint, and at the end the
int8 delta of the best model by dev loss (early stopping on validation loss, as in the paper).
"""

from __future__ import annotations

import itertools
import json
import logging
import subprocess
import time
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from synth.core.console import NullProgress, Progress
from synth.retrieve.lareqa import load_lareqa
from synth.train.data import Triplet, groups_from_lareqa
from synth.train.samplers import BatchSampler

log = logging.getLogger(__name__)

DELTA_FILE = "retriever.safetensors"
MICRO_BATCH = 16


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
    eval_every: int = Field(50, ge=1, description="Steps between dev-loss evaluations.")
    dev_batches: int = Field(8, ge=1)
    checkpoint_every: int = Field(25, ge=1)
    select_by: Literal["dev_loss", "dev_map"] = Field(
        "dev_loss",
        description="Keep the checkpoint with the lowest dev loss (the paper's early stopping) "
        "or the highest mean of Mo/Cr/Mul mAP on the dev articles (their own sentence pool).",
    )
    bf16: bool = Field(True, description="bf16 autocast for forward passes.")
    threads: int = 0


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).resolve().parent,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        out_dir: Path,
        base_dir: Path,
        progress: Progress = NullProgress(),
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        from synth.retrieve.embed import quiet_transformers
        from synth.train.losses import InfoNCELoss

        quiet_transformers()

        self.config, self.out_dir, self.base_dir, self.progress = (
            config,
            out_dir,
            base_dir,
            progress,
        )
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        datasets = [load_lareqa(path) for path in config.data]
        train_groups = [groups_from_lareqa(d, "train") for d in datasets]
        dev_groups = [groups_from_lareqa(d, "dev") for d in datasets]
        self.sampler = BatchSampler(
            train_groups, config.batch_size, config.strategy, config.alpha, config.seed
        )
        dev_sampler = BatchSampler(dev_groups, config.batch_size, "hybrid", 0.5, config.seed + 1)
        self.dev_batches = [b for _, b in dev_sampler.batches(0)][: config.dev_batches]
        self.dev_data = datasets[0]
        self.model = SentenceTransformer(
            str(base_dir),
            device="cpu",
            local_files_only=True,
            model_kwargs={"dtype": torch.float32},
        )
        self.model.max_seq_length = config.max_seq_length
        bert = self.model[0].auto_model
        bert.embeddings.word_embeddings.weight.requires_grad_(False)
        self.trainable = {n: p for n, p in bert.named_parameters() if p.requires_grad}
        self.optimizer = torch.optim.AdamW(
            self.trainable.values(), lr=config.lr, weight_decay=config.weight_decay
        )
        warmup, total = max(1, config.warmup_steps), config.steps
        # linear warm-up, then linear decay to zero at the last step
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: (
                (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
            ),
        )
        self.loss = InfoNCELoss(config.temperature)
        self.step = 0
        self.best_dev = float("inf")
        self.base_state = {n: p.detach().numpy().copy() for n, p in self.trainable.items()}

    # -- one batch ---------------------------------------------------------------------------
    def _embed(self, texts: list[str]):
        """Embeddings with gradients, in length-sorted micro-batches: padding every text to the
        longest in a batch of 64 wasted most of a step (median 41 tokens, batch maximum ~140)."""
        import torch

        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        parts = []
        for start in range(0, len(order), MICRO_BATCH):
            chunk = [texts[i] for i in order[start : start + MICRO_BATCH]]
            features = self.model.preprocess(chunk)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.config.bf16):
                parts.append(self.model(features)["sentence_embedding"].float())
        stacked = torch.cat(parts)  # (n, dim) in length order
        inverse = torch.empty(len(order), dtype=torch.long)
        inverse[torch.tensor(order)] = torch.arange(len(order))
        return stacked[inverse]

    def batch_loss(self, batch: list[Triplet]):
        queries = self._embed(["query: " + t.query for t in batch])
        passages = self._embed(
            ["passage: " + t.positive for t in batch] + ["passage: " + t.negative for t in batch]
        )
        n = len(batch)
        return self.loss(queries, passages[:n], passages[n:])

    def dev_loss(self) -> float:
        import torch

        self.model.eval()
        with torch.no_grad():
            values = [float(self.batch_loss(b)) for b in self.dev_batches]
        self.model.train()
        return float(np.mean(values))

    def dev_retrieval(self) -> dict[str, float]:
        """LAReQA Mo/Cr/Mul on the first training set's dev articles, pooled among themselves
        (a small pool: cheap enough to run inside the loop, never the test articles)."""
        import torch

        from synth.retrieve.lareqa import evaluate_lareqa

        data = self.dev_data
        keep = set(data.articles("dev"))
        rows = [s for s in data.sentences if s.article in keep]
        remap = {s.index: i for i, s in enumerate(rows)}
        pool = type(data)(data.languages, data.n_articles, tuple(rows), ())
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
        self.model.eval()
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.config.bf16):
            sentences = self.model.encode(["passage: " + s.text for s in rows], batch_size=64)
            queries = self.model.encode(["query: " + q.text for q in questions], batch_size=64)
        self.model.train()
        summary = evaluate_lareqa(
            pool, questions, np.asarray(queries, np.float32), np.asarray(sentences, np.float32)
        )["summary"]
        return {k: summary[k] for k in ("mo_map", "cr_map", "mul_map", "bias")}

    # -- checkpoints --------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> Path:
        return self.out_dir / "checkpoint.pt"

    def save_checkpoint(self) -> None:
        import torch

        state = {
            "step": self.step,
            "best_dev": self.best_dev,
            "params": {n: p.detach().clone() for n, p in self.trainable.items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
        }
        tmp = self.checkpoint_path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.checkpoint_path)  # a kill mid-save never leaves a broken checkpoint

    def load_checkpoint(self) -> bool:
        import torch

        if not self.checkpoint_path.is_file():
            return False
        state = torch.load(self.checkpoint_path, weights_only=False)
        with torch.no_grad():
            for n, p in self.trainable.items():
                p.copy_(state["params"][n])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        torch.set_rng_state(state["torch_rng"])
        self.step, self.best_dev = state["step"], state["best_dev"]
        return True

    def export(self, tag: str) -> Path:
        """The current weights as an int8 delta over the base model."""
        from synth.retrieve.delta import save_delta

        tuned = {n: p.detach().numpy() for n, p in self.trainable.items()}
        path = self.out_dir / tag / DELTA_FILE
        save_delta(
            self.base_state,
            tuned,
            path,
            {
                "config": self.config.model_dump_json(),
                "step": str(self.step),
                "best_dev_score": str(self.best_dev),
                "git_commit": _git_commit(),
            },
        )
        return path

    def _schedule(self):
        """Every batch of the run, epoch after epoch; batches depend only on (seed, epoch)."""
        for epoch in itertools.count():
            yield from self.sampler.batches(epoch)

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> Path:
        import torch

        self.out_dir.mkdir(parents=True, exist_ok=True)
        resumed = self.load_checkpoint()
        if not resumed:
            (self.out_dir / "config.json").write_text(self.config.model_dump_json(indent=2))
            manifest = {
                "git_commit": _git_commit(),
                "seed": self.config.seed,
                "torch": torch.__version__,
                "base_model": str(self.base_dir),
                "trainable_parameters": sum(p.numel() for p in self.trainable.values()),
                "steps_per_epoch": self.sampler.steps_per_epoch,
            }
            (self.out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        log.info("training from step %d to %d", self.step, self.config.steps)
        metrics = (self.out_dir / "metrics.jsonl").open("a", encoding="utf-8")
        self.model.train()
        schedule = itertools.islice(self._schedule(), self.step, self.config.steps)
        for step, (kind, batch) in self.progress.track(
            enumerate(schedule, start=self.step), "training", total=self.config.steps - self.step
        ):
            start = time.perf_counter()
            loss = self.batch_loss(batch)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.trainable.values(), 1.0)
            self.optimizer.step()
            self.scheduler.step()
            self.step = step + 1
            record = {
                "step": self.step,
                "kind": kind,
                "loss": float(loss.detach()),
                "lr": self.scheduler.get_last_lr()[0],
                "seconds": time.perf_counter() - start,
            }
            if self.step % self.config.eval_every == 0 or self.step == self.config.steps:
                record["dev_loss"] = self.dev_loss()
                if self.config.select_by == "dev_map":
                    record["dev_retrieval"] = self.dev_retrieval()
                    r = record["dev_retrieval"]
                    # lower is better, like the loss
                    score = -(r["mo_map"] + r["cr_map"] + r["mul_map"]) / 3
                else:
                    score = record["dev_loss"]
                if score < self.best_dev:
                    self.best_dev = score
                    self.export("best")
            metrics.write(json.dumps(record) + "\n")
            metrics.flush()
            if self.step % self.config.checkpoint_every == 0 or self.step == self.config.steps:
                self.save_checkpoint()
        metrics.close()
        return self.out_dir / "best" / DELTA_FILE
