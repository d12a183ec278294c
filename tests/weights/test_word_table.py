"""An export's word table lives outside its graph, memory-mapped: the graph gives the same
outputs as with the table inside, and a process reads only the rows its tokens touch."""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers

from synth.weights.onnx import MODEL_FILE, WORD_TABLE_FILE, externalise_word_table, open_export
from synth.weights.tokens import write_runtime_tokenizer


def _tiny_export(folder):
    """A graph of the exports' shape: hidden = word_table[input_ids] * attention_mask."""
    table = np.arange(40, dtype=np.float32).reshape(10, 4)
    nodes = [
        helper.make_node("Gather", ["word_table", "input_ids"], ["embedded"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "axis"], ["mask_3d"]),
        helper.make_node("Mul", ["embedded", "mask_3d"], ["hidden"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "t"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "t", 4])],
        [
            numpy_helper.from_array(table, "word_table"),
            numpy_helper.from_array(np.array([2], dtype=np.int64), "axis"),
        ],
    )
    folder.mkdir()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(folder / MODEL_FILE))
    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    tokenizer = Tokenizer(models.Unigram([(t, 0.0) for t in specials] + [("▁a", -1.0)], 3))
    tokenizer.add_special_tokens(specials)
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.save(str(folder / "tokenizer.json"))
    write_runtime_tokenizer(folder / "tokenizer.json", folder)
    return folder


def test_the_table_moves_out_of_the_graph_and_the_outputs_stay_the_same(tmp_path):
    folder = _tiny_export(tmp_path / "export")
    ids = np.array([[1, 7, 3], [9, 0, 0]], dtype=np.int64)
    mask = np.array([[1, 1, 1], [1, 0, 0]], dtype=np.int64)
    inside = onnxruntime.InferenceSession(str(folder / MODEL_FILE)).run(
        None, {"input_ids": ids, "attention_mask": mask}
    )[0]

    assert externalise_word_table(folder / MODEL_FILE) == "word_table"
    graph = onnx.load(str(folder / MODEL_FILE)).graph
    assert "word_table" not in {t.name for t in graph.initializer}
    assert "word_table" in {i.name for i in graph.input}

    export = open_export(folder, 8, 1)
    assert isinstance(export.constants["word_table"], np.memmap), "mapped, not read"
    np.testing.assert_array_equal(export.run(ids, mask), inside)
    assert (folder / WORD_TABLE_FILE).is_file()
