"""The exports' runtime tokenizer (sentencepiece) gives the ids of the tokenizer the models
were trained with (the tokenizers library's, from the same tokenizer.json), cuts texts and
pairs where it cuts them, and is loaded once per process for both models."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from synth.weights import BASE_MODEL_ID
from synth.weights.onnx import _tokenizer
from synth.weights.tokens import RuntimeTokenizer, cut_longest_first, write_runtime_tokenizer

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CORPUS = Path(__file__).resolve().parents[2] / "corpus" / "unarxive-2212.jsonl.gz"
MIXED = [
    "Hybrid batch training reduces language bias by 40% on XQuAD-R.",
    "Die Ergebnisse zeigen eine deutliche Verbesserung   gegenüber dem Basismodell.",
    "这种方法在多语言检索中表现更好。",
    "Метод улучшает точность на 3,5 пункта.",
    "نتایج نشان می‌دهد که مدل بهتر عمل می‌کند",
    "トレーニングは２倍速くなった",
    "Ẩm thực Việt Nam rất phong phú\u200b",
    "tab\there and a trailing space ",
]


@pytest.fixture(scope="module")
def tokenizers(model_dir, tmp_path_factory):
    source = model_dir / BASE_MODEL_ID / "tokenizer.json"
    folder = tmp_path_factory.mktemp("runtime-tokenizer")
    write_runtime_tokenizer(source, folder)
    return source, folder


def _texts() -> list[str]:
    texts = list(MIXED)
    for path in sorted(SHARED.glob("tatoeba/tatoeba.*-eng.*"))[::7]:
        texts += path.read_text(encoding="utf-8", errors="ignore").splitlines()[:20]
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in list(lines)[:10]:
            for paragraph in json.loads(line).get("body_text", [])[:10]:
                texts.append(paragraph.get("text", "")[:900])
    return [t for t in texts if t.strip()]


@pytest.mark.parametrize("max_length", [128, 512])
def test_ids_match_the_training_tokenizer_for_texts_and_pairs(tokenizers, max_length):
    source, folder = tokenizers
    reference, runtime = _tokenizer(source, max_length), RuntimeTokenizer(folder, max_length)
    texts = ["passage: " + t for t in _texts()]
    pairs = [("query: " + texts[i - 1][9:300], texts[i]) for i in range(len(texts))]
    for inputs in (texts, pairs):
        expected = [e.ids for e in reference.encode_batch(inputs)]
        got = [e.ids for e in runtime.encode_batch(inputs)]
        # segmentations of equal score (to float precision) may break either way: rare, in
        # runs like "bbb" or the digits of citation hashes (3 in 15,528 texts measured)
        differ = [i for i, (a, b) in enumerate(zip(expected, got, strict=True)) if a != b]
        assert len(differ) <= max(1, len(inputs) // 200), [inputs[i] for i in differ[:3]]
        assert [len(a) for a in expected] == [len(b) for b in got], "cut at the same length"


def test_a_pair_is_cut_longest_first_as_the_tokenizers_library_cuts():
    assert cut_longest_first(10, 20, 40) == (10, 20), "fits: untouched"
    assert cut_longest_first(10, 50, 40) == (10, 30), "only the longer side"
    assert cut_longest_first(50, 10, 40) == (30, 10)
    assert cut_longest_first(30, 31, 41) == (20, 21), "both, to half"
    assert cut_longest_first(60, 30, 41) == (21, 20)


def test_both_models_share_one_loaded_tokenizer(tokenizers, tmp_path):
    _, folder = tokenizers
    other = tmp_path / "verifier"
    other.mkdir()
    for name in ("tokenizer.model", "normalizer.json"):
        (other / name).write_bytes((folder / name).read_bytes())
    short, long = RuntimeTokenizer(folder, 8), RuntimeTokenizer(other, 64)
    assert short._spm is long._spm, "loaded once"
    text = "one two three four five six seven eight nine ten eleven"
    assert len(short.encode_batch([text])[0].ids) == 8
    assert len(long.encode_batch([text])[0].ids) > 8, "each keeps its own length"
