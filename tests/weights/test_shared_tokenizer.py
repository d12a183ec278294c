"""The retriever and the verifier read the same tokenizer.json: it is parsed once per process,
and each still cuts at its own length, whatever order they are called in."""

from __future__ import annotations

from tokenizers import Tokenizer, models, pre_tokenizers

from synth.weights.onnx import _tokenizer

WORDS = ["[UNK]", "a", "b", "c", "d", "e", "f", "g", "h"]


def _save(path):
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(path))
    return path


def test_identical_files_share_one_parse_and_keep_their_own_lengths(tmp_path):
    first = _save(tmp_path / "retriever.json")
    second = _save(tmp_path / "verifier.json")
    long = _tokenizer(first, 6)
    short = _tokenizer(second, 3)
    assert long._tokenizer is short._tokenizer, "parsed once"

    text = "a b c d e f g h"
    for _ in range(2):  # interleaved calls: each sets its own cut
        assert len(long.encode_batch([text])[0].ids) == 6
        assert len(short.encode_batch([text])[0].ids) == 3
    (pair,) = short.encode_batch([("a b c d", "e")])
    assert len(pair.ids) == 3, "a pair is cut to the length too"


def test_different_files_are_parsed_apart(tmp_path):
    first = _save(tmp_path / "one.json")
    other = tmp_path / "two.json"
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0, "x": 1}, unk_token="[UNK]"))
    tokenizer.save(str(other))
    assert _tokenizer(first, 4)._tokenizer is not _tokenizer(other, 4)._tokenizer
