"""One BERT-base encoder layer and one GPT-2 (small) block: hidden 768, 12 heads of 64, FFN 3072.

Shapes follow Devlin et al. 2019 (BERT-base, post-layer-norm, as in Hugging Face ``BertLayer``) and
Radford et al. 2019 (GPT-2 small, pre-layer-norm, fused QKV projection, as in Hugging Face
``GPT2Block``). Every token of every sample is folded into the rows of a projection; the two attention
products are batched over samples x heads and have no weight operand. Bias additions are not operators
(an accelerator fuses them into the product); softmax, GELU, layer norm and the residual additions are
element-wise operators with no MACs. Sequences longer than the trained context (512 for BERT, 1024 for
GPT-2) are valid shapes here but not runs of the published checkpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

from mapscope.workload.operators import Elementwise, MatMul, Model, Operator


@dataclass(frozen=True)
class TransformerShape:
    """The sizes of one layer: model width, attention heads and feed-forward width."""

    hidden: int
    heads: int
    ffn_hidden: int

    @property
    def head_size(self) -> int:
        return self.hidden // self.heads


#: BERT-base and GPT-2 small share their layer sizes.
BASE_SHAPE = TransformerShape(hidden=768, heads=12, ffn_hidden=3072)


def _attention_core(shape: TransformerShape, batch: int, seq_len: int) -> list[Operator]:
    """Q @ K^T per head, the softmax over each score row, and scores @ V per head."""
    heads = batch * shape.heads
    return [
        MatMul("attn.scores", m=seq_len, k=shape.head_size, n=seq_len, batch=heads, weight_operand=False),
        Elementwise("attn.softmax", "softmax", (batch, shape.heads, seq_len, seq_len)),
        MatMul("attn.context", m=seq_len, k=seq_len, n=shape.head_size, batch=heads, weight_operand=False),
    ]


def _feed_forward(shape: TransformerShape, batch: int, seq_len: int) -> list[Operator]:
    """Up-projection, GELU, down-projection."""
    tokens = batch * seq_len
    return [
        MatMul("ffn.up", m=tokens, k=shape.hidden, n=shape.ffn_hidden),
        Elementwise("ffn.gelu", "gelu", (batch, seq_len, shape.ffn_hidden)),
        MatMul("ffn.down", m=tokens, k=shape.ffn_hidden, n=shape.hidden),
    ]


def bert_base_layer(*, batch: int = 1, seq_len: int = 128) -> Model:
    """One post-LN BERT-base encoder layer: attention, add & norm, feed-forward, add & norm."""
    shape, tokens = BASE_SHAPE, batch * seq_len
    hidden_shape = (batch, seq_len, shape.hidden)
    operators: list[Operator] = [MatMul(f"attn.{name}", m=tokens, k=shape.hidden, n=shape.hidden) for name in ("q", "k", "v")]
    operators += _attention_core(shape, batch, seq_len)
    operators += [
        MatMul("attn.out", m=tokens, k=shape.hidden, n=shape.hidden),
        Elementwise("add1", "add", hidden_shape, inputs=2),
        Elementwise("ln1", "layer_norm", hidden_shape),
        *_feed_forward(shape, batch, seq_len),
        Elementwise("add2", "add", hidden_shape, inputs=2),
        Elementwise("ln2", "layer_norm", hidden_shape),
    ]
    return Model("bert_base_layer", tuple(operators), source="zoo bert_base_layer (BERT-base encoder layer)")


def gpt2_block(*, batch: int = 1, seq_len: int = 1024) -> Model:
    """One pre-LN GPT-2 small block: norm, attention, add, norm, feed-forward, add.

    The causal mask hides the upper triangle of the scores, but the softmax and both attention products
    count the full seq_len x seq_len matrix, as dense kernels compute it (about twice the useful work).
    """
    shape, tokens = BASE_SHAPE, batch * seq_len
    hidden_shape = (batch, seq_len, shape.hidden)
    operators: list[Operator] = [
        Elementwise("ln1", "layer_norm", hidden_shape),
        MatMul("attn.qkv", m=tokens, k=shape.hidden, n=3 * shape.hidden),
        *_attention_core(shape, batch, seq_len),
        MatMul("attn.out", m=tokens, k=shape.hidden, n=shape.hidden),
        Elementwise("add1", "add", hidden_shape, inputs=2),
        Elementwise("ln2", "layer_norm", hidden_shape),
        *_feed_forward(shape, batch, seq_len),
        Elementwise("add2", "add", hidden_shape, inputs=2),
    ]
    return Model("gpt2_block", tuple(operators), source="zoo gpt2_block (GPT-2 small block)")
