"""The optional LLM backend: any OpenAI-compatible chat endpoint (llama.cpp server, Ollama,
vLLM, …) writes the Answer's paragraphs from the verified claims only.

Off by default and never required. The model sees the question and the claims table (ids,
marks, papers), nothing else, and every sentence it returns must cite at least one claim id
of the table: a sentence citing nothing, or an id that does not exist, is dropped and
counted. The prompt is a versioned template in `prompts/`; its hash, the model, the endpoint
and the input make the cache key of an answer, so a rerun asks nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synth.core.errors import ModelError
from synth.core.types import AnswerParagraph, SourceCheck, Verdict

ANSWER_PROMPT = "answer.md.j2"
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(\[])")
_CITATION = re.compile(r"\[((?:C\d{1,4})(?:\s*,\s*C\d{1,4}){0,50})\]")
_LEAD = re.compile(r"^\*\*(.{1,80}?)\.?\*\*\s*")


@dataclass(frozen=True, slots=True)
class LlmAnswer:
    paragraphs: tuple[AnswerParagraph, ...]
    dropped: int  # sentences that cited nothing or an unknown claim id
    model: str
    endpoint: str


class ChatClient:
    """One OpenAI-compatible endpoint, through the `openai` client (timeouts, retries)."""

    def __init__(self, url: str, model: str, *, api_key: str, timeout_s: float, retries: int):
        try:
            from openai import OpenAI
        except ImportError as exc:  # an optional extra
            raise ModelError(
                "the LLM backend needs the `openai` package",
                hint='pip install "synth[llm]" (or leave --llm-url out: synth works without it)',
            ) from exc
        self.url, self.model = url, model
        self._client = OpenAI(
            base_url=url, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=retries
        )

    def complete(self, prompt: str, *, temperature: float = 0.0, max_tokens: int = 800) -> str:
        """The model's reply to one user message.

        Raises:
            ModelError: the endpoint is down, times out or answers an error.
        """
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": prompt}],
                temperature=temperature,
                max_tokens=max_tokens,
            )
        except openai.APIConnectionError as exc:
            raise ModelError(
                f"the LLM endpoint {self.url} cannot be reached ({exc.__class__.__name__})",
                hint="start the server (e.g. llama-server, ollama serve) or drop --llm-url",
            ) from exc
        except openai.APIStatusError as exc:
            raise ModelError(
                f"the LLM endpoint {self.url} answered HTTP {exc.status_code}",
                hint=f"check that it serves the model {self.model!r}",
            ) from exc
        except openai.OpenAIError as exc:
            raise ModelError(f"the LLM endpoint {self.url} failed ({exc})") from exc
        return response.choices[0].message.content or ""


def claims_table(verdicts: Sequence[Verdict], checks: Sequence[Sequence[SourceCheck]]) -> str:
    """The claims as the model sees them: id, mark on its own paper, marks of the others."""
    lines = []
    for row, verdict in enumerate(verdicts):
        paper = (verdict.claim.paper_id or "").removeprefix("arxiv:")
        others = "; ".join(
            f"{c.paper_id.removeprefix('arxiv:')} {c.verdict.mark}"
            for c in (checks[row] if row < len(checks) else ())
            if not c.own
        )
        lines.append(
            f"C{row + 1} [{verdict.mark} in {paper}{'; ' + others if others else ''}] "
            f"{verdict.claim.text}"
        )
    return "\n".join(lines)


def render_prompt(prompts_dir: Path, question: str, table: str) -> tuple[str, str]:
    """(prompt text, hash of the template) for the answer prompt."""
    import jinja2

    source = (prompts_dir / ANSWER_PROMPT).read_text(encoding="utf-8")
    template = jinja2.Environment(undefined=jinja2.StrictUndefined).from_string(source)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return template.render(question=question, claims=table), digest


def cache_key(model: str, url: str, prompt_hash: str, prompt: str) -> str:
    blob = json.dumps([model, url, prompt_hash, prompt], ensure_ascii=False)
    return "llm:" + hashlib.sha256(blob.encode()).hexdigest()


def guarded_paragraphs(text: str, n_claims: int) -> tuple[tuple[AnswerParagraph, ...], int]:
    """The model's reply as paragraphs, keeping only sentences that cite existing claim ids.

    Returns (paragraphs, sentences dropped)."""
    paragraphs, dropped = [], 0
    for block in re.split(r"\n\s*\n", text.strip()):
        block = " ".join(block.split())
        if not block:
            continue
        lead = "Summary"
        if match := _LEAD.match(block):
            lead, block = match.group(1).strip(), block[match.end() :]
        kept = []
        for sentence in _SENTENCE.split(block):
            sentence = sentence.strip()
            if not sentence:
                continue
            cited = [
                int(c.strip()[1:])
                for group in _CITATION.findall(sentence)
                for c in group.split(",")
            ]
            if cited and all(1 <= n <= n_claims for n in cited):
                kept.append(sentence)
            else:
                dropped += 1
        if kept:
            paragraphs.append(AnswerParagraph(lead, tuple(kept)))
    return tuple(paragraphs), dropped
