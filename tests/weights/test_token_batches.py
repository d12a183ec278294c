"""Inference batches of the ONNX runtime: bounded in tokens, every row exactly once."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from synth.weights.onnx import token_batches


def test_short_texts_share_a_batch_and_long_ones_go_few_at_a_time():
    lengths = [10] * 8 + [500] * 3
    batches = token_batches(lengths, max_rows=32, max_tokens=1000)
    assert batches[0] == list(range(8)), "the eight short texts fit one batch"
    assert [len(b) for b in batches[1:]] == [2, 1], "two 500-token texts fill 1,000 tokens"


def test_a_text_longer_than_the_budget_runs_alone():
    assert token_batches([3000, 5], max_rows=32, max_tokens=1000) == [[1], [0]]


def test_rows_are_capped_even_when_tokens_allow_more():
    assert [len(b) for b in token_batches([4] * 10, max_rows=4, max_tokens=10_000)] == [4, 4, 2]


@given(
    st.lists(st.integers(1, 600), max_size=200),
    st.integers(1, 64),
    st.integers(1, 8192),
)
def test_every_row_once_shortest_first_within_budget(lengths, max_rows, max_tokens):
    batches = token_batches(lengths, max_rows, max_tokens)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(len(lengths)))
    assert [lengths[i] for i in flat] == sorted(lengths)
    for batch in batches:
        assert len(batch) <= max_rows
        assert len(batch) == 1 or len(batch) * max(lengths[i] for i in batch) <= max_tokens
