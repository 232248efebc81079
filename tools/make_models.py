#!/usr/bin/python3
"""make_models.py - build BERT-family test and benchmark models for bertc.

The script defines, from scratch, PyTorch modules that are numerically and structurally
identical to Hugging Face transformers 4.x (same module tree, same state_dict keys, same
forward code), so that the ONNX graphs torch.onnx.export emits from them have the same
op patterns as exports of the real HF classes, and their checkpoints are interchangeable:

  BertModel, BertForSequenceClassification, BertForTokenClassification,
  DistilBertModel, DistilBertForSequenceClassification, DistilBertForTokenClassification,
  RobertaModel, RobertaForSequenceClassification, RobertaForTokenClassification,
  ElectraModel, ElectraForSequenceClassification, ElectraForTokenClassification,
  MPNetModel, MPNetForSequenceClassification, ModernBertModel, ModernBertForSequenceClassification,
  DebertaV2Model, DebertaV2ForSequenceClassification, DebertaV2ForTokenClassification

Weights are random with a fixed seed (no pretrained weights can be had on these machines),
drawn so that tests are sensitive to mistakes: linear weights N(0, 1/fan_in), biases
N(0, 0.05^2), embeddings N(0, 0.5^2), LayerNorm weight 1 + N(0, 0.1^2), bias N(0, 0.1^2).
Every model is in eval mode (dropout off).

Run it with Debian's interpreter, /usr/bin/python3 (it has python3-torch 1.13,
python3-onnx 1.12, python3-numpy); the `python3` on PATH may lack torch.

MODES

1. Small committed fixtures (the default mode; deterministic; well under a minute):

     /usr/bin/python3 tools/make_models.py --fixtures [--out tests/fixtures]

   For each model in {bert, bert_cls, distilbert, distilbert_cls, roberta, roberta_cls,
   electra, electra_cls, bert_tok, distilbert_tok, roberta_tok, electra_tok, mpnet, mpnet_cls,
   modernbert, modernbert_cls, deberta, deberta_cls, deberta_tok, deberta_plain}
   and each opset in {11, 14, 17} it writes <out>/<model>_opset<N>/:
     model.onnx           torch.onnx.export, do_constant_folding=True, dynamic axes
                          {0: batch, 1: seq} on every input and on last_hidden_state,
                          {0: batch} on pooler_output and logits (their dim 1 is fixed)
     inputs/<name>.npy    int64 [3, 11]: rows with 11, 7 and 4 real tokens, then padding
                          (pad id 0 for BERT/DistilBERT, 1 for RoBERTa; attention_mask 0)
     outputs/<name>.npy   float32 reference outputs from PyTorch
     inputs_2/, outputs_2/  a second shape, [1, 17] without padding (re-planning tests); [1, 150]
                          for mpnet* (its position buckets' log range and clamp), [1, 40] / [1, 30]
                          for deberta / deberta_cls (log buckets and the clamp of the rows)
     meta.json            {"model", "arch", "opset", "config" (HF-style config), "inputs",
                          "outputs", "seed", "shapes", "external_data", "hf_checkpoint"}
   Inputs: bert*, electra*: input_ids, attention_mask, token_type_ids (with a segment-B
   part); distilbert*: input_ids, attention_mask; roberta*: input_ids, attention_mask
   (as HF's own ONNX configs export them; token_type_ids come from the zeros buffer);
   deberta*: input_ids, attention_mask, and token_type_ids when type_vocab_size > 0 (deberta_tok).
   Outputs: bert, roberta: last_hidden_state, pooler_output; distilbert, electra:
   last_hidden_state; *_cls: logits. electra has embeddings_project (embedding_size 24,
   hidden 48); electra_cls does not (both 36).
   Opset 17 makes torch emit LayerNormalization; 11 and 14 give the decomposed form.
   Also: bert_opset14_external/ (the same model as bert_opset14 with every initializer in
   the side file model.onnx.data, ONNX external data), and a Hugging Face checkpoint folder
   hf/<name>/ for each of the eight models with the SAME weights as the ONNX fixtures of that
   name (reference/ holds the same inputs and outputs). Every ONNX file is checked with
   onnx.checker and the op types used are printed per fixture and per opset. hf/bert_cls also
   has a pytorch_model.bin (torch.save; see write_torch_bin) of the same weights.
   Text fixtures hf_text/bert_cls and hf_text/minilm (when ../shared/data is present): small
   models with the REAL bert-base-uncased vocabulary (a BertForSequenceClassification at hidden
   8; an all-MiniLM-L6-v2-shaped BertModel at hidden 12), config.json + model.safetensors +
   reference.json: PyTorch's results, one text at a time, on TEXT_CASES of the tokenizer corpus
   (their ids are the oracle's expected_vocab.jsonl ids): logits and probabilities, or the
   mean-pooled, normalized embedding that all-MiniLM-L6-v2's sentence-transformers files ask
   for. reference.json also lists the ../shared/data files the tests copy into the folder.

2. A full-size model with random weights (for benchmarks and large-shape checks):

     /usr/bin/python3 tools/make_models.py --full bert-base --out /tmp/bert-base \\
         [--batch 1 --seq 128] [--lengths 128,100] [--opset 14] [--seed N] [--hf-out DIR]

   --full takes bert-base (bert-base-uncased: 12 layers, hidden 768, 12 heads, FFN 3072,
   vocab 30522, 512 positions; BertModel with pooler, ~440 MB), distilbert
   (distilbert-base-uncased: 6 layers, same widths), minilm (all-MiniLM-L6-v2: 6 layers,
   hidden 384, 12 heads, FFN 1536), roberta-base (12 layers, vocab 50265, 514 positions),
   xlm-roberta-base, electra-base, mpnet-base (all-mpnet-base-v2's config), modernbert-base
   (ModernBERT-base's: 22 layers, hidden 768, GeGLU 1152, rotary, a 128-token window in two
   layers of three) or deberta-v3-base (12 layers, hidden 768, vocab 128100, 256 log buckets,
   shared attention keys, c2p + p2c, no absolute positions).
   Writes DIR/model.onnx (a single file), DIR/inputs/*.npy, DIR/outputs/*.npy and
   DIR/meta.json. The default mask has some padding: row i has seq - (seq//16)*(i+1) real
   tokens; --lengths sets them explicitly. With --hf-out it also writes the same weights as
   a Hugging Face folder (as in mode 3).

3. A Hugging Face-style checkpoint folder:

     /usr/bin/python3 tools/make_models.py --hf-out DIR --arch ARCH [--config CONFIG]
         [--vocab SRC_DIR ...] [--batch B --seq S] [--lengths ...] [--seed N]

   ARCH is one of the six classes above (--labels a,b,c names a classifier's labels). CONFIG is a config.json path (e.g.
   ../shared/data/all-MiniLM-L6-v2/config.json; the ARCH may then be left out when the
   config's "architectures" names a supported class) or a preset name: bert-base,
   distilbert, minilm, roberta-base, or a fixture name (bert, bert_cls, distilbert, ...).
   Without --config a tiny configuration for ARCH is used. DIR gets:
     config.json          HF format (DistilBERT uses dim, n_layers, n_heads, hidden_dim,
                          activation; classifiers have id2label / label2id)
     model.safetensors    written by this script's own writer (8-byte little-endian header
                          length, JSON header {"__metadata__": {"format": "pt"}, name:
                          {"dtype": "F32", "shape": [...], "data_offsets": [b, e]}}, header
                          padded with spaces to 8 bytes, then raw little-endian data), keys
                          exactly as HF saves them: no prefix for a bare *Model, "bert." /
                          "distilbert." / "roberta." prefixes for *ForSequenceClassification;
                          non-persistent buffers (position_ids, token_type_ids) are not saved,
                          as in transformers >= 4.31. The file is read back and compared.
     tokenizer files      copied from each --vocab SRC_DIR (later ones win) when present:
                          vocab.txt, vocab.json, merges.txt, tokenizer.json,
                          tokenizer_config.json, special_tokens_map.json, modules.json,
                          sentence_bert_config.json, 1_Pooling/config.json
     reference/inputs/*.npy, reference/outputs/*.npy   PyTorch reference on random ids
                          ([CLS]/[SEP] ids looked up in the copied vocab.txt when present)
     reference/texts.json with --texts: PyTorch's results on the corpus texts, as in the
                          hf_text fixtures (needs the real vocabulary: vocab_size 30522);
                          tools/check_text_model.py DIR compares `bertc run DIR --text` with it

   Examples (random weights; real configs and tokenizer files):
     /usr/bin/python3 tools/make_models.py --hf-out /tmp/minilm \\
         --config ../shared/data/all-MiniLM-L6-v2/config.json \\
         --vocab ../shared/data/bert-base-uncased --vocab ../shared/data/all-MiniLM-L6-v2 --texts
     /usr/bin/python3 tools/make_models.py --hf-out /tmp/bert-cls --config bert-base \\
         --arch BertForSequenceClassification --labels negative,neutral,positive \\
         --vocab ../shared/data/bert-base-uncased --texts

SPEED: PyTorch uses whichever libblas.so.3 Debian's alternatives select (on these machines
OpenBLAS, /usr/lib/x86_64-linux-gnu/openblas-openmp). If the reference BLAS is selected and
a full-size run is slow, point the loader at OpenBLAS:
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 tools/make_models.py ...
(install it with `apt-get install libopenblas0-openmp` if that folder is missing).
"""

import argparse
import copy
import io
import json
import math
import os
import shutil
import struct
import warnings
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE_OPSETS = (11, 14, 17)

# ----------------------------------------------------------------------------------------
# Hugging Face-identical modules (transformers 4.x). Attribute names define the state_dict
# keys and must not change.
# ----------------------------------------------------------------------------------------


def _activation(name):
    if name == "gelu":  # HF GELUActivation: the exact erf form
        return nn.functional.gelu
    if name in ("gelu_new", "gelu_pytorch_tanh"):  # tanh approximation, written as HF does
        return lambda x: 0.5 * x * (1.0 + torch.tanh(
            math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))
    if name == "relu":
        return nn.functional.relu
    raise ValueError(f"unsupported activation {name!r} (gelu, gelu_new, relu)")


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.register_buffer("position_ids",
                             torch.arange(c.max_position_embeddings).expand((1, -1)),
                             persistent=False)
        self.register_buffer("token_type_ids",
                             torch.zeros(self.position_ids.size(), dtype=torch.long),
                             persistent=False)

    def forward(self, input_ids, token_type_ids=None, past_key_values_length=0):
        input_shape = input_ids.size()
        seq_length = input_shape[1]
        position_ids = self.position_ids[:, past_key_values_length:seq_length + past_key_values_length]
        if token_type_ids is None:
            buffered_token_type_ids = self.token_type_ids[:, :seq_length]
            token_type_ids = buffered_token_type_ids.expand(input_shape[0], seq_length)
        inputs_embeds = self.word_embeddings(input_ids)
        token_type_embeddings = self.token_type_embeddings(token_type_ids)
        embeddings = inputs_embeds + token_type_embeddings
        position_embeddings = self.position_embeddings(position_ids)
        embeddings += position_embeddings
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)
        return embeddings


def create_position_ids_from_input_ids(input_ids, padding_idx, past_key_values_length=0):
    mask = input_ids.ne(padding_idx).int()
    incremental_indices = (torch.cumsum(mask, dim=1).type_as(mask) + past_key_values_length) * mask
    return incremental_indices.long() + padding_idx


class RobertaEmbeddings(BertEmbeddings):
    def __init__(self, c):
        super().__init__(c)
        self.padding_idx = c.pad_token_id
        # HF re-creates position_embeddings with padding_idx (same key, same shape).
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size,
                                                padding_idx=self.padding_idx)

    def forward(self, input_ids, token_type_ids=None, past_key_values_length=0):
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx,
                                                          past_key_values_length)
        input_shape = input_ids.size()
        seq_length = input_shape[1]
        if token_type_ids is None:
            buffered_token_type_ids = self.token_type_ids[:, :seq_length]
            token_type_ids = buffered_token_type_ids.expand(input_shape[0], seq_length)
        inputs_embeds = self.word_embeddings(input_ids)
        token_type_embeddings = self.token_type_embeddings(token_type_ids)
        embeddings = inputs_embeds + token_type_embeddings
        position_embeddings = self.position_embeddings(position_ids)
        embeddings += position_embeddings
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)
        return embeddings


def _set_head_sizes(module, c):
    """num_attention_heads, attention_head_size, all_head_size as BERT's and MPNet's attention
    set them."""
    if c.hidden_size % c.num_attention_heads != 0:
        raise ValueError("hidden_size must be a multiple of num_attention_heads")
    module.num_attention_heads = c.num_attention_heads
    module.attention_head_size = c.hidden_size // c.num_attention_heads
    module.all_head_size = module.num_attention_heads * module.attention_head_size


class BertSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        _set_head_sizes(self, c)
        self.query = nn.Linear(c.hidden_size, self.all_head_size)
        self.key = nn.Linear(c.hidden_size, self.all_head_size)
        self.value = nn.Linear(c.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def transpose_for_scores(self, x):
        new_x_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        x = x.view(new_x_shape)
        return x.permute(0, 2, 1, 3)

    def forward(self, hidden_states, attention_mask=None):
        mixed_query_layer = self.query(hidden_states)
        key_layer = self.transpose_for_scores(self.key(hidden_states))
        value_layer = self.transpose_for_scores(self.value(hidden_states))
        query_layer = self.transpose_for_scores(mixed_query_layer)
        attention_scores = torch.matmul(query_layer, key_layer.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.matmul(attention_probs, value_layer)
        context_layer = context_layer.permute(0, 2, 1, 3).contiguous()
        new_context_layer_shape = context_layer.size()[:-2] + (self.all_head_size,)
        context_layer = context_layer.view(new_context_layer_shape)
        return context_layer


class BertSelfOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden_states, attention_mask=None):
        self_outputs = self.self(hidden_states, attention_mask)
        return self.output(self_outputs, hidden_states)


class BertIntermediate(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.intermediate_act_fn = _activation(c.hidden_act)

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        hidden_states = self.dense(hidden_states)
        hidden_states = self.dropout(hidden_states)
        hidden_states = self.LayerNorm(hidden_states + input_tensor)
        return hidden_states


class BertLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden_states, attention_mask=None):
        attention_output = self.attention(hidden_states, attention_mask)
        intermediate_output = self.intermediate(attention_output)
        return self.output(intermediate_output, attention_output)


class BertEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])

    def forward(self, hidden_states, attention_mask=None):
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask)
        return hidden_states


class BertPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.activation = nn.Tanh()

    def forward(self, hidden_states):
        first_token_tensor = hidden_states[:, 0]
        pooled_output = self.dense(first_token_tensor)
        pooled_output = self.activation(pooled_output)
        return pooled_output


def get_extended_attention_mask(attention_mask, dtype):
    # transformers ModuleUtilsMixin.get_extended_attention_mask, 2-D mask, encoder.
    extended_attention_mask = attention_mask[:, None, None, :]
    extended_attention_mask = extended_attention_mask.to(dtype=dtype)
    extended_attention_mask = (1.0 - extended_attention_mask) * torch.finfo(dtype).min
    return extended_attention_mask


class BertModel(nn.Module):
    embeddings_class = BertEmbeddings

    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.config = c
        self.embeddings = self.embeddings_class(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        input_shape = input_ids.size()
        if attention_mask is None:
            attention_mask = torch.ones(input_shape, device=input_ids.device)
        embedding_output = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        extended_attention_mask = get_extended_attention_mask(attention_mask, embedding_output.dtype)
        sequence_output = self.encoder(embedding_output, extended_attention_mask)
        if self.pooler is None:
            return (sequence_output,)
        return (sequence_output, self.pooler(sequence_output))


class RobertaModel(BertModel):
    embeddings_class = RobertaEmbeddings


class BertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.bert = BertModel(c)
        classifier_dropout = (c.classifier_dropout if getattr(c, "classifier_dropout", None)
                              is not None else c.hidden_dropout_prob)
        self.dropout = nn.Dropout(classifier_dropout)
        self.classifier = nn.Linear(c.hidden_size, self.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        outputs = self.bert(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        pooled_output = outputs[1]
        pooled_output = self.dropout(pooled_output)
        logits = self.classifier(pooled_output)
        return (logits,)


class RobertaClassificationHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        classifier_dropout = (c.classifier_dropout if getattr(c, "classifier_dropout", None)
                              is not None else c.hidden_dropout_prob)
        self.dropout = nn.Dropout(classifier_dropout)
        self.out_proj = nn.Linear(c.hidden_size, len(c.id2label))

    def forward(self, features):
        x = features[:, 0, :]  # take <s> token (equiv. to [CLS])
        x = self.dropout(x)
        x = self.dense(x)
        x = torch.tanh(x)
        x = self.dropout(x)
        x = self.out_proj(x)
        return x


class RobertaForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.roberta = RobertaModel(c, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        outputs = self.roberta(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        sequence_output = outputs[0]
        logits = self.classifier(sequence_output)
        return (logits,)


# --- ELECTRA (transformers 4.x src/transformers/models/electra/modeling_electra.py) --------

class ElectraEmbeddings(BertEmbeddings):
    """BertEmbeddings at embedding_size (word, position, token type, LayerNorm)."""

    def __init__(self, c):
        super().__init__(SimpleNamespace(**{**vars(c), "hidden_size": c.embedding_size}))


class ElectraModel(nn.Module):
    """Embeddings, then embeddings_project (Linear embedding_size -> hidden_size, only when the
    two differ), then the BERT encoder; no pooler."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = ElectraEmbeddings(c)
        if c.embedding_size != c.hidden_size:
            self.embeddings_project = nn.Linear(c.embedding_size, c.hidden_size)
        self.encoder = BertEncoder(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.size(), device=input_ids.device)
        embedding_output = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        extended_attention_mask = get_extended_attention_mask(attention_mask, embedding_output.dtype)
        if hasattr(self, "embeddings_project"):
            embedding_output = self.embeddings_project(embedding_output)
        return (self.encoder(embedding_output, extended_attention_mask),)


class ElectraClassificationHead(nn.Module):
    """[CLS] -> dense -> GELU (exact, get_activation("gelu")) -> out_proj."""

    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)
        classifier_dropout = (c.classifier_dropout if getattr(c, "classifier_dropout", None)
                              is not None else c.hidden_dropout_prob)
        self.activation = _activation("gelu")
        self.dropout = nn.Dropout(classifier_dropout)
        self.out_proj = nn.Linear(c.hidden_size, len(c.id2label))

    def forward(self, features):
        x = features[:, 0, :]
        x = self.dropout(x)
        x = self.dense(x)
        x = self.activation(x)
        x = self.dropout(x)
        return self.out_proj(x)


class ElectraForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.electra = ElectraModel(c)
        self.classifier = ElectraClassificationHead(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        sequence_output = self.electra(input_ids, attention_mask=attention_mask,
                                       token_type_ids=token_type_ids)[0]
        return (self.classifier(sequence_output),)


# --- MPNet (transformers src/transformers/models/mpnet/modeling_mpnet.py, read at commit
# 00099b9f of main, unchanged in this part since 4.x): no token types; positions from the ids
# as RoBERTa with padding_idx fixed at 1; attention q/k/v/o with a relative position bias
# (32 buckets, max distance 128) computed once in the encoder and added in every layer before
# the mask ------------------------------------------------------------------------------------

class MPNetEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.padding_idx = 1  # fixed in transformers, whatever the config's pad_token_id
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=self.padding_idx)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size,
                                                padding_idx=self.padding_idx)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, input_ids):
        position_ids = create_position_ids_from_input_ids(input_ids, self.padding_idx)
        embeddings = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class MPNetSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        _set_head_sizes(self, c)
        self.q = nn.Linear(c.hidden_size, self.all_head_size)
        self.k = nn.Linear(c.hidden_size, self.all_head_size)
        self.v = nn.Linear(c.hidden_size, self.all_head_size)
        self.o = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def forward(self, hidden_states, attention_mask=None, position_bias=None):
        batch_size = hidden_states.shape[0]

        def heads(x):
            return x.view(batch_size, -1, self.num_attention_heads,
                          self.attention_head_size).transpose(1, 2)

        q, k, v = heads(self.q(hidden_states)), heads(self.k(hidden_states)), heads(self.v(hidden_states))
        attention_scores = torch.matmul(q, k.transpose(-1, -2))
        attention_scores = attention_scores / math.sqrt(self.attention_head_size)
        if position_bias is not None:
            attention_scores += position_bias
        if attention_mask is not None:
            attention_scores = attention_scores + attention_mask
        attention_probs = self.dropout(nn.functional.softmax(attention_scores, dim=-1))
        c = torch.matmul(attention_probs, v)
        c = c.permute(0, 2, 1, 3).contiguous()
        c = c.view(*(c.size()[:-2] + (self.all_head_size,)))
        return self.o(c)


class MPNetAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn = MPNetSelfAttention(c)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, hidden_states, attention_mask=None, position_bias=None):
        o = self.attn(hidden_states, attention_mask, position_bias)
        return self.LayerNorm(self.dropout(o) + hidden_states)


class MPNetLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = MPNetAttention(c)
        self.intermediate = BertIntermediate(c)  # MPNetIntermediate: copied from BERT
        self.output = BertOutput(c)              # MPNetOutput: copied from BERT

    def forward(self, hidden_states, attention_mask=None, position_bias=None):
        attention_output = self.attention(hidden_states, attention_mask, position_bias)
        return self.output(self.intermediate(attention_output), attention_output)


class MPNetEncoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads = c.num_attention_heads
        self.layer = nn.ModuleList([MPNetLayer(c) for _ in range(c.num_hidden_layers)])
        self.relative_attention_bias = nn.Embedding(c.relative_attention_num_buckets, self.n_heads)

    def forward(self, hidden_states, attention_mask=None):
        position_bias = self.compute_position_bias(hidden_states)
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask, position_bias)
        return hidden_states

    def compute_position_bias(self, x, num_buckets=32):
        # transformers passes no num_buckets: always 32, whatever relative_attention_num_buckets
        bsz, qlen, klen = x.size(0), x.size(1), x.size(1)
        context_position = torch.arange(qlen, dtype=torch.long)[:, None]
        memory_position = torch.arange(klen, dtype=torch.long)[None, :]
        relative_position = memory_position - context_position
        rp_bucket = self.relative_position_bucket(relative_position, num_buckets=num_buckets)
        values = self.relative_attention_bias(rp_bucket)
        values = values.permute([2, 0, 1]).unsqueeze(0)
        return values.expand((bsz, -1, qlen, klen)).contiguous()

    @staticmethod
    def relative_position_bucket(relative_position, num_buckets=32, max_distance=128):
        ret = 0
        n = -relative_position
        num_buckets //= 2
        ret += (n < 0).to(torch.long) * num_buckets
        n = torch.abs(n)
        max_exact = num_buckets // 2
        is_small = n < max_exact
        val_if_large = max_exact + (
            torch.log(n.float() / max_exact) / math.log(max_distance / max_exact)
            * (num_buckets - max_exact)).to(torch.long)
        val_if_large = torch.min(val_if_large, torch.full_like(val_if_large, num_buckets - 1))
        ret += torch.where(is_small, n, val_if_large)
        return ret


class MPNetModel(nn.Module):
    def __init__(self, c, add_pooling_layer=True):
        super().__init__()
        self.config = c
        self.embeddings = MPNetEmbeddings(c)
        self.encoder = MPNetEncoder(c)
        self.pooler = BertPooler(c) if add_pooling_layer else None  # MPNetPooler: BERT's

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.size(), device=input_ids.device)
        embedding_output = self.embeddings(input_ids)
        extended_attention_mask = get_extended_attention_mask(attention_mask, embedding_output.dtype)
        sequence_output = self.encoder(embedding_output, extended_attention_mask)
        if self.pooler is None:
            return (sequence_output,)
        return (sequence_output, self.pooler(sequence_output))


class MPNetForSequenceClassification(nn.Module):
    """MPNetClassificationHead is RobertaClassificationHead (<s> -> dense -> tanh -> out_proj)."""

    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.mpnet = MPNetModel(c, add_pooling_layer=False)
        self.classifier = RobertaClassificationHead(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        sequence_output = self.mpnet(input_ids, attention_mask=attention_mask)[0]
        return (self.classifier(sequence_output),)


# --- ModernBERT (transformers src/transformers/models/modernbert/modeling_modernbert.py, read at
# commit 000c33fd; its eager attention path): no position embeddings but rotary ones (theta
# global_rope_theta in every global_attn_every_n_layers-th layer, local_rope_theta elsewhere);
# local layers attend within local_attention // 2 tokens; pre-LayerNorm layers (layer 0 without
# attn_norm) with a final norm; LayerNorms without bias (norm_bias) and Linears without bias
# (attention_bias, mlp_bias) as the config says; a GeGLU MLP (Wi to 2 x intermediate, chunked,
# act(input) * gate, Wo). torch 1.13's nn.LayerNorm has no bias=False: _Norm below is the same
# computation with the same state_dict names. ------------------------------------------------

class _Norm(nn.Module):
    """nn.LayerNorm(hidden, eps, bias=config.norm_bias)."""

    def __init__(self, hidden, eps, bias):
        super().__init__()
        self.eps = eps
        self.normalized_shape = (hidden,)
        self.weight = nn.Parameter(torch.ones(hidden))
        self.bias = nn.Parameter(torch.zeros(hidden)) if bias else None

    def forward(self, x):
        return nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class ModernBertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.tok_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=c.pad_token_id)
        self.norm = _Norm(c.hidden_size, c.norm_eps, c.norm_bias)
        self.drop = nn.Dropout(c.embedding_dropout)

    def forward(self, input_ids):
        return self.drop(self.norm(self.tok_embeddings(input_ids)))


class ModernBertMLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.Wi = nn.Linear(c.hidden_size, int(c.intermediate_size) * 2, bias=c.mlp_bias)
        self.act = _activation(c.hidden_activation)
        self.drop = nn.Dropout(c.mlp_dropout)
        self.Wo = nn.Linear(c.intermediate_size, c.hidden_size, bias=c.mlp_bias)

    def forward(self, hidden_states):
        input, gate = self.Wi(hidden_states).chunk(2, dim=-1)
        return self.Wo(self.drop(self.act(input) * gate))


def _rotary_cos_sin(c, theta, seq_len):
    """ModernBertRotaryEmbedding.forward for position_ids = arange(seq_len): cos, sin [1, S, D]."""
    dim = c.hidden_size // c.num_attention_heads
    inv_freq = 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    position_ids = torch.arange(seq_len).unsqueeze(0)
    inv_freq_expanded = inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
    position_ids_expanded = position_ids[:, None, :].float()
    freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class ModernBertAttention(nn.Module):
    def __init__(self, c, layer_id):
        super().__init__()
        if c.hidden_size % c.num_attention_heads != 0:
            raise ValueError("hidden_size must be a multiple of num_attention_heads")
        self.num_heads = c.num_attention_heads
        self.head_dim = c.hidden_size // c.num_attention_heads
        self.all_head_size = self.head_dim * self.num_heads
        self.Wqkv = nn.Linear(c.hidden_size, 3 * self.all_head_size, bias=c.attention_bias)
        self.is_global = layer_id % c.global_attn_every_n_layers == 0
        self.Wo = nn.Linear(c.hidden_size, c.hidden_size, bias=c.attention_bias)

    def forward(self, hidden_states, attention_mask, sliding_window_mask, position_embeddings):
        qkv = self.Wqkv(hidden_states)
        bs = hidden_states.shape[0]
        qkv = qkv.view(bs, -1, 3, self.num_heads, self.head_dim)
        # eager_attention_forward
        cos, sin = position_embeddings
        query, key, value = qkv.transpose(3, 1).unbind(dim=2)
        cos, sin = cos.unsqueeze(1), sin.unsqueeze(1)
        query = (query * cos) + (rotate_half(query) * sin)
        key = (key * cos) + (rotate_half(key) * sin)
        scale = self.head_dim ** -0.5
        attn_weights = torch.matmul(query, key.transpose(2, 3)) * scale
        mask = attention_mask if self.is_global else sliding_window_mask
        attn_weights = attn_weights + mask
        attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
        attn_output = torch.matmul(attn_weights, value)
        attn_output = attn_output.transpose(1, 2).contiguous()
        attn_output = attn_output.view(bs, -1, self.all_head_size)
        return self.Wo(attn_output)


class ModernBertEncoderLayer(nn.Module):
    def __init__(self, c, layer_id):
        super().__init__()
        self.attn_norm = nn.Identity() if layer_id == 0 else _Norm(c.hidden_size, c.norm_eps, c.norm_bias)
        self.attn = ModernBertAttention(c, layer_id)
        self.mlp_norm = _Norm(c.hidden_size, c.norm_eps, c.norm_bias)
        self.mlp = ModernBertMLP(c)

    def forward(self, hidden_states, attention_mask, sliding_window_mask, position_embeddings):
        hidden_states = hidden_states + self.attn(self.attn_norm(hidden_states), attention_mask,
                                                  sliding_window_mask, position_embeddings)
        return hidden_states + self.mlp(self.mlp_norm(hidden_states))


class ModernBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = ModernBertEmbeddings(c)
        self.layers = nn.ModuleList([ModernBertEncoderLayer(c, i) for i in range(c.num_hidden_layers)])
        self.final_norm = _Norm(c.hidden_size, c.norm_eps, c.norm_bias)

    def _update_attention_mask(self, attention_mask, dtype):
        # _prepare_4d_attention_mask, then the sliding window (distance <= local_attention // 2)
        bsz, src_len = attention_mask.shape
        expanded = attention_mask[:, None, None, :].expand(bsz, 1, src_len, src_len).to(dtype)
        inverted = 1.0 - expanded
        global_attention_mask = inverted.masked_fill(inverted.to(torch.bool), torch.finfo(dtype).min)
        rows = torch.arange(global_attention_mask.shape[2]).unsqueeze(0)
        distance = torch.abs(rows - rows.T)
        window_mask = (distance <= self.config.local_attention // 2).unsqueeze(0).unsqueeze(0)
        # ~ is logical_not on bool (which torch 1.13 cannot export)
        sliding = global_attention_mask.masked_fill(~window_mask, torch.finfo(dtype).min)
        return global_attention_mask, sliding

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape, dtype=torch.long)
        hidden_states = self.embeddings(input_ids)
        global_mask, sliding_mask = self._update_attention_mask(attention_mask, hidden_states.dtype)
        seq_len = input_ids.shape[1]
        c = self.config
        rope = {True: _rotary_cos_sin(c, c.global_rope_theta, seq_len),
                False: _rotary_cos_sin(c, c.local_rope_theta, seq_len)}
        for layer in self.layers:
            hidden_states = layer(hidden_states, global_mask, sliding_mask, rope[layer.attn.is_global])
        return (self.final_norm(hidden_states),)


class ModernBertPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size, c.classifier_bias)
        self.act = _activation(c.classifier_activation)
        self.norm = _Norm(c.hidden_size, c.norm_eps, c.norm_bias)

    def forward(self, hidden_states):
        return self.norm(self.act(self.dense(hidden_states)))


class ModernBertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.model = ModernBertModel(c)
        self.head = ModernBertPredictionHead(c)
        self.drop = nn.Dropout(c.classifier_dropout)
        self.classifier = nn.Linear(c.hidden_size, self.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape, dtype=torch.long)
        last_hidden_state = self.model(input_ids, attention_mask)[0]
        if self.config.classifier_pooling == "cls":
            last_hidden_state = last_hidden_state[:, 0]
        else:  # mean
            last_hidden_state = (last_hidden_state * attention_mask.unsqueeze(-1)).sum(dim=1) / \
                attention_mask.sum(dim=1, keepdim=True)
        return (self.classifier(self.drop(self.head(last_hidden_state))),)


# --- DeBERTa-v2 / v3 (transformers src/transformers/models/deberta_v2/modeling_deberta_v2.py, read
# at commit 0038a3ca for the module tree and the bucket / gather code, with v4.46's eager masking:
# masked_fill(~mask, finfo.min) then softmax, where older versions' XSoftmax also zeroed the
# probabilities of masked rows, which changes only rows at padding). Disentangled attention:
# scores = (q.k + q.Pk[c2p(i, j)] + k.Pq[p2c(i, j)]) / sqrt(D * (1 + c2p + p2c)), the positions
# by make_log_bucket_position, the position projections of the (LayerNorm'd) rel_embeddings
# through the layer's own query_proj / key_proj (share_att_key) or pos_key_proj / pos_query_proj;
# the embeddings are multiplied by the mask; ContextPooler (dense -> pooler_hidden_act) before
# the classifier. Not written: ConvLayer (conv_kernel_size), z_steps, attention_head_size. ----

def _deberta_pos_att_type(c):
    t = getattr(c, "pos_att_type", None) or []
    if isinstance(t, str):
        t = [x.strip() for x in t.lower().split("|")]
    return t


class DebertaV2Embeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        pad_token_id = getattr(c, "pad_token_id", 0)
        self.embedding_size = getattr(c, "embedding_size", c.hidden_size)
        self.word_embeddings = nn.Embedding(c.vocab_size, self.embedding_size, padding_idx=pad_token_id)
        self.position_biased_input = getattr(c, "position_biased_input", True)
        if not self.position_biased_input:
            self.position_embeddings = None
        else:
            self.position_embeddings = nn.Embedding(c.max_position_embeddings, self.embedding_size)
        if c.type_vocab_size > 0:
            self.token_type_embeddings = nn.Embedding(c.type_vocab_size, self.embedding_size)
        if self.embedding_size != c.hidden_size:
            self.embed_proj = nn.Linear(self.embedding_size, c.hidden_size, bias=False)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.config = c
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings).expand((1, -1)),
                             persistent=False)

    def forward(self, input_ids, token_type_ids=None, mask=None):
        seq_length = input_ids.size(1)
        position_ids = self.position_ids[:, :seq_length]
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.size(), dtype=torch.long)
        inputs_embeds = self.word_embeddings(input_ids)
        embeddings = inputs_embeds
        if self.position_biased_input:
            embeddings = embeddings + self.position_embeddings(position_ids.long())
        if self.config.type_vocab_size > 0:
            embeddings = embeddings + self.token_type_embeddings(token_type_ids)
        if self.embedding_size != self.config.hidden_size:
            embeddings = self.embed_proj(embeddings)
        embeddings = self.LayerNorm(embeddings)
        if mask is not None:
            mask = mask.unsqueeze(2).to(embeddings.dtype)
            embeddings = embeddings * mask
        return self.dropout(embeddings)


def make_log_bucket_position(relative_pos, bucket_size, max_position):
    sign = torch.sign(relative_pos)
    mid = bucket_size // 2
    abs_pos = torch.where((relative_pos < mid) & (relative_pos > -mid),
                          torch.tensor(mid - 1).type_as(relative_pos), torch.abs(relative_pos))
    log_pos = torch.ceil(torch.log(abs_pos / mid) / torch.log(torch.tensor((max_position - 1) / mid)) *
                         (mid - 1)) + mid
    return torch.where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign)


def build_relative_position(query_size, key_size, bucket_size=-1, max_position=-1):
    q_ids = torch.arange(0, query_size)
    k_ids = torch.arange(0, key_size)
    rel_pos_ids = q_ids[:, None] - k_ids[None, :]
    if bucket_size > 0 and max_position > 0:
        rel_pos_ids = make_log_bucket_position(rel_pos_ids, bucket_size, max_position)
    rel_pos_ids = rel_pos_ids.to(torch.long)
    rel_pos_ids = rel_pos_ids[:query_size, :]
    return rel_pos_ids.unsqueeze(0)


class DisentangledSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.num_attention_heads = c.num_attention_heads
        self.attention_head_size = c.hidden_size // c.num_attention_heads
        self.all_head_size = self.num_attention_heads * self.attention_head_size
        self.query_proj = nn.Linear(c.hidden_size, self.all_head_size, bias=True)
        self.key_proj = nn.Linear(c.hidden_size, self.all_head_size, bias=True)
        self.value_proj = nn.Linear(c.hidden_size, self.all_head_size, bias=True)
        self.share_att_key = getattr(c, "share_att_key", False)
        self.pos_att_type = _deberta_pos_att_type(c)
        self.relative_attention = getattr(c, "relative_attention", False)
        if self.relative_attention:
            self.position_buckets = getattr(c, "position_buckets", -1)
            self.max_relative_positions = getattr(c, "max_relative_positions", -1)
            if self.max_relative_positions < 1:
                self.max_relative_positions = c.max_position_embeddings
            self.pos_ebd_size = self.max_relative_positions
            if self.position_buckets > 0:
                self.pos_ebd_size = self.position_buckets
            self.pos_dropout = nn.Dropout(c.hidden_dropout_prob)
            if not self.share_att_key:
                if "c2p" in self.pos_att_type:
                    self.pos_key_proj = nn.Linear(c.hidden_size, self.all_head_size, bias=True)
                if "p2c" in self.pos_att_type:
                    self.pos_query_proj = nn.Linear(c.hidden_size, self.all_head_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def transpose_for_scores(self, x, attention_heads):
        new_x_shape = x.size()[:-1] + (attention_heads, -1)
        x = x.view(new_x_shape)
        return x.permute(0, 2, 1, 3).contiguous().view(-1, x.size(1), x.size(-1))

    def forward(self, hidden_states, attention_mask, relative_pos=None, rel_embeddings=None):
        query_layer = self.transpose_for_scores(self.query_proj(hidden_states), self.num_attention_heads)
        key_layer = self.transpose_for_scores(self.key_proj(hidden_states), self.num_attention_heads)
        value_layer = self.transpose_for_scores(self.value_proj(hidden_states), self.num_attention_heads)
        rel_att = None
        scale_factor = 1
        if "c2p" in self.pos_att_type:
            scale_factor += 1
        if "p2c" in self.pos_att_type:
            scale_factor += 1
        scale = torch.sqrt(torch.tensor(query_layer.size(-1), dtype=torch.float) * scale_factor)
        attention_scores = torch.bmm(query_layer, key_layer.transpose(-1, -2) / scale.to(dtype=query_layer.dtype))
        if self.relative_attention:
            rel_embeddings = self.pos_dropout(rel_embeddings)
            rel_att = self.disentangled_attention_bias(query_layer, key_layer, relative_pos, rel_embeddings,
                                                       scale_factor)
        if rel_att is not None:
            attention_scores = attention_scores + rel_att
        attention_scores = attention_scores.view(-1, self.num_attention_heads, attention_scores.size(-2),
                                                 attention_scores.size(-1))
        attention_mask = attention_mask.bool()
        attention_scores = attention_scores.masked_fill(~(attention_mask), torch.finfo(query_layer.dtype).min)
        attention_probs = nn.functional.softmax(attention_scores, dim=-1)
        attention_probs = self.dropout(attention_probs)
        context_layer = torch.bmm(attention_probs.view(-1, attention_probs.size(-2), attention_probs.size(-1)),
                                  value_layer)
        context_layer = (context_layer.view(-1, self.num_attention_heads, context_layer.size(-2),
                                            context_layer.size(-1)).permute(0, 2, 1, 3).contiguous())
        new_context_layer_shape = context_layer.size()[:-2] + (-1,)
        return context_layer.view(new_context_layer_shape)

    def disentangled_attention_bias(self, query_layer, key_layer, relative_pos, rel_embeddings, scale_factor):
        if relative_pos is None:
            relative_pos = build_relative_position(query_layer.size(-2), key_layer.size(-2),
                                                   bucket_size=self.position_buckets,
                                                   max_position=self.max_relative_positions)
        if relative_pos.dim() == 2:
            relative_pos = relative_pos.unsqueeze(0).unsqueeze(0)
        elif relative_pos.dim() == 3:
            relative_pos = relative_pos.unsqueeze(1)
        att_span = self.pos_ebd_size
        relative_pos = relative_pos.long()
        rel_embeddings = rel_embeddings[0:att_span * 2, :].unsqueeze(0)
        nh = self.num_attention_heads
        if self.share_att_key:
            pos_query_layer = self.transpose_for_scores(self.query_proj(rel_embeddings), nh).repeat(
                query_layer.size(0) // nh, 1, 1)
            pos_key_layer = self.transpose_for_scores(self.key_proj(rel_embeddings), nh).repeat(
                query_layer.size(0) // nh, 1, 1)
        else:
            if "c2p" in self.pos_att_type:
                pos_key_layer = self.transpose_for_scores(self.pos_key_proj(rel_embeddings), nh).repeat(
                    query_layer.size(0) // nh, 1, 1)
            if "p2c" in self.pos_att_type:
                pos_query_layer = self.transpose_for_scores(self.pos_query_proj(rel_embeddings), nh).repeat(
                    query_layer.size(0) // nh, 1, 1)
        score = 0
        if "c2p" in self.pos_att_type:  # content -> position
            scale = torch.sqrt(torch.tensor(pos_key_layer.size(-1), dtype=torch.float) * scale_factor)
            c2p_att = torch.bmm(query_layer, pos_key_layer.transpose(-1, -2))
            c2p_pos = torch.clamp(relative_pos + att_span, 0, att_span * 2 - 1)
            c2p_att = torch.gather(c2p_att, dim=-1, index=c2p_pos.squeeze(0).expand(
                [query_layer.size(0), query_layer.size(1), relative_pos.size(-1)]))
            score += c2p_att / scale.to(dtype=c2p_att.dtype)
        if "p2c" in self.pos_att_type:  # position -> content
            scale = torch.sqrt(torch.tensor(pos_query_layer.size(-1), dtype=torch.float) * scale_factor)
            r_pos = relative_pos  # query and key lengths are equal in self-attention
            p2c_pos = torch.clamp(-r_pos + att_span, 0, att_span * 2 - 1)
            p2c_att = torch.bmm(key_layer, pos_query_layer.transpose(-1, -2))
            p2c_att = torch.gather(p2c_att, dim=-1, index=p2c_pos.squeeze(0).expand(
                [query_layer.size(0), key_layer.size(-2), key_layer.size(-2)])).transpose(-1, -2)
            score += p2c_att / scale.to(dtype=p2c_att.dtype)
        return score


# transformers' DebertaV2SelfOutput, DebertaV2Intermediate and DebertaV2Output are copies of
# BERT's modules (same names, same forward).
class DebertaV2Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self = DisentangledSelfAttention(c)
        self.output = BertSelfOutput(c)

    def forward(self, hidden_states, attention_mask, relative_pos=None, rel_embeddings=None):
        self_output = self.self(hidden_states, attention_mask, relative_pos=relative_pos,
                                rel_embeddings=rel_embeddings)
        return self.output(self_output, hidden_states)


class DebertaV2Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = DebertaV2Attention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertOutput(c)

    def forward(self, hidden_states, attention_mask, relative_pos=None, rel_embeddings=None):
        attention_output = self.attention(hidden_states, attention_mask, relative_pos=relative_pos,
                                          rel_embeddings=rel_embeddings)
        return self.output(self.intermediate(attention_output), attention_output)


class DebertaV2Encoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([DebertaV2Layer(c) for _ in range(c.num_hidden_layers)])
        self.relative_attention = getattr(c, "relative_attention", False)
        if self.relative_attention:
            self.max_relative_positions = getattr(c, "max_relative_positions", -1)
            if self.max_relative_positions < 1:
                self.max_relative_positions = c.max_position_embeddings
            self.position_buckets = getattr(c, "position_buckets", -1)
            pos_ebd_size = self.max_relative_positions * 2
            if self.position_buckets > 0:
                pos_ebd_size = self.position_buckets * 2
            self.rel_embeddings = nn.Embedding(pos_ebd_size, c.hidden_size)
        self.norm_rel_ebd = [x.strip() for x in getattr(c, "norm_rel_ebd", "none").lower().split("|")]
        if "layer_norm" in self.norm_rel_ebd:
            self.LayerNorm = nn.LayerNorm(c.hidden_size, c.layer_norm_eps, elementwise_affine=True)
        if getattr(c, "conv_kernel_size", 0) > 0:
            raise ValueError("conv_kernel_size > 0 (ConvLayer) is not written here")

    def get_rel_embedding(self):
        rel_embeddings = self.rel_embeddings.weight if self.relative_attention else None
        if rel_embeddings is not None and ("layer_norm" in self.norm_rel_ebd):
            rel_embeddings = self.LayerNorm(rel_embeddings)
        return rel_embeddings

    def get_attention_mask(self, attention_mask):
        extended_attention_mask = attention_mask.unsqueeze(1).unsqueeze(2)
        attention_mask = extended_attention_mask * extended_attention_mask.squeeze(-2).unsqueeze(-1)
        return attention_mask

    def get_rel_pos(self, hidden_states):
        if self.relative_attention:
            return build_relative_position(hidden_states.size(-2), hidden_states.size(-2),
                                           bucket_size=self.position_buckets,
                                           max_position=self.max_relative_positions)
        return None

    def forward(self, hidden_states, attention_mask):
        attention_mask = self.get_attention_mask(attention_mask)
        relative_pos = self.get_rel_pos(hidden_states)
        rel_embeddings = self.get_rel_embedding()
        for layer_module in self.layer:
            hidden_states = layer_module(hidden_states, attention_mask, relative_pos=relative_pos,
                                         rel_embeddings=rel_embeddings)
        return hidden_states


class DebertaV2Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = DebertaV2Embeddings(c)
        self.encoder = DebertaV2Encoder(c)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.shape, dtype=torch.long)
        if token_type_ids is None:
            token_type_ids = torch.zeros(input_ids.shape, dtype=torch.long)
        embedding_output = self.embeddings(input_ids, token_type_ids=token_type_ids, mask=attention_mask)
        return (self.encoder(embedding_output, attention_mask),)


class ContextPooler(nn.Module):
    def __init__(self, c):
        super().__init__()
        size = getattr(c, "pooler_hidden_size", c.hidden_size)
        self.dense = nn.Linear(size, size)
        self.dropout = nn.Dropout(getattr(c, "pooler_dropout", 0))
        self.act = _activation(getattr(c, "pooler_hidden_act", "gelu"))

    def forward(self, hidden_states):
        context_token = self.dropout(hidden_states[:, 0])
        return self.act(self.dense(context_token))


class DebertaV2ForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.deberta = DebertaV2Model(c)
        self.pooler = ContextPooler(c)
        self.classifier = nn.Linear(getattr(c, "pooler_hidden_size", c.hidden_size), self.num_labels)
        drop_out = getattr(c, "cls_dropout", None)
        self.dropout = nn.Dropout(c.hidden_dropout_prob if drop_out is None else drop_out)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        encoder_layer = self.deberta(input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        pooled_output = self.dropout(self.pooler(encoder_layer))
        return (self.classifier(pooled_output),)


# --- DistilBERT ---------------------------------------------------------------------------

class DistilBertEmbeddings(nn.Module):  # HF class name: Embeddings
    def __init__(self, c):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.dim, padding_idx=c.pad_token_id)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.dim)
        self.LayerNorm = nn.LayerNorm(c.dim, eps=1e-12)
        self.dropout = nn.Dropout(c.dropout)

    def forward(self, input_ids):
        seq_length = input_ids.size(1)
        position_ids = torch.arange(seq_length, dtype=torch.long, device=input_ids.device)
        position_ids = position_ids.unsqueeze(0).expand_as(input_ids)
        word_embeddings = self.word_embeddings(input_ids)
        position_embeddings = self.position_embeddings(position_ids)
        embeddings = word_embeddings + position_embeddings
        embeddings = self.LayerNorm(embeddings)
        embeddings = self.dropout(embeddings)
        return embeddings


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads = c.n_heads
        self.dim = c.dim
        if self.dim % self.n_heads != 0:
            raise ValueError("dim must be a multiple of n_heads")
        self.dropout = nn.Dropout(p=c.attention_dropout)
        self.q_lin = nn.Linear(c.dim, c.dim)
        self.k_lin = nn.Linear(c.dim, c.dim)
        self.v_lin = nn.Linear(c.dim, c.dim)
        self.out_lin = nn.Linear(c.dim, c.dim)

    def forward(self, query, key, value, mask):
        bs, q_length, dim = query.size()
        k_length = key.size(1)
        dim_per_head = self.dim // self.n_heads
        mask_reshp = (bs, 1, 1, k_length)

        def shape(x):
            return x.view(bs, -1, self.n_heads, dim_per_head).transpose(1, 2)

        def unshape(x):
            return x.transpose(1, 2).contiguous().view(bs, -1, self.n_heads * dim_per_head)

        q = shape(self.q_lin(query))
        k = shape(self.k_lin(key))
        v = shape(self.v_lin(value))
        q = q / math.sqrt(dim_per_head)
        scores = torch.matmul(q, k.transpose(2, 3))
        mask = (mask == 0).view(mask_reshp).expand_as(scores)
        scores = scores.masked_fill(mask, torch.tensor(torch.finfo(scores.dtype).min))
        weights = nn.functional.softmax(scores, dim=-1)
        weights = self.dropout(weights)
        context = torch.matmul(weights, v)
        context = unshape(context)
        context = self.out_lin(context)
        return context


class FFN(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.dropout = nn.Dropout(p=c.dropout)
        self.lin1 = nn.Linear(c.dim, c.hidden_dim)
        self.lin2 = nn.Linear(c.hidden_dim, c.dim)
        self.activation = _activation(c.activation)

    def forward(self, x):
        x = self.lin1(x)
        x = self.activation(x)
        x = self.lin2(x)
        x = self.dropout(x)
        return x


class TransformerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attention = MultiHeadSelfAttention(c)
        self.sa_layer_norm = nn.LayerNorm(normalized_shape=c.dim, eps=1e-12)
        self.ffn = FFN(c)
        self.output_layer_norm = nn.LayerNorm(normalized_shape=c.dim, eps=1e-12)

    def forward(self, x, attn_mask):
        sa_output = self.attention(query=x, key=x, value=x, mask=attn_mask)
        sa_output = self.sa_layer_norm(sa_output + x)
        ffn_output = self.ffn(sa_output)
        ffn_output = self.output_layer_norm(ffn_output + sa_output)
        return ffn_output


class DistilTransformer(nn.Module):  # HF class name: Transformer
    def __init__(self, c):
        super().__init__()
        self.layer = nn.ModuleList([TransformerBlock(c) for _ in range(c.n_layers)])

    def forward(self, x, attn_mask):
        hidden_state = x
        for layer_module in self.layer:
            hidden_state = layer_module(hidden_state, attn_mask)
        return hidden_state


class DistilBertModel(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embeddings = DistilBertEmbeddings(c)
        self.transformer = DistilTransformer(c)

    def forward(self, input_ids, attention_mask=None):
        if attention_mask is None:
            attention_mask = torch.ones(input_ids.size(), device=input_ids.device)
        embeddings = self.embeddings(input_ids)
        return (self.transformer(embeddings, attention_mask),)


class DistilBertForSequenceClassification(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        self.distilbert = DistilBertModel(c)
        self.pre_classifier = nn.Linear(c.dim, c.dim)
        self.classifier = nn.Linear(c.dim, self.num_labels)
        self.dropout = nn.Dropout(c.seq_classif_dropout)

    def forward(self, input_ids, attention_mask=None):
        distilbert_output = self.distilbert(input_ids, attention_mask=attention_mask)
        hidden_state = distilbert_output[0]
        pooled_output = hidden_state[:, 0]
        pooled_output = self.pre_classifier(pooled_output)
        pooled_output = nn.ReLU()(pooled_output)
        pooled_output = self.dropout(pooled_output)
        logits = self.classifier(pooled_output)
        return (logits,)


# --- *ForTokenClassification (transformers 4.x: a Linear on every token's last hidden state,
# after dropout; the body without its pooler) ----------------------------------------------

class _TokenClassifier(nn.Module):
    """The shared form of BertForTokenClassification, DistilBertForTokenClassification,
    RobertaForTokenClassification and ElectraForTokenClassification: body (attribute `body_name`)
    -> dropout -> classifier Linear(hidden, num_labels)."""
    body_name = None

    def __init__(self, c, body, hidden, dropout):
        super().__init__()
        self.config = c
        self.num_labels = len(c.id2label)
        setattr(self, self.body_name, body)
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(hidden, self.num_labels)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None):
        body = getattr(self, self.body_name)
        if token_type_ids is None:
            sequence_output = body(input_ids, attention_mask=attention_mask)[0]
        else:
            sequence_output = body(input_ids, attention_mask=attention_mask,
                                   token_type_ids=token_type_ids)[0]
        return (self.classifier(self.dropout(sequence_output)),)


def _classifier_dropout(c):
    return c.classifier_dropout if getattr(c, "classifier_dropout", None) is not None else c.hidden_dropout_prob


class BertForTokenClassification(_TokenClassifier):
    body_name = "bert"

    def __init__(self, c):
        super().__init__(c, BertModel(c, add_pooling_layer=False), c.hidden_size, _classifier_dropout(c))


class RobertaForTokenClassification(_TokenClassifier):
    body_name = "roberta"

    def __init__(self, c):
        super().__init__(c, RobertaModel(c, add_pooling_layer=False), c.hidden_size, _classifier_dropout(c))


class DistilBertForTokenClassification(_TokenClassifier):
    body_name = "distilbert"

    def __init__(self, c):
        super().__init__(c, DistilBertModel(c), c.dim, c.dropout)


class ElectraForTokenClassification(_TokenClassifier):
    body_name = "electra"

    def __init__(self, c):
        super().__init__(c, ElectraModel(c), c.hidden_size, _classifier_dropout(c))


class DebertaV2ForTokenClassification(_TokenClassifier):
    body_name = "deberta"

    def __init__(self, c):
        super().__init__(c, DebertaV2Model(c), c.hidden_size, c.hidden_dropout_prob)


# ----------------------------------------------------------------------------------------
# Architectures, configurations, presets
# ----------------------------------------------------------------------------------------

# arch -> (class, model_type, ONNX/reference input names, output names)
ARCHS = {
    "BertModel": (BertModel, "bert",
                  ["input_ids", "attention_mask", "token_type_ids"],
                  ["last_hidden_state", "pooler_output"]),
    "BertForSequenceClassification": (BertForSequenceClassification, "bert",
                                      ["input_ids", "attention_mask", "token_type_ids"],
                                      ["logits"]),
    "DistilBertModel": (DistilBertModel, "distilbert",
                        ["input_ids", "attention_mask"], ["last_hidden_state"]),
    "DistilBertForSequenceClassification": (DistilBertForSequenceClassification, "distilbert",
                                            ["input_ids", "attention_mask"], ["logits"]),
    "RobertaModel": (RobertaModel, "roberta",
                     ["input_ids", "attention_mask"], ["last_hidden_state", "pooler_output"]),
    "RobertaForSequenceClassification": (RobertaForSequenceClassification, "roberta",
                                         ["input_ids", "attention_mask"], ["logits"]),
    "ElectraModel": (ElectraModel, "electra",
                     ["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state"]),
    "ElectraForSequenceClassification": (ElectraForSequenceClassification, "electra",
                                         ["input_ids", "attention_mask", "token_type_ids"],
                                         ["logits"]),
    "BertForTokenClassification": (BertForTokenClassification, "bert",
                                   ["input_ids", "attention_mask", "token_type_ids"], ["logits"]),
    "DistilBertForTokenClassification": (DistilBertForTokenClassification, "distilbert",
                                         ["input_ids", "attention_mask"], ["logits"]),
    "RobertaForTokenClassification": (RobertaForTokenClassification, "roberta",
                                      ["input_ids", "attention_mask"], ["logits"]),
    "ElectraForTokenClassification": (ElectraForTokenClassification, "electra",
                                      ["input_ids", "attention_mask", "token_type_ids"], ["logits"]),
    "MPNetModel": (MPNetModel, "mpnet", ["input_ids", "attention_mask"],
                   ["last_hidden_state", "pooler_output"]),
    "MPNetForSequenceClassification": (MPNetForSequenceClassification, "mpnet",
                                       ["input_ids", "attention_mask"], ["logits"]),
    "ModernBertModel": (ModernBertModel, "modernbert", ["input_ids", "attention_mask"],
                        ["last_hidden_state"]),
    "ModernBertForSequenceClassification": (ModernBertForSequenceClassification, "modernbert",
                                            ["input_ids", "attention_mask"], ["logits"]),
    # DeBERTa: token_type_ids too when type_vocab_size > 0 (model_input_names)
    "DebertaV2Model": (DebertaV2Model, "deberta-v2", ["input_ids", "attention_mask"],
                       ["last_hidden_state"]),
    "DebertaV2ForSequenceClassification": (DebertaV2ForSequenceClassification, "deberta-v2",
                                           ["input_ids", "attention_mask"], ["logits"]),
    "DebertaV2ForTokenClassification": (DebertaV2ForTokenClassification, "deberta-v2",
                                        ["input_ids", "attention_mask"], ["logits"]),
}


def model_input_names(arch, cfg):
    """The inputs the model takes: ARCHS's, plus token_type_ids for a DeBERTa with token types."""
    names = list(ARCHS[arch][2])
    if ARCHS[arch][1] == "deberta-v2" and cfg.get("type_vocab_size", 0) > 0:
        names.append("token_type_ids")
    return names


def default_config(model_type):
    """Full HF default config for a model type (the values of the base-size models)."""
    if model_type == "bert":
        return {
            "model_type": "bert", "vocab_size": 30522, "hidden_size": 768,
            "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512,
            "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12,
            "pad_token_id": 0, "position_embedding_type": "absolute", "use_cache": True,
            "classifier_dropout": None, "torch_dtype": "float32",
        }
    if model_type == "roberta":
        c = default_config("bert")
        c.update({"model_type": "roberta", "vocab_size": 50265, "max_position_embeddings": 514,
                  "type_vocab_size": 1, "layer_norm_eps": 1e-5, "pad_token_id": 1,
                  "bos_token_id": 0, "eos_token_id": 2})
        return c
    if model_type == "electra":  # ElectraConfig's defaults (electra-small-discriminator's sizes)
        c = default_config("bert")
        c.update({"model_type": "electra", "embedding_size": 128, "hidden_size": 256,
                  "num_attention_heads": 4, "intermediate_size": 1024,
                  "summary_type": "first", "summary_use_proj": True,
                  "summary_activation": "gelu", "summary_last_dropout": 0.1})
        return c
    if model_type == "modernbert":  # ModernBertConfig's defaults (ModernBERT-base's sizes)
        return {
            "model_type": "modernbert", "vocab_size": 50368, "hidden_size": 768,
            "intermediate_size": 1152, "num_hidden_layers": 22, "num_attention_heads": 12,
            "hidden_activation": "gelu", "max_position_embeddings": 8192,
            "initializer_range": 0.02, "initializer_cutoff_factor": 2.0, "norm_eps": 1e-5,
            "norm_bias": False, "pad_token_id": 50283, "eos_token_id": 50282,
            "bos_token_id": 50281, "cls_token_id": 50281, "sep_token_id": 50282,
            "global_rope_theta": 160000.0, "attention_bias": False, "attention_dropout": 0.0,
            "global_attn_every_n_layers": 3, "local_attention": 128, "local_rope_theta": 10000.0,
            "embedding_dropout": 0.0, "mlp_bias": False, "mlp_dropout": 0.0,
            "decoder_bias": True, "classifier_pooling": "cls", "classifier_dropout": 0.0,
            "classifier_bias": False, "classifier_activation": "gelu",
            "deterministic_flash_attn": False, "sparse_prediction": False,
            "sparse_pred_ignore_index": -100, "reference_compile": None, "torch_dtype": "float32",
        }
    if model_type == "mpnet":  # MPNetConfig's defaults
        c = default_config("bert")
        for k in ("type_vocab_size", "position_embedding_type", "use_cache", "classifier_dropout"):
            del c[k]
        c.update({"model_type": "mpnet", "vocab_size": 30527, "relative_attention_num_buckets": 32,
                  "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2})
        return c
    if model_type == "deberta-v2":  # DebertaV2Config's defaults (deberta-v2-xlarge's sizes)
        return {
            "model_type": "deberta-v2", "vocab_size": 128100, "hidden_size": 1536,
            "num_hidden_layers": 24, "num_attention_heads": 24, "intermediate_size": 6144,
            "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "max_position_embeddings": 512, "type_vocab_size": 0, "initializer_range": 0.02,
            "layer_norm_eps": 1e-7, "relative_attention": False, "max_relative_positions": -1,
            "pad_token_id": 0, "position_biased_input": True, "pos_att_type": None,
            "pooler_dropout": 0, "pooler_hidden_act": "gelu", "torch_dtype": "float32",
        }
    if model_type == "distilbert":
        return {
            "model_type": "distilbert", "vocab_size": 30522, "max_position_embeddings": 512,
            "sinusoidal_pos_embds": False, "n_layers": 6, "n_heads": 12, "dim": 768,
            "hidden_dim": 3072, "dropout": 0.1, "attention_dropout": 0.1,
            "activation": "gelu", "initializer_range": 0.02, "qa_dropout": 0.1,
            "seq_classif_dropout": 0.2, "pad_token_id": 0, "tie_weights_": True,
            "torch_dtype": "float32",
        }
    raise ValueError(f"unsupported model_type {model_type!r}")


def _labels(names):
    return {"id2label": {str(i): n for i, n in enumerate(names)},
            "label2id": {n: i for i, n in enumerate(names)}}


def make_config(arch, overrides=None):
    """HF config dict for `arch`: defaults of its model type, then `overrides`."""
    if arch not in ARCHS:
        raise ValueError(f"unsupported architecture {arch!r}; one of: {', '.join(ARCHS)}")
    model_type = ARCHS[arch][1]
    cfg = default_config(model_type)
    cfg.update(copy.deepcopy(overrides or {}))
    if cfg.get("model_type", model_type) != model_type:
        raise ValueError(f"config model_type {cfg['model_type']!r} does not fit {arch}")
    cfg["model_type"] = model_type
    cfg["architectures"] = [arch]
    if arch.endswith(("ForSequenceClassification", "ForTokenClassification")):
        if "id2label" not in cfg:
            cfg.update(_labels(["LABEL_0", "LABEL_1"]))
        else:
            cfg["id2label"] = {str(k): v for k, v in cfg["id2label"].items()}
            cfg.setdefault("label2id", {v: int(k) for k, v in cfg["id2label"].items()})
    else:
        cfg.pop("id2label", None)
        cfg.pop("label2id", None)
    if model_type == "distilbert" and cfg.get("sinusoidal_pos_embds"):
        raise ValueError("sinusoidal_pos_embds=true is not supported")
    if model_type != "distilbert" and cfg.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError("only position_embedding_type=absolute is supported")
    return cfg


def config_namespace(cfg):
    ns = SimpleNamespace(**cfg)
    if "id2label" in cfg:
        ns.id2label = {int(k): v for k, v in cfg["id2label"].items()}
    return ns


# Small fixture models: varied head sizes (16, 16, 16, 8, 12, 20), FFN ratios and depths so
# that kernels see shapes that are not all powers of two.
FIXTURES = {
    "bert": ("BertModel", 101, {
        "vocab_size": 250, "hidden_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 3, "intermediate_size": 192, "max_position_embeddings": 40}),
    "bert_cls": ("BertForSequenceClassification", 102, {
        "vocab_size": 200, "hidden_size": 32, "num_hidden_layers": 3,
        "num_attention_heads": 2, "intermediate_size": 96, "max_position_embeddings": 48,
        **_labels(["negative", "neutral", "positive"])}),
    "distilbert": ("DistilBertModel", 103, {
        "vocab_size": 220, "dim": 64, "n_layers": 2, "n_heads": 4, "hidden_dim": 128,
        "max_position_embeddings": 40}),
    "distilbert_cls": ("DistilBertForSequenceClassification", 104, {
        "vocab_size": 180, "dim": 32, "n_layers": 3, "n_heads": 4, "hidden_dim": 128,
        "max_position_embeddings": 64, **_labels(["NEGATIVE", "POSITIVE"])}),
    "roberta": ("RobertaModel", 105, {
        "vocab_size": 260, "hidden_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 96, "max_position_embeddings": 42}),
    "roberta_cls": ("RobertaForSequenceClassification", 106, {
        "vocab_size": 210, "hidden_size": 40, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 160, "max_position_embeddings": 42,
        **_labels(["anger", "joy", "optimism", "sadness", "surprise"])}),
    # ELECTRA with embeddings_project (embedding 24 -> hidden 48, as electra-small's 128 -> 256),
    # and a classifier without it (embedding = hidden, as electra-base).
    "electra": ("ElectraModel", 107, {
        "vocab_size": 230, "embedding_size": 24, "hidden_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 112, "max_position_embeddings": 40}),
    "electra_cls": ("ElectraForSequenceClassification", 108, {
        "vocab_size": 190, "embedding_size": 36, "hidden_size": 36, "num_hidden_layers": 2,
        "num_attention_heads": 3, "intermediate_size": 72, "max_position_embeddings": 44,
        **_labels(["sadness", "joy", "love", "anger"])}),
    # Token classifiers (NER tags), one per body.
    "bert_tok": ("BertForTokenClassification", 109, {
        "vocab_size": 240, "hidden_size": 40, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 88, "max_position_embeddings": 40,
        **_labels(["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"])}),
    "distilbert_tok": ("DistilBertForTokenClassification", 110, {
        "vocab_size": 170, "dim": 24, "n_layers": 2, "n_heads": 2, "hidden_dim": 64,
        "max_position_embeddings": 36, **_labels(["O", "B-MISC", "I-MISC"])}),
    "roberta_tok": ("RobertaForTokenClassification", 114, {
        "vocab_size": 200, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 42,
        **_labels(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])}),
    "electra_tok": ("ElectraForTokenClassification", 115, {
        "vocab_size": 180, "embedding_size": 16, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 64, "max_position_embeddings": 36,
        **_labels(["O", "B-ORG", "I-ORG"])}),
    # MPNet: relative position bias. The second input set is one 150-token row (SECOND_SEQ), so
    # that the buckets' log range and their clamp (distances past 128) are exercised.
    "mpnet": ("MPNetModel", 116, {
        "vocab_size": 250, "hidden_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 96, "max_position_embeddings": 160, "layer_norm_eps": 1e-5}),
    "mpnet_cls": ("MPNetForSequenceClassification", 117, {
        "vocab_size": 230, "hidden_size": 36, "num_hidden_layers": 3, "num_attention_heads": 3,
        "intermediate_size": 80, "max_position_embeddings": 156,
        **_labels(["contradiction", "entailment", "neutral"])}),
    # ModernBERT: 4 layers with a global one every 3 (0 and 3) and a +-4-token window in the
    # others (the inputs are 11 and 17 tokens); the classifier with every bias on (attention,
    # MLP, norms, head), mean pooling and a global layer every 2.
    "modernbert": ("ModernBertModel", 120, {
        "vocab_size": 250, "hidden_size": 48, "num_hidden_layers": 4, "num_attention_heads": 4,
        "intermediate_size": 40, "max_position_embeddings": 64, "local_attention": 8,
        "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "cls_token_id": 2,
        "sep_token_id": 3}),
    "modernbert_cls": ("ModernBertForSequenceClassification", 121, {
        "vocab_size": 230, "hidden_size": 36, "num_hidden_layers": 3, "num_attention_heads": 3,
        "intermediate_size": 56, "max_position_embeddings": 48, "local_attention": 6,
        "global_attn_every_n_layers": 2, "attention_bias": True, "mlp_bias": True,
        "norm_bias": True, "classifier_bias": True, "classifier_pooling": "mean",
        "pad_token_id": 0, "bos_token_id": 2, "eos_token_id": 3, "cls_token_id": 2,
        "sep_token_id": 3, **_labels(["negative", "positive"])}),
    # DeBERTa-v3's form (deberta): log buckets (8, so distances from 4 on are logarithmic and
    # the 40-token second input reaches the clamp), share_att_key, c2p and p2c, LayerNorm'd
    # rel_embeddings, no absolute positions; DeBERTa-v2's (deberta_cls): separate pos_key_proj /
    # pos_query_proj, distances without buckets clamped at 12, absolute positions, an embedding
    # width other than hidden (embed_proj), a gelu_new pooler; the token classifier: c2p alone,
    # token types; deberta_plain: no relative attention (plain scores on heads flattened into the
    # batch, absolute positions).
    "deberta": ("DebertaV2Model", 122, {
        "vocab_size": 250, "hidden_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 96, "max_position_embeddings": 64, "relative_attention": True,
        "position_buckets": 8, "max_relative_positions": 16, "norm_rel_ebd": "layer_norm",
        "share_att_key": True, "pos_att_type": "p2c|c2p", "position_biased_input": False,
        "layer_norm_eps": 1e-7}),
    "deberta_cls": ("DebertaV2ForSequenceClassification", 123, {
        "vocab_size": 230, "embedding_size": 24, "hidden_size": 36, "num_hidden_layers": 2,
        "num_attention_heads": 3, "intermediate_size": 80, "max_position_embeddings": 48,
        "relative_attention": True, "max_relative_positions": 12, "pos_att_type": ["c2p", "p2c"],
        "pooler_hidden_act": "gelu_new", **_labels(["contradiction", "entailment", "neutral"])}),
    "deberta_tok": ("DebertaV2ForTokenClassification", 124, {
        "vocab_size": 200, "hidden_size": 40, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 64, "max_position_embeddings": 40, "type_vocab_size": 2,
        "relative_attention": True, "position_buckets": 16, "max_relative_positions": 64,
        "share_att_key": True, "pos_att_type": "c2p", "norm_rel_ebd": "layer_norm",
        **_labels(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])}),
    "deberta_plain": ("DebertaV2Model", 125, {
        "vocab_size": 160, "hidden_size": 24, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 40, "max_position_embeddings": 24}),
}
HF_FIXTURES = ("bert", "bert_cls", "distilbert", "distilbert_cls", "roberta", "roberta_cls",
               "electra", "electra_cls", "bert_tok", "distilbert_tok", "roberta_tok", "electra_tok",
               "mpnet", "mpnet_cls", "modernbert", "modernbert_cls", "deberta", "deberta_cls",
               "deberta_tok", "deberta_plain")
SECOND_SEQ = {"mpnet": 150, "mpnet_cls": 150, "deberta": 40, "deberta_cls": 30}  # the length of inputs_2 (default 17)
HF_BIN_FIXTURES = ("bert_cls",)  # also get a pytorch_model.bin (torch.save) of the same weights
TINY_FOR_ARCH = {arch: name for name, (arch, _, _) in FIXTURES.items()}

# Planted outlier channels (Hugging Face folders only, for the int8 tests): trained BERTs have a
# few hidden channels whose LayerNorm gain and bias, and so activations, are 10-100x the rest,
# which random weights do not have. plant_outliers() gives them to these models.
OUTLIER_FIXTURES = {
    "bert_outliers": ("BertModel", 131, {
        "vocab_size": 250, "hidden_size": 64, "num_hidden_layers": 3,
        "num_attention_heads": 4, "intermediate_size": 256, "max_position_embeddings": 64}),
    "bert_cls_outliers": ("BertForSequenceClassification", 132, {
        "vocab_size": 250, "hidden_size": 64, "num_hidden_layers": 3,
        "num_attention_heads": 4, "intermediate_size": 256, "max_position_embeddings": 64,
        **_labels(["negative", "neutral", "positive"])}),
}
OUTLIER_CHANNELS = (3, 17, 40)
OUTLIER_FACTOR = 50.0
# Random initialization (std 0.02) leaves each attention and FFN block's output at ~0.7x the
# residual it is added to, so int8's noise in those blocks barely reaches the model's output; a
# trained model leans on its blocks. The outlier fixtures scale both output projections by this
# gain (the blocks' outputs become ~3x the residual), which is what lets unhandled outliers fail
# the int8 gate's default 1% (drop ~1.6%; without outliers ~0.1%).
OUTLIER_SUBLAYER_GAIN = 4.0


def plant_outliers(model, channels=OUTLIER_CHANNELS, factor=OUTLIER_FACTOR, sublayer_gain=OUTLIER_SUBLAYER_GAIN):
    """Multiplies the attention and FFN output projections of a BERT by `sublayer_gain`, then
    scales the gain and bias of `channels` by `factor` in every LayerNorm of a BERT but the
    last one, and divides the matching input columns of the Linear layers that read those
    LayerNorms (Q, K, V; the FFN's first layer) by it: those layers compute what they did, while
    their inputs now carry outlier channels, which also flow on through the residual sums. As in
    a trained model, each LayerNorm's other channels are then rescaled by how much the outliers
    inflate its input's standard deviation (measured on random tokens), so they keep their size
    and their information; the last LayerNorm's bias is zeroed so that the output's direction
    is the tokens', not a constant's."""
    bert = getattr(model, "bert", model)
    layers = bert.encoder.layer
    with torch.no_grad():
        for layer in layers:
            layer.attention.output.dense.weight *= sublayer_gain
            layer.output.dense.weight *= sublayer_gain
    planted = [(bert.embeddings.LayerNorm, [layers[0].attention.self])]
    for i, layer in enumerate(layers):
        planted.append((layer.attention.output.LayerNorm, [layer.intermediate.dense]))
        if i + 1 < len(layers):
            planted.append((layer.output.LayerNorm, [layers[i + 1].attention.self]))
    norms = [n for n, _ in planted] + [layers[-1].output.LayerNorm]
    idx = torch.tensor(channels)
    normal = torch.tensor([c for c in range(norms[0].weight.shape[0]) if c not in channels])
    gen = torch.Generator().manual_seed(99)
    ids = torch.randint(5, model.config.vocab_size, (4, 24), generator=gen)
    with torch.no_grad():
        for k, norm in enumerate(norms):
            if k > 0:  # this LayerNorm's input now carries the outliers: restore its other channels
                seen = []
                hook = norm.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
                model(input_ids=ids)
                hook.remove()
                x = seen[0].reshape(-1, seen[0].shape[-1])
                ratio = (x.std(dim=-1, unbiased=False) / x[:, normal].std(dim=-1, unbiased=False)).mean()
                norm.weight[normal] *= ratio
                norm.bias[normal] *= ratio
            if k < len(planted):
                norm.weight[idx] *= factor
                norm.bias[idx] = factor * (1.0 + norm.bias[idx].abs())
                for reader in planted[k][1]:
                    linears = [reader.query, reader.key, reader.value] if hasattr(reader, "query") else [reader]
                    for lin in linears:
                        lin.weight[:, idx] /= factor
        norms[-1].bias.zero_()


FULL = {
    "bert-base": ("BertModel", {}),
    "distilbert": ("DistilBertModel", {}),
    "minilm": ("BertModel", {"hidden_size": 384, "num_hidden_layers": 6,
                             "intermediate_size": 1536}),
    "roberta-base": ("RobertaModel", {}),
    # XLM-R base: RoBERTa with a 250k vocabulary (the embedding table alone is 768 MB)
    "xlm-roberta-base": ("RobertaModel", {"vocab_size": 250002}),
    # all-mpnet-base-v2's sizes (its config: max_position_embeddings 514, layer_norm_eps 1e-5)
    "mpnet-base": ("MPNetModel", {"max_position_embeddings": 514, "layer_norm_eps": 1e-5}),
    "modernbert-base": ("ModernBertModel", {}),
    # microsoft/deberta-v3-base's config (its 128k vocabulary; 256 log buckets)
    "deberta-v3-base": ("DebertaV2Model", {
        "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
        "intermediate_size": 3072, "relative_attention": True, "position_buckets": 256,
        "norm_rel_ebd": "layer_norm", "share_att_key": True, "pos_att_type": "p2c|c2p",
        "position_biased_input": False, "max_relative_positions": -1}),
    "electra-base": ("ElectraModel", {"embedding_size": 768, "hidden_size": 768,
                                      "num_attention_heads": 12, "intermediate_size": 3072}),
}


# ----------------------------------------------------------------------------------------
# Weights, inputs, reference outputs
# ----------------------------------------------------------------------------------------

def build_model(arch, cfg, seed):
    """Instantiate `arch` from the HF config dict and fill it with seeded random weights."""
    torch.manual_seed(seed)
    model = ARCHS[arch][0](config_namespace(cfg))
    gen = torch.Generator().manual_seed(seed)
    modules = dict(model.named_modules())
    with torch.no_grad():
        for name, p in model.named_parameters():
            mod_name, _, pname = name.rpartition(".")
            mod = modules[mod_name]
            if isinstance(mod, (nn.LayerNorm, _Norm)):
                r = torch.randn(p.shape, generator=gen) * 0.1
                p.copy_(1.0 + r if pname == "weight" else r)
            elif isinstance(mod, nn.Embedding):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
            elif isinstance(mod, nn.Linear):
                if pname == "weight":
                    p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[1]))
                else:
                    p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
            else:
                raise AssertionError(f"unexpected parameter {name}")
    model.eval()
    return model


def special_ids(cfg, vocab_file=None):
    """(pad, cls, sep, first ordinary id) for random inputs."""
    model_type = cfg["model_type"]
    pad = int(cfg.get("pad_token_id", 1 if model_type in ("roberta", "mpnet") else 0))
    if model_type in ("roberta", "mpnet"):
        cls, sep = int(cfg.get("bos_token_id", 0)), int(cfg.get("eos_token_id", 2))
    else:
        cls, sep = (101, 102) if cfg["vocab_size"] > 1000 else (2, 3)
    if vocab_file and os.path.exists(vocab_file):
        with open(vocab_file, encoding="utf-8") as f:
            vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
        cls = vocab.get("[CLS]", cls)
        sep = vocab.get("[SEP]", sep)
        pad = vocab.get("[PAD]", pad)
    first = 1000 if cfg["vocab_size"] > 2000 else 5
    return pad, cls, sep, first


def make_inputs(cfg, input_names, batch, seq, lengths, seed, vocab_file=None):
    """Random token ids with [CLS] ... [SEP] (... [SEP]) rows, padded to `seq`."""
    if len(lengths) != batch or any(not 1 <= n <= seq for n in lengths):
        raise ValueError(f"lengths {lengths} do not fit batch {batch} x seq {seq}")
    max_pos = cfg["max_position_embeddings"] - (cfg["pad_token_id"] + 1
                                                if cfg["model_type"] in ("roberta", "mpnet") else 0)
    if seq > max_pos:
        raise ValueError(f"seq {seq} is longer than the model's {max_pos} positions")
    rng = np.random.RandomState(seed)
    pad, cls, sep, first = special_ids(cfg, vocab_file)
    ids = np.full((batch, seq), pad, dtype=np.int64)
    mask = np.zeros((batch, seq), dtype=np.int64)
    types = np.zeros((batch, seq), dtype=np.int64)
    for i, n in enumerate(lengths):
        ids[i, :n] = rng.randint(first, cfg["vocab_size"], size=n)
        mask[i, :n] = 1
        if n >= 2:
            ids[i, 0] = cls
            ids[i, n - 1] = sep
        if n >= 6 and cfg.get("type_vocab_size", 1) >= 2:  # a sentence pair
            split = n // 2 + 1
            ids[i, split - 1] = sep
            types[i, split:n] = 1
    all_inputs = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    return {name: all_inputs[name] for name in input_names}


def run_reference(model, inputs, output_names):
    with torch.no_grad():
        outs = model(*[torch.from_numpy(v) for v in inputs.values()])
    assert len(outs) == len(output_names)
    return {n: o.detach().numpy().astype(np.float32) for n, o in zip(output_names, outs)}


def save_npy_dir(path, arrays):
    os.makedirs(path, exist_ok=True)
    for name, a in arrays.items():
        np.save(os.path.join(path, name + ".npy"), a)


def default_lengths(batch, seq):
    return [max(1, seq - max(1, seq // 16) * (i + 1)) for i in range(batch)]


def parse_lengths(text):
    return [int(x) for x in text.split(",")] if text else None


# ----------------------------------------------------------------------------------------
# ONNX
# ----------------------------------------------------------------------------------------

def export_onnx(model, inputs, output_names, opset):
    """torch.onnx.export to bytes; dynamic batch/seq axes."""
    args = tuple(torch.from_numpy(v) for v in inputs.values())
    with torch.no_grad():
        ranks = [o.dim() for o in model(*args)]
    dynamic_axes = {name: {0: "batch", 1: "seq"} for name in inputs}
    for name, rank in zip(output_names, ranks):  # per-token outputs: [batch, seq, ...]
        dynamic_axes[name] = {0: "batch", 1: "seq"} if rank == 3 else {0: "batch"}
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.no_grad():
            torch.onnx.export(model, args, buf, input_names=list(inputs),
                              output_names=output_names, dynamic_axes=dynamic_axes,
                              opset_version=opset, do_constant_folding=True,
                              export_params=True)
    return buf.getvalue()


def check_onnx(path):
    """onnx.checker on the file; returns the sorted op types of its graph."""
    import onnx
    onnx.checker.check_model(path)
    model = onnx.load(path)
    return sorted({n.op_type for n in model.graph.node})


def onnx_attr_summary(path):
    """A few attributes worth knowing, for the report."""
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.load(path, load_external_data=False)
    seen = set()
    for n in model.graph.node:
        if n.op_type in ("Softmax", "Gather", "Cast", "ConstantOfShape", "Unsqueeze",
                         "Squeeze", "ReduceMean", "LayerNormalization", "Transpose", "Gemm",
                         "CumSum", "Range", "Expand", "Where", "Slice", "Concat", "Pow"):
            attrs = []
            for a in n.attribute:
                v = helper.get_attribute_value(a)
                if isinstance(v, onnx.TensorProto):
                    v = numpy_helper.to_array(v).tolist()
                elif isinstance(v, bytes):
                    v = v.decode()
                elif isinstance(v, list):
                    v = tuple(v)
                attrs.append(f"{a.name}={v}")
            seen.add(f"{n.op_type}({', '.join(attrs)}) inputs={len(n.input)}")
    return sorted(seen)


# ----------------------------------------------------------------------------------------
# safetensors (own writer and reader; Debian has no safetensors package)
# ----------------------------------------------------------------------------------------

_ST_DTYPES = {np.dtype(np.float32): "F32", np.dtype(np.float16): "F16",
              np.dtype(np.float64): "F64", np.dtype(np.int64): "I64",
              np.dtype(np.int32): "I32", np.dtype(np.int8): "I8", np.dtype(np.uint8): "U8"}
_ST_NP = {v: k for k, v in _ST_DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    """Write {name: np.ndarray} as a .safetensors file (tensors in name order)."""
    header = {"__metadata__": dict(metadata or {"format": "pt"})}
    blobs, offset = [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        if a.dtype not in _ST_DTYPES:
            raise ValueError(f"{name}: dtype {a.dtype} not supported")
        b = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": _ST_DTYPES[a.dtype], "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """Read a .safetensors file into ({name: np.ndarray}, metadata), validating it."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = memoryview(data)[8 + n:]
    out, spans = {}, []
    for name, h in header.items():
        dt = _ST_NP[h["dtype"]].newbyteorder("<")
        b, e = h["data_offsets"]
        count = int(np.prod(h["shape"])) if h["shape"] else 1
        if e - b != count * dt.itemsize or e > len(body):
            raise ValueError(f"{path}: bad data_offsets for {name}")
        out[name] = np.frombuffer(body[b:e], dtype=dt).reshape(h["shape"]).astype(dt.newbyteorder("="))
        spans.append((b, e))
    spans.sort()
    pos = 0
    for b, e in spans:
        if b != pos:
            raise ValueError(f"{path}: data is not contiguous at {b}")
        pos = e
    if pos != len(body):
        raise ValueError(f"{path}: {len(body) - pos} trailing bytes")
    return out, metadata


def state_dict_numpy(model):
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}


# ----------------------------------------------------------------------------------------
# Writers for the three modes
# ----------------------------------------------------------------------------------------

TOKENIZER_FILES = ("vocab.txt", "vocab.json", "merges.txt", "tokenizer.json",
                   "tokenizer_config.json", "special_tokens_map.json", "modules.json",
                   "sentence_bert_config.json", os.path.join("1_Pooling", "config.json"))


def write_hf_folder(out_dir, arch, cfg, model, input_sets, vocab_dirs=()):
    """config.json, model.safetensors, tokenizer files, reference/{inputs,outputs}*."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2, sort_keys=True)
        f.write("\n")
    sd = state_dict_numpy(model)
    st_path = os.path.join(out_dir, "model.safetensors")
    save_safetensors(st_path, sd)
    back, meta = load_safetensors(st_path)
    if meta != {"format": "pt"} or set(back) != set(sd) or any(
            back[k].dtype != sd[k].dtype or not np.array_equal(back[k], sd[k]) for k in sd):
        raise AssertionError(f"{st_path}: read-back differs from the state_dict")
    for src in vocab_dirs:
        for rel in TOKENIZER_FILES:
            if os.path.isfile(os.path.join(src, rel)):
                os.makedirs(os.path.dirname(os.path.join(out_dir, rel)), exist_ok=True)
                shutil.copyfile(os.path.join(src, rel), os.path.join(out_dir, rel))
    modules_json = os.path.join(out_dir, "modules.json")
    if os.path.isfile(modules_json):  # sentence-transformers expects every module folder
        with open(modules_json) as f:
            for m in json.load(f):
                if m.get("path"):
                    os.makedirs(os.path.join(out_dir, m["path"]), exist_ok=True)
    for suffix, (inputs, outputs) in input_sets.items():
        save_npy_dir(os.path.join(out_dir, "reference", "inputs" + suffix), inputs)
        save_npy_dir(os.path.join(out_dir, "reference", "outputs" + suffix), outputs)
    return sorted(sd)


# ----------------------------------------------------------------------------------------
# Text references: what `bertc run DIR --text ...` and bertc::Pipeline must give
# ----------------------------------------------------------------------------------------

SHARED_DATA = os.path.join(os.path.dirname(REPO_ROOT), "shared", "data")
TOKENIZER_FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures", "tokenizer")
# Cases of the tokenizer corpus used as model inputs, with the ids Hugging Face's tokenizer gives
# them (the oracle's expected_vocab.jsonl; bertc's equality with it is tested separately): short
# and long texts (so a batch needs padding), accents, CJK, punctuation, emoji, and two pairs
# (used with models that take token_type_ids).
TEXT_CASES = ("en-simple", "en-paragraph", "fr-accents", "zh-mixed-latin", "punct-ascii-glued",
              "emoji-basic", "pair-simple", "pair-qa")
# sentence-transformers' Pooling config keys, in the order it concatenates the modes.
POOLING_MODES = (("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
                 ("pooling_mode_mean_tokens", "mean"),
                 ("pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len"),
                 ("pooling_mode_weightedmean_tokens", "weightedmean"),
                 ("pooling_mode_lasttoken", "lasttoken"))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def text_cases(with_pairs, oracle_mode=None):
    """[{id, text, pair?, ids, type_ids}] for TEXT_CASES (pairs only when with_pairs), with the
    oracle's ids: bert-base-uncased's (expected_vocab.jsonl), or those of a tokenizer in
    ../shared/data as the Rust `tokenizers` gives them (expected_<oracle_mode>.jsonl, written by
    tools/tokenizer_oracle/models.mjs, e.g. roberta_base)."""
    corpus = {c["id"]: c for c in read_jsonl(os.path.join(TOKENIZER_FIXTURES, "corpus.jsonl"))}
    if oracle_mode is None:
        expected = {c["id"]: c["encodings"] for c in
                    read_jsonl(os.path.join(TOKENIZER_FIXTURES, "expected_vocab.jsonl"))}
    else:
        expected = {c["id"]: c["results"] for c in
                    read_jsonl(os.path.join(TOKENIZER_FIXTURES, f"expected_{oracle_mode}.jsonl"))}
    cases = []
    for cid in TEXT_CASES:
        inp, enc = corpus[cid]["inputs"][0], expected[cid][0]
        if "pair" in inp and not with_pairs:
            continue
        case = {"id": cid, "text": inp["text"]}
        if "pair" in inp:
            case["pair"] = inp["pair"]
        case.update(ids=enc["ids"], type_ids=enc["type_ids"])
        cases.append(case)
    return cases


def sentence_transformers_settings(folder):
    """(pooling modes, normalize) from the folder's modules.json, as sentence-transformers reads
    them; without one, the first token's state ("cls"), not normalized."""
    modes, normalize = ["cls"], False
    path = os.path.join(folder, "modules.json")
    if os.path.isfile(path):
        with open(path) as f:
            for m in json.load(f):
                kind = m["type"].rsplit(".", 1)[-1]
                if kind == "Normalize":
                    normalize = True
                elif kind == "Pooling":
                    with open(os.path.join(folder, m["path"], "config.json")) as g:
                        cfg = json.load(g)
                    modes = [mode for key, mode in POOLING_MODES if cfg.get(key)]
                elif kind != "Transformer":
                    raise ValueError(f"{path}: module {m['type']} is not supported")
    return modes, normalize


def pool(states, mask, modes, normalize):
    """sentence_transformers.models.Pooling (+ Normalize) on [B, S, H] states, [B, S] mask."""
    m = mask.unsqueeze(-1).expand(states.size()).to(states.dtype)
    outs = []
    for mode in modes:
        if mode == "cls":
            outs.append(states[:, 0])
        elif mode == "max":
            t = states.clone()
            t[m == 0] = -1e9
            outs.append(torch.max(t, 1)[0])
        elif mode == "weightedmean":  # sentence-transformers: weights 1..seq, masked
            w = torch.arange(1, states.shape[1] + 1, dtype=states.dtype)[None, :, None] * m
            outs.append(torch.sum(states * w, 1) / torch.clamp(w.sum(1), min=1e-9))
        elif mode == "lasttoken":  # the last position whose mask is 1
            values, indices = mask.flip(1).max(1)
            indices = torch.where(values == 0, states.shape[1] - 1, indices)
            last = states.shape[1] - indices - 1
            outs.append(torch.gather(states * m, 1, last[:, None, None].expand(-1, 1, states.shape[2]))[:, 0])
        else:
            total = torch.sum(states * m, 1)
            count = torch.clamp(m.sum(1), min=1e-9)
            outs.append(total / count if mode == "mean" else total / torch.sqrt(count))
    e = torch.cat(outs, 1)
    return nn.functional.normalize(e, p=2, dim=1) if normalize else e


def text_reference(arch, cfg, model, folder, oracle_mode=None):
    """PyTorch's results for each text case, one text at a time (no padding): a classifier's
    logits and probabilities (softmax, or sigmoid for multi-label / one label, as transformers'
    pipeline), or an encoder's pooled embedding as the folder's sentence-transformers files say."""
    input_names = model_input_names(arch, cfg)
    classifier = arch.endswith("ForSequenceClassification")
    ref = {"arch": arch, "task": "classification" if classifier else "embedding", "cases": []}
    if classifier:
        labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
        sigmoid = cfg.get("problem_type") == "multi_label_classification" or len(labels) == 1
        ref["labels"] = labels
    else:
        modes, normalize = sentence_transformers_settings(folder)
        ref.update(pooling=modes, normalize=normalize)
    for case in text_cases(with_pairs="token_type_ids" in input_names, oracle_mode=oracle_mode):
        ids = torch.tensor([case["ids"]], dtype=torch.long)
        mask = torch.ones_like(ids)
        all_inputs = {"input_ids": ids, "attention_mask": mask,
                      "token_type_ids": torch.tensor([case["type_ids"]], dtype=torch.long)}
        with torch.no_grad():
            out = model(*[all_inputs[n] for n in input_names])[0]
            if classifier:
                logits = out[0]
                probs = torch.sigmoid(logits) if sigmoid else torch.softmax(logits, -1)
                case.update(logits=logits.tolist(), probabilities=probs.tolist())
            else:
                case["embedding"] = pool(out, mask, modes, normalize)[0].tolist()
        ref["cases"].append(case)
    return ref


def write_json(path, obj):
    """A JSON object with one top-level key a line (one list item a line for "cases")."""
    def dump(v):
        return json.dumps(v, ensure_ascii=False)
    lines = []
    for key, value in obj.items():
        if key == "cases":
            items = ",\n".join("  " + dump(c) for c in value)
            lines.append(f" {dump(key)}: [\n{items}\n ]")
        else:
            lines.append(f" {dump(key)}: {dump(value)}")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def minilm_config():
    with open(os.path.join(SHARED_DATA, "all-MiniLM-L6-v2", "config.json")) as f:
        return json.load(f)


# Small text models with the REAL bert-base-uncased vocabulary (30522 embedding rows, so a small
# hidden size keeps each near 1 MB) for the pipeline tests, in tests/fixtures/hf_text/<name>/:
# config.json, model.safetensors, reference.json. The tokenizer and sentence-transformers files
# come from ../shared/data at test time (never copied into the repository): "shared" maps a file
# of the model folder to its source there, "edits" patches a copied JSON file (the tiny encoder's
# pooling dimension). name -> (arch, seed, config overrides, shared, edits)
TEXT_FIXTURES = {
    "bert_cls": ("BertForSequenceClassification", 111, lambda: {
        "vocab_size": 30522, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, **_labels(["negative", "neutral", "positive"])},
        {"vocab.txt": "bert-base-uncased/vocab.txt"}, {}),
    # all-MiniLM-L6-v2's real config (6 layers, GELU, 512 positions) at hidden 12, 3 heads.
    "minilm": ("BertModel", 112, lambda: {
        **minilm_config(), "hidden_size": 12, "num_attention_heads": 3, "intermediate_size": 48},
        {"tokenizer.json": "bert-base-uncased/tokenizer.json",
         "tokenizer_config.json": "all-MiniLM-L6-v2/tokenizer_config.json",
         "modules.json": "all-MiniLM-L6-v2/modules.json",
         "sentence_bert_config.json": "all-MiniLM-L6-v2/sentence_bert_config.json",
         "1_Pooling/config.json": "all-MiniLM-L6-v2/1_Pooling/config.json"},
        {"1_Pooling/config.json": {"word_embedding_dimension": 12}}),
    # all-mpnet-base-v2: its tokenizer.json (WordPiece + RobertaProcessing) and an MPNetModel of
    # its config at hidden 12; its sentence-transformers modules are MiniLM's (Transformer, mean
    # Pooling, Normalize), with its max_seq_length 384.
    "mpnet": ("MPNetModel", 118, lambda: {
        "vocab_size": 30527, "hidden_size": 12, "num_hidden_layers": 2, "num_attention_heads": 3,
        "intermediate_size": 48, "max_position_embeddings": 514, "layer_norm_eps": 1e-5},
        {"tokenizer.json": "all-mpnet-base-v2/tokenizer.json",
         "modules.json": "all-MiniLM-L6-v2/modules.json",
         "sentence_bert_config.json": "all-MiniLM-L6-v2/sentence_bert_config.json",
         "1_Pooling/config.json": "all-MiniLM-L6-v2/1_Pooling/config.json"},
        {"1_Pooling/config.json": {"word_embedding_dimension": 12},
         "sentence_bert_config.json": {"max_seq_length": 384}}),
    # roberta-base's byte-level BPE as vocab.json + merges.txt, under a small RoBERTa classifier.
    "roberta_cls": ("RobertaForSequenceClassification", 121, lambda: {
        "vocab_size": 50265, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, "max_position_embeddings": 514, "type_vocab_size": 1,
        "layer_norm_eps": 1e-5, **_labels(["negative", "positive"])},
        {"vocab.json": "roberta-base/vocab.json", "merges.txt": "roberta-base/merges.txt",
         "tokenizer_config.json": "roberta-base/tokenizer_config.json"}, {}),
    # roberta-base's tokenizer.json under a small RoBERTa encoder with MiniLM's
    # sentence-transformers modules (mean pooling, normalized).
    "roberta": ("RobertaModel", 122, lambda: {
        "vocab_size": 50265, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, "max_position_embeddings": 514, "type_vocab_size": 1,
        "layer_norm_eps": 1e-5},
        {"tokenizer.json": "roberta-base/tokenizer.json",
         "modules.json": "all-MiniLM-L6-v2/modules.json",
         "sentence_bert_config.json": "all-MiniLM-L6-v2/sentence_bert_config.json",
         "1_Pooling/config.json": "all-MiniLM-L6-v2/1_Pooling/config.json"},
        {"1_Pooling/config.json": {"word_embedding_dimension": 8}}),
    # A Unigram / SentencePiece tokenizer (t5-small's tokenizer.json: Precompiled charsmap,
    # Metaspace, "A </s>") under a RoBERTa encoder: XLM-R's layout, pad id 0 as T5's.
    "unigram": ("RobertaModel", 123, lambda: {
        "vocab_size": 32100, "hidden_size": 8, "num_hidden_layers": 2, "num_attention_heads": 2,
        "intermediate_size": 32, "max_position_embeddings": 514, "type_vocab_size": 1,
        "pad_token_id": 0, "layer_norm_eps": 1e-5},
        {"tokenizer.json": "t5-small/tokenizer.json",
         "modules.json": "all-MiniLM-L6-v2/modules.json",
         "sentence_bert_config.json": "all-MiniLM-L6-v2/sentence_bert_config.json",
         "1_Pooling/config.json": "all-MiniLM-L6-v2/1_Pooling/config.json"},
        {"1_Pooling/config.json": {"word_embedding_dimension": 8}}),
}
# fixtures whose ids come from the Rust oracle's expected_<mode>.jsonl
TEXT_ORACLE = {"mpnet": "all_mpnet_base_v2", "roberta_cls": "roberta_base", "roberta": "roberta_base",
               "unigram": "t5_small"}


def assemble_text_folder(fixture_dir, shared, edits, out_dir):
    """The model folder a text fixture stands for: its config and weights plus the shared files."""
    os.makedirs(out_dir, exist_ok=True)
    for f in ("config.json", "model.safetensors"):
        shutil.copyfile(os.path.join(fixture_dir, f), os.path.join(out_dir, f))
    for rel, src in shared.items():
        dst = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(os.path.join(SHARED_DATA, src), dst)
    for rel, patch in edits.items():
        with open(os.path.join(out_dir, rel)) as f:
            j = json.load(f)
        j.update(patch)
        write_json(os.path.join(out_dir, rel), j)


def write_text_fixtures(out_root):
    """tests/fixtures/hf_text/<name>/ for TEXT_FIXTURES; returns [(path, bytes)]."""
    import tempfile
    report = []
    for name, (arch, seed, overrides, shared, edits) in TEXT_FIXTURES.items():
        d = os.path.join(out_root, "hf_text", name)
        cfg = make_config(arch, overrides())
        model = build_model(arch, cfg, seed)
        write_hf_folder(d, arch, cfg, model, {})
        with tempfile.TemporaryDirectory() as tmp:
            assemble_text_folder(d, shared, edits, tmp)
            ref = text_reference(arch, cfg, model, tmp, TEXT_ORACLE.get(name))
        ref.update(shared=shared, edits=edits, seed=seed)
        write_json(os.path.join(d, "reference.json"), ref)
        report.append((os.path.join("hf_text", name), dir_size(d)))
    return report


def write_dense_fixture(out_dir, hidden, inputs, last_hidden_state, seed=119):
    """text_models/dense/: sentence-transformers modules for hf/bert (mean Pooling, a Dense
    hidden -> 20 with Tanh, Normalize) and PyTorch's sentence embeddings of hf/bert's reference
    inputs through them, as sentence-transformers' Pooling, Dense and Normalize compute them."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(os.path.join(out_dir, "1_Pooling"))
    os.makedirs(os.path.join(out_dir, "2_Dense"))
    names = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Dense", "Dense"), ("3_Normalize", "Normalize")]
    with open(os.path.join(out_dir, "modules.json"), "w") as f:
        json.dump([{"idx": i, "name": str(i), "path": p, "type": "sentence_transformers.models." + t}
                   for i, (p, t) in enumerate(names)], f, indent=2)
        f.write("\n")
    write_json(os.path.join(out_dir, "1_Pooling", "config.json"),
               {"word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
                "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False})
    out_features = 20
    write_json(os.path.join(out_dir, "2_Dense", "config.json"),
               {"in_features": hidden, "out_features": out_features, "bias": True,
                "activation_function": "torch.nn.modules.activation.Tanh"})
    gen = torch.Generator().manual_seed(seed)
    linear = nn.Linear(hidden, out_features)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(linear.weight.shape, generator=gen) / math.sqrt(hidden))
        linear.bias.copy_(torch.randn(linear.bias.shape, generator=gen) * 0.05)
    save_safetensors(os.path.join(out_dir, "2_Dense", "model.safetensors"),
                     {"linear.weight": linear.weight.detach().numpy(),
                      "linear.bias": linear.bias.detach().numpy()})
    states = torch.from_numpy(last_hidden_state)
    mask = torch.from_numpy(inputs["attention_mask"]).unsqueeze(-1).float()
    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    with torch.no_grad():
        embeddings = nn.functional.normalize(torch.tanh(linear(pooled)), p=2, dim=1)
    np.save(os.path.join(out_dir, "embeddings.npy"), embeddings.numpy().astype(np.float32))


def write_torch_bin(path, model):
    """torch.save of the state_dict, as transformers' save_pretrained(safe_serialization=False)
    writes pytorch_model.bin, with the same values stored in the forms a reader must handle:
    2-D weights as transposed views (strides (1, rows)) of their storage, the first LayerNorm
    bias in float64, and the int64 position_ids buffer older transformers saved."""
    import collections
    sd = collections.OrderedDict()
    for k, v in model.state_dict().items():
        v = v.detach().clone()
        if v.dim() == 2:
            v = v.t().contiguous().t()
        sd[k] = v
    first_ln_bias = next(k for k in sd if k.endswith("LayerNorm.bias"))
    sd[first_ln_bias] = sd[first_ln_bias].double()
    prefix = next(k for k in sd if k.endswith("embeddings.word_embeddings.weight"))[:-len(
        "embeddings.word_embeddings.weight")]
    n = model.config.max_position_embeddings
    sd[prefix + "embeddings.position_ids"] = torch.arange(n).expand((1, -1))
    torch.save(sd, path)


def write_onnx_fixture(out_dir, name, arch, cfg, seed, opset, onnx_bytes, input_sets,
                       output_names, external=False, hf_checkpoint=None):
    import onnx
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.onnx")
    if external:
        model = onnx.load_from_string(onnx_bytes)
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx.data", size_threshold=0)
    else:
        with open(path, "wb") as f:
            f.write(onnx_bytes)
    shapes = {}
    for suffix, (inputs, outputs) in input_sets.items():
        save_npy_dir(os.path.join(out_dir, "inputs" + suffix), inputs)
        save_npy_dir(os.path.join(out_dir, "outputs" + suffix), outputs)
        first = next(iter(inputs.values()))
        shapes["inputs" + suffix] = {"shape": list(first.shape),
                                     "lengths": [int(x) for x in
                                                 inputs["attention_mask"].sum(axis=1)]}
    meta = {"model": name, "arch": arch, "opset": opset, "config": cfg,
            "inputs": list(next(iter(input_sets.values()))[0]), "outputs": output_names,
            "seed": seed, "shapes": shapes, "external_data": external,
            "hf_checkpoint": hf_checkpoint}
    with open(os.path.join(out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def dir_size(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def cmd_fixtures(out_root, verbose_attrs=False):
    out_root = os.path.abspath(out_root)
    os.makedirs(out_root, exist_ok=True)
    ops_per_opset = {o: set() for o in FIXTURE_OPSETS}
    attrs_per_opset = {o: set() for o in FIXTURE_OPSETS}
    report = []
    # Remove only what this script generates, so stale files never linger.
    owned = [f"{n}_opset{o}" for n in FIXTURES for o in FIXTURE_OPSETS]
    owned += ["bert_opset14_external"] + [os.path.join("hf", n) for n in HF_FIXTURES]
    owned += [os.path.join("hf_text", n) for n in TEXT_FIXTURES]
    owned += [os.path.join("hf", n) for n in OUTLIER_FIXTURES]
    for d in owned:
        shutil.rmtree(os.path.join(out_root, d), ignore_errors=True)

    for name, (arch, seed, overrides) in FIXTURES.items():
        cfg = make_config(arch, overrides)
        model = build_model(arch, cfg, seed)
        input_names, output_names = model_input_names(arch, cfg), ARCHS[arch][3]
        in1 = make_inputs(cfg, input_names, 3, 11, [11, 7, 4], seed + 1000)
        seq2 = SECOND_SEQ.get(name, 17)
        in2 = make_inputs(cfg, input_names, 1, seq2, [seq2], seed + 2000)
        input_sets = {"": (in1, run_reference(model, in1, output_names)),
                      "_2": (in2, run_reference(model, in2, output_names))}
        hf_rel = None
        if name in HF_FIXTURES:
            hf_rel = "hf/" + name
            write_hf_folder(os.path.join(out_root, "hf", name), arch, cfg, model, input_sets)
            if name in HF_BIN_FIXTURES:
                write_torch_bin(os.path.join(out_root, "hf", name, "pytorch_model.bin"), model)
            if name == "bert":
                write_dense_fixture(os.path.join(out_root, "text_models", "dense"), cfg["hidden_size"],
                                    in1, input_sets[""][1]["last_hidden_state"])
                report.append(("text_models/dense", dir_size(os.path.join(out_root, "text_models", "dense")), None))
            report.append((hf_rel, dir_size(os.path.join(out_root, "hf", name)), None))
        for opset in FIXTURE_OPSETS:
            onnx_bytes = export_onnx(model, in1, output_names, opset)
            variants = [(f"{name}_opset{opset}", False)]
            if name == "bert" and opset == 14:
                variants.append(("bert_opset14_external", True))
            for fixture, external in variants:
                d = os.path.join(out_root, fixture)
                path = write_onnx_fixture(d, name, arch, cfg, seed, opset, onnx_bytes,
                                          input_sets, output_names, external, hf_rel)
                ops = check_onnx(path)
                ops_per_opset[opset].update(ops)
                attrs_per_opset[opset].update(onnx_attr_summary(path))
                report.append((fixture, dir_size(d), ops))

    for name, (arch, seed, overrides) in OUTLIER_FIXTURES.items():
        cfg = make_config(arch, overrides)
        model = build_model(arch, cfg, seed)
        plant_outliers(model)
        input_names, output_names = model_input_names(arch, cfg), ARCHS[arch][3]
        in1 = make_inputs(cfg, input_names, 3, 11, [11, 7, 4], seed + 1000)
        in2 = make_inputs(cfg, input_names, 1, 17, [17], seed + 2000)
        input_sets = {"": (in1, run_reference(model, in1, output_names)),
                      "_2": (in2, run_reference(model, in2, output_names))}
        write_hf_folder(os.path.join(out_root, "hf", name), arch, cfg, model, input_sets)
        report.append(("hf/" + name, dir_size(os.path.join(out_root, "hf", name)), None))

    if os.path.isdir(SHARED_DATA):
        report += [(path, size, None) for path, size in write_text_fixtures(out_root)]
    else:
        print(f"hf_text/ fixtures skipped: {SHARED_DATA} (the real vocabulary) is missing")
    for fixture, size, ops in report:
        print(f"{fixture:28s} {size / 1024:8.1f} KiB" + (f"  ops: {' '.join(ops)}" if ops else ""))
    for opset in FIXTURE_OPSETS:
        print(f"opset {opset} op types ({len(ops_per_opset[opset])}): "
              f"{' '.join(sorted(ops_per_opset[opset]))}")
    if verbose_attrs:
        for opset in FIXTURE_OPSETS:
            print(f"opset {opset} attribute forms:")
            for a in sorted(attrs_per_opset[opset]):
                print("   ", a)
    print(f"total {dir_size(out_root) / 1024:.1f} KiB in {out_root}")


def load_config_arg(text, arch):
    """--config: a config.json path or a preset name -> (arch, overrides)."""
    if text is None:
        if arch is None:
            raise SystemExit("--arch is needed when --config is not given")
        return arch, FIXTURES[TINY_FOR_ARCH[arch]][2]
    if text in FULL:
        preset_arch, overrides = FULL[text]
    elif text in FIXTURES:
        preset_arch, _, overrides = FIXTURES[text]
    elif os.path.isfile(text):
        try:
            with open(text) as f:
                overrides = json.load(f)
        except (OSError, json.JSONDecodeError) as e:
            raise SystemExit(f"--config {text!r}: cannot read it: {e}")
        if not isinstance(overrides, dict) or "model_type" not in overrides:
            raise SystemExit(f"--config {text!r}: not a Hugging Face config.json "
                             "(no model_type)")
        preset_arch = next((a for a in overrides.get("architectures", []) if a in ARCHS), None)
    else:
        raise SystemExit(f"--config {text!r}: no such file or preset "
                         f"({', '.join(list(FULL) + list(FIXTURES))})")
    arch = arch or preset_arch
    if arch is None:
        raise SystemExit(f"--config {text!r} names no supported architecture; give --arch")
    return arch, overrides


def write_texts_reference(args, arch, cfg, model):
    """--texts: DIR/reference/texts.json (see text_reference) for tools/check_text_model.py."""
    if args.texts:
        path = os.path.join(args.hf_out, "reference", "texts.json")
        write_json(path, text_reference(arch, cfg, model, args.hf_out))
        print(f"{path}: PyTorch's results for {len(TEXT_CASES)} corpus texts")


def config_overrides(args, overrides):
    """--labels NAME,NAME,... as id2label / label2id."""
    if args.labels:
        overrides = {**overrides, **_labels(args.labels.split(","))}
    return overrides


def cmd_hf(args):
    arch, overrides = load_config_arg(args.config, args.arch)
    cfg = make_config(arch, config_overrides(args, overrides))
    model = build_model(arch, cfg, args.seed)
    input_names, output_names = model_input_names(arch, cfg), ARCHS[arch][3]
    vocab_file = None
    for d in args.vocab:
        if os.path.isfile(os.path.join(d, "vocab.txt")):
            vocab_file = os.path.join(d, "vocab.txt")
    batch = args.batch or 3
    seq = args.seq or 11
    lengths = parse_lengths(args.lengths) or ([11, 7, 4] if (batch, seq) == (3, 11)
                                              else default_lengths(batch, seq))
    inputs = make_inputs(cfg, input_names, batch, seq, lengths, args.seed + 1000, vocab_file)
    outputs = run_reference(model, inputs, output_names)
    keys = write_hf_folder(args.hf_out, arch, cfg, model, {"": (inputs, outputs)}, args.vocab)
    write_texts_reference(args, arch, cfg, model)
    print(f"{args.hf_out}: {arch}, {len(keys)} tensors, "
          f"{dir_size(args.hf_out) / 1e6:.1f} MB; inputs {list(inputs)} {list(inputs['input_ids'].shape)}")


def cmd_full(args):
    if not args.out:
        raise SystemExit("--full needs --out DIR")
    arch, overrides = FULL[args.full]
    arch = args.arch or arch
    cfg = make_config(arch, config_overrides(args, overrides))
    model = build_model(arch, cfg, args.seed)
    input_names, output_names = model_input_names(arch, cfg), ARCHS[arch][3]
    batch, seq = args.batch or 1, args.seq or 128
    lengths = parse_lengths(args.lengths) or default_lengths(batch, seq)
    inputs = make_inputs(cfg, input_names, batch, seq, lengths, args.seed + 1000)
    outputs = run_reference(model, inputs, output_names)
    onnx_bytes = export_onnx(model, inputs, output_names, args.opset)
    os.makedirs(args.out, exist_ok=True)
    path = write_onnx_fixture(args.out, args.full, arch, cfg, args.seed, args.opset, onnx_bytes,
                              {"": (inputs, outputs)}, output_names)
    ops = check_onnx(path)
    print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB, ops: {' '.join(ops)}")
    if args.hf_out:
        write_hf_folder(args.hf_out, arch, cfg, model, {"": (inputs, outputs)}, args.vocab)
        write_texts_reference(args, arch, cfg, model)
        print(f"{args.hf_out}: HF checkpoint with the same weights")


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="tools/make_models.py", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--fixtures", action="store_true",
                      help="write the small committed fixtures (default mode)")
    mode.add_argument("--full", choices=sorted(FULL),
                      help="a full-size model with random weights to --out DIR")
    p.add_argument("--out", help="output folder (default for --fixtures: tests/fixtures)")
    p.add_argument("--hf-out", metavar="DIR", help="write a Hugging Face checkpoint folder")
    p.add_argument("--arch", choices=sorted(ARCHS),
                   help="architecture for --hf-out (or instead of a --full preset's)")
    p.add_argument("--config", help="config.json path or preset name for --hf-out")
    p.add_argument("--vocab", action="append", default=[], metavar="SRC_DIR",
                   help="copy tokenizer files from this folder (repeatable)")
    p.add_argument("--labels", help="comma-separated label names of a classifier (id order)")
    p.add_argument("--texts", action="store_true",
                   help="--hf-out: also write reference/texts.json (PyTorch's results on "
                        "corpus texts) for tools/check_text_model.py")
    p.add_argument("--batch", type=int, help="batch of the reference inputs")
    p.add_argument("--seq", type=int, help="sequence length of the reference inputs")
    p.add_argument("--lengths", help="comma-separated real-token counts per row")
    p.add_argument("--opset", type=int, default=14, help="ONNX opset for --full (default 14)")
    p.add_argument("--seed", type=int, default=1234, help="weight seed (default 1234)")
    p.add_argument("--attrs", action="store_true",
                   help="--fixtures: also print the attribute forms of notable ops")
    args = p.parse_args(argv)

    torch.set_grad_enabled(False)
    try:
        if args.full:
            cmd_full(args)
        elif args.hf_out and not args.fixtures:
            cmd_hf(args)
        else:
            if args.hf_out or args.arch or args.config or args.labels or args.texts:
                p.error("--hf-out/--arch/--config/--labels/--texts do not apply to --fixtures")
            cmd_fixtures(args.out or os.path.join(REPO_ROOT, "tests", "fixtures"), args.attrs)
    except ValueError as e:
        raise SystemExit(f"make_models.py: error: {e}")


if __name__ == "__main__":
    main()
