"""What every fine-tuning run of the e5 encoder shares: the model with its token embeddings
frozen, AdamW with linear warm-up and decay, atomic resumable checkpoints, and the export of
the tuned encoder as an int8 delta over the base weights.

The token-embedding matrix is 96M of the 118M parameters: freezing it makes a CPU step about
ten times cheaper and keeps the shipped delta near 21 MB.
"""

from __future__ import annotations

import itertools
import json
import logging
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from synth.core.console import NullProgress, Progress
from synth.core.runtime import set_threads

log = logging.getLogger(__name__)


def git_commit() -> str:
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


def seed_torch(seed: int, threads: int = 0) -> None:
    """One seed for torch's initialisation and dropout; the thread count (0: the default)."""
    import torch

    set_threads(threads)
    torch.manual_seed(seed)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class FineTune:
    """A sentence-transformers encoder (plus optional extra modules, e.g. a classifier head)
    under one optimiser and one learning-rate schedule."""

    def __init__(
        self,
        base_dir: Path,
        *,
        lr: float,
        weight_decay: float,
        warmup_steps: int,
        steps: int,
        max_seq_length: int,
        extra: dict[str, Any] | None = None,
        extra_lr: float | None = None,
    ) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        from synth.weights import quiet_transformers

        quiet_transformers()
        self.model = SentenceTransformer(
            str(base_dir),
            device="cpu",
            local_files_only=True,
            model_kwargs={"dtype": torch.float32},
        )
        self.model.max_seq_length = max_seq_length
        self.bert = self.model[0].auto_model
        self.bert.embeddings.word_embeddings.weight.requires_grad_(False)
        self.trainable = {n: p for n, p in self.bert.named_parameters() if p.requires_grad}
        self.extra = extra or {}
        groups = [{"params": list(self.trainable.values()), "lr": lr}]
        extra_params = [p for module in self.extra.values() for p in module.parameters()]
        if extra_params:  # a freshly initialised head learns faster than the encoder moves
            groups.append({"params": extra_params, "lr": extra_lr or lr})
        self.optimizer = torch.optim.AdamW(groups, lr=lr, weight_decay=weight_decay)
        warmup, total = max(1, warmup_steps), steps
        # linear warm-up, then linear decay to zero at the last step
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer,
            lambda s: (
                (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup))
            ),
        )
        self.base_state = {n: p.detach().numpy().copy() for n, p in self.trainable.items()}

    def train_mode(self, training: bool) -> None:
        self.model.train(training)
        for module in self.extra.values():
            module.train(training)

    def step(self, loss) -> None:
        import torch

        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        self.optimizer.step()
        self.scheduler.step()

    @property
    def lr(self) -> float:
        return float(self.scheduler.get_last_lr()[0])

    def save_checkpoint(self, path: Path, **state: Any) -> None:
        """Weights, optimiser, schedule and RNG, plus the caller's state; atomic."""
        import torch

        payload = {
            "params": {n: p.detach().clone() for n, p in self.trainable.items()},
            "extra": {name: m.state_dict() for name, m in self.extra.items()},
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "state": state,
        }
        tmp = path.with_suffix(".tmp")
        torch.save(payload, tmp)
        tmp.replace(path)  # a kill mid-save never leaves a broken checkpoint

    def load_checkpoint(self, path: Path) -> dict[str, Any] | None:
        """Restore a checkpoint; returns the caller's state, or None when there is none."""
        import torch

        if not path.is_file():
            return None
        # weights_only: a run folder from someone else must not run code when resumed
        payload = torch.load(path, weights_only=True)
        with torch.no_grad():
            for name, param in self.trainable.items():
                param.copy_(payload["params"][name])
        for name, module in self.extra.items():
            module.load_state_dict(payload["extra"][name])
        self.optimizer.load_state_dict(payload["optimizer"])
        self.scheduler.load_state_dict(payload["scheduler"])
        torch.set_rng_state(payload["torch_rng"])
        return payload["state"]

    def restore_delta(self, path: Path) -> None:
        """Set the encoder to base + the delta at `path` (the inverse of `export_delta`)."""
        import torch

        from synth.weights.delta import dequantize, load_delta

        tensors, _ = load_delta(path)
        with torch.no_grad():
            for name, param in self.trainable.items():
                change = dequantize(tensors, name) if name in tensors else 0.0
                param.copy_(torch.from_numpy(self.base_state[name] + change))

    def export_delta(self, path: Path, metadata: dict[str, str]) -> Path:
        """The encoder's current weights as an int8 delta over the base model."""
        from synth.weights.delta import save_delta

        tuned = {n: p.detach().numpy() for n, p in self.trainable.items()}
        save_delta(self.base_state, tuned, path, {"git_commit": git_commit(), **metadata})
        return path


class Task(Protocol):
    """What a training run plugs into `train`: its batches, loss, dev score and export."""

    def batches(self) -> Iterator[tuple[str, Any]]:
        """(kind, batch) for every step from the first, forever; deterministic per seed."""
        ...

    def loss(self, batch: Any) -> Any: ...

    def evaluate(self) -> tuple[float, dict[str, Any]]:
        """(score to minimise, what to log) on the dev split."""
        ...

    def export(self, directory: Path, metadata: dict[str, str]) -> Path: ...


def train(
    ft: FineTune,
    task: Task,
    out_dir: Path,
    *,
    steps: int,
    eval_every: int,
    checkpoint_every: int,
    config_json: str,
    manifest: dict[str, Any],
    progress: Progress = NullProgress(),
    keep_evals: bool = False,
) -> Path:
    """Run (or resume) a training run; returns the directory of the best export.

    The run directory gets `config.json`, `manifest.json`, `metrics.jsonl` (one line per
    step), `checkpoint.pt` and `best/` (the export with the lowest dev score so far); with
    `keep_evals`, also `evals/step-N/`, an export at every evaluation, so that a checkpoint can
    be chosen afterwards by a measure too slow to run inside the loop.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = out_dir / "checkpoint.pt"
    state = ft.load_checkpoint(checkpoint) or {"step": 0, "best": float("inf")}
    if state["step"] == 0:
        (out_dir / "config.json").write_text(config_json)
        (out_dir / "manifest.json").write_text(
            json.dumps({"git_commit": git_commit(), **manifest}, indent=2)
        )
    log.info("training from step %d to %d", state["step"], steps)
    ft.train_mode(True)
    schedule = itertools.islice(task.batches(), state["step"], steps)
    with (out_dir / "metrics.jsonl").open("a", encoding="utf-8") as metrics:
        for step, (kind, batch) in progress.track(
            enumerate(schedule, start=state["step"]), "training", total=steps - state["step"]
        ):
            start = time.perf_counter()
            loss = task.loss(batch)
            ft.step(loss)
            state["step"] = step + 1
            record = {
                "step": state["step"],
                "kind": kind,
                "loss": float(loss.detach()),
                "lr": ft.lr,
                "seconds": time.perf_counter() - start,
            }
            if state["step"] % eval_every == 0 or state["step"] == steps:
                ft.train_mode(False)
                score, logged = task.evaluate()
                ft.train_mode(True)
                record.update(logged)
                record["peak_rss_mb"] = peak_rss_mb()
                if keep_evals:
                    task.export(
                        out_dir / "evals" / f"step-{state['step']}",
                        {
                            "config": config_json,
                            "step": str(state["step"]),
                            "dev_score": str(score),
                        },
                    )
                if score < state["best"]:
                    state["best"] = score
                    task.export(
                        out_dir / "best",
                        {
                            "config": config_json,
                            "step": str(state["step"]),
                            "dev_score": str(score),
                        },
                    )
            metrics.write(json.dumps(record) + "\n")
            metrics.flush()
            if state["step"] % checkpoint_every == 0 or state["step"] == steps:
                ft.save_checkpoint(checkpoint, **state)
    return out_dir / "best"
