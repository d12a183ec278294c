"""One settings object with a section per stage.

Precedence, lowest first: defaults -> `$SYNTH_HOME/config.toml` -> `SYNTH_*` environment
variables (nested with `__`, e.g. `SYNTH_RETRIEVE__MAX_PAPERS=3`) -> explicit overrides (CLI
flags). Stages receive their own section, never the whole object.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource

from synth.core.errors import ConfigError
from synth.core.runtime import Dtype


class FetchSettings(BaseModel):
    offline: bool = Field(False, description="Never touch the network; use only the library.")
    timeout_s: float = Field(30.0, description="Timeout of one HTTP request, in seconds.")
    retries: int = Field(3, ge=0, description="Retries of a failed HTTP request.")
    delay_s: float = Field(
        3.0, ge=0, description="Pause between arXiv API calls (their terms ask 3 s)."
    )
    search_ttl_s: float = Field(
        7 * 24 * 3600.0, ge=0, description="How long a cached arXiv search is reused, in seconds."
    )


class ParseSettings(BaseModel):
    max_chars: int = Field(700, ge=100, description="Largest passage, in characters.")
    min_chars: int = Field(
        40, ge=1, description="Passages shorter than this merge with a neighbour."
    )


class RetrieveSettings(BaseModel):
    model: str = Field(
        "default",
        description="Encoder: 'base' (untuned multilingual-e5-small), 'default' (the shipped "
        "hybrid-trained retriever), a delta file, a training run directory, or a "
        "sentence-transformers folder.",
    )
    model_dir: Path | None = Field(
        None, description="Where converted encoders are cached (default: $SYNTH_HOME/models)."
    )
    max_papers: int = Field(4, ge=1, description="Most papers a question selects from the library.")
    paper_margin: float = Field(
        0.1,
        ge=0,
        description="Keep papers whose abstract scores within this of the best paper (a "
        "synthesis needs several papers: the nearest related ones score ~0.05-0.1 below).",
    )
    batch_size: int = Field(32, ge=1, description="Texts per encoder batch.")
    dtype: Dtype = Field(
        "auto",
        description="Inference precision: 'auto' (bf16 autocast only where the CPU has native "
        "bf16, else fp32: emulated bf16 is ~7x slower), 'fp32' or 'bf16'.",
    )
    threads: int = Field(
        0, ge=0, description="torch threads; 0: OMP_NUM_THREADS if set, else the cores available."
    )
    runtime: Literal["torch", "onnx-int8"] = Field(
        "onnx-int8",
        description="Encoder runtime: 'onnx-int8' (an int8 ONNX export, built once per model "
        "from the torch model; ~1.6x faster, no torch at inference, XQuAD-R mAP within 0.003 "
        "of fp32) or 'torch' (the model as trained; what training and export use).",
    )


class DiscoverSettings(BaseModel):
    search_results: int = Field(
        25, ge=1, le=200, description="arXiv results asked per search query."
    )
    cite_depth: int = Field(
        0,
        ge=0,
        le=3,
        description="Rounds of citation traversal from the selected papers (0: none; each "
        "round follows resolved references and known citing papers).",
    )


class ExtractSettings(BaseModel):
    max_claims: int = Field(10, ge=1, description="Most claims in one report.")
    max_per_paper: int = Field(6, ge=1, description="Most claims taken from one paper.")


class VerifySettings(BaseModel):
    model: str = Field(
        "default",
        description="Verifier: 'default' (the shipped three-way cross-encoder with its "
        "calibrated combiner, nli-e5-v4), 'similarity' (similarity-v1: two-way, no "
        "contradictions), or a trained verifier directory (delta, head, calibration).",
    )
    runtime: Literal["torch", "onnx-int8"] = Field(
        "onnx-int8",
        description="Verifier runtime: 'onnx-int8' (its int8 ONNX export, built once per model "
        "in the model cache; no torch at inference; labels as torch's on 99% of pairs), or "
        "'torch' (the model as trained).",
    )
    decision: Literal["learned", "max"] = Field(
        "learned",
        description="How a claim's candidate sentences become its verdict: 'learned' (the "
        "verifier's claim decision, fitted on labelled claims against whole abstracts; "
        "precision-first ×), or 'max' (the old rule: the best support, else the best "
        "contradiction, at 0.5; a baseline for `synth eval claims`).",
    )
    top_k: int = Field(8, ge=1, description="Passages retrieved per claim.")
    max_quotes: int = Field(2, ge=1, description="Evidence sentences quoted per claim.")
    max_new_passages: int = Field(
        1000,
        ge=0,
        description="Most passages `synth check` embeds for the first time in one run (~30 s "
        "on two cores); over it, those sharing most words with the claim go first, and the "
        "rest wait for a later run. 0: embed every passage, however long it takes.",
    )
    windows: bool = Field(
        False,
        description="Also score windows of two adjacent sentences and the best passage whole "
        "(claims that need two sentences). Off: with nli-e5-v4, Check-COVID dev claims against "
        "their whole abstract score macro-F1 0.417 with windows, 0.438 without "
        "(bench/claim_level.py); longer spans make it call too few 'not enough info'.",
    )


class LlmSettings(BaseModel):
    url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint for the optional LLM backend, e.g. "
        "http://127.0.0.1:8080/v1 (llama.cpp server) or http://127.0.0.1:11434/v1 (Ollama). "
        "None: no LLM (the default; synth needs none).",
    )
    model: str = Field("local", description="Model name sent to the endpoint.")
    api_key_env: str = Field(
        "SYNTH_LLM_API_KEY", description="Environment variable holding an API key, if any."
    )
    timeout_s: float = Field(120.0, gt=0, description="Timeout of one LLM request, in seconds.")
    retries: int = Field(2, ge=0, description="Retries of a failed LLM request.")
    extract: bool = Field(
        False,
        description="Let the LLM extract the claims (each must map to a sentence it was shown "
        "and add no number or name to it) instead of synth's rules.",
    )
    second_opinion: bool = Field(
        False,
        description="Ask the LLM for its verdict on each claim against the quotes synth found, "
        "shown beside synth's own (never counted).",
    )


class RenderSettings(BaseModel):
    author: str = Field("synth", description="Author line of generated reports.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SYNTH_", env_nested_delimiter="__", extra="forbid"
    )

    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("synth")),
        description="Where the library, caches and models live (SYNTH_HOME).",
    )
    fetch: FetchSettings = FetchSettings()
    parse: ParseSettings = ParseSettings()
    retrieve: RetrieveSettings = RetrieveSettings()
    discover: DiscoverSettings = DiscoverSettings()
    extract: ExtractSettings = ExtractSettings()
    verify: VerifySettings = VerifySettings()
    llm: LlmSettings = LlmSettings()
    render: RenderSettings = RenderSettings()

    def fingerprint(self, *sections: str) -> str:
        """Short hash of the named sections: derived artefacts are keyed by what made them."""
        payload = {name: getattr(self, name).model_dump(mode="json") for name in sections}
        blob = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:12]


def default_home() -> Path:
    env = os.environ.get("SYNTH_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("synth"))


def load_settings(home: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Settings from defaults, `<home>/config.toml`, the environment and `overrides`.

    Raises:
        ConfigError: a value in any source is invalid.
    """
    home = (home or default_home()).expanduser()
    toml_path = home / "config.toml"

    class _WithToml(Settings):
        @classmethod
        def settings_customise_sources(cls, settings_cls, init_settings, env_settings, **_):
            return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_path))

    try:
        merged = _WithToml(**_nest(overrides or {}))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{toml_path} is not valid TOML ({exc})",
            hint=f"fix {toml_path} or move it away (every setting has a default)",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"{toml_path} cannot be read ({exc.strerror})",
            hint="SYNTH_HOME (or --home) must be a directory; config.toml a readable file",
        ) from exc
    except ValidationError as exc:
        raise ConfigError(
            f"invalid settings: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
            hint=f"check SYNTH_* variables and {toml_path}",
        ) from exc
    data = merged.model_dump()
    data["home"] = home
    return Settings.model_validate(data)


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{"retrieve.max_papers": 3} -> {"retrieve": {"max_papers": 3}}; None values are dropped."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if value is None:
            continue
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out
