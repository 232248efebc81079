"""bertc.pipeline: transformers' text-classification and feature-extraction pipelines."""
import numpy as np

from . import _bertc


class TextClassificationPipeline:
    """Called like transformers' pipeline("text-classification"): a str, a {"text",
    "text_pair"} dict or a list of them; top_k (default 1: the best label; None: all, best
    first) and function_to_apply ("softmax", "sigmoid", "none"; default: the model's, sigmoid
    for one label or multi-label, else softmax)."""

    def __init__(self, pipeline):
        self._p = pipeline

    def __call__(self, inputs, top_k=1, function_to_apply=None, **_):
        single = isinstance(inputs, (str, dict))
        items = [inputs] if single else list(inputs)
        texts, pairs = [], []
        for it in items:
            if isinstance(it, dict):
                texts.append(it["text"])
                pairs.append(it.get("text_pair"))
            else:
                texts.append(it)
                pairs.append(None)
        logits, probs = self._p.classify(texts, pairs)
        if function_to_apply in (None, "default"):
            scores = probs
        elif function_to_apply == "softmax":
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            scores = e / e.sum(axis=1, keepdims=True)
        elif function_to_apply == "sigmoid":
            scores = 1.0 / (1.0 + np.exp(-logits))
        elif function_to_apply == "none":
            scores = logits
        else:
            raise _bertc.Error(f"function_to_apply {function_to_apply!r}: use softmax, sigmoid or none")
        labels = self._p.labels
        results = []
        for row in scores:
            order = np.argsort(-row, kind="stable")
            ranked = [{"label": labels[k], "score": float(row[k])} for k in order]
            results.append(ranked[0] if top_k == 1 else ranked[:top_k])
        if single:
            return [results[0]] if top_k == 1 else results[0]
        return results


class TokenClassificationPipeline:
    """pipeline("token-classification") (also "ner"): per text a list of entities as
    transformers gives them: {"entity", "score", "index", "word", "start", "end"} per token with
    aggregation_strategy="none" (the default), or {"entity_group", "score", "word", "start",
    "end"} with "simple", "first", "average" or "max". "O" is left out."""

    def __init__(self, pipeline, aggregation_strategy="none"):
        self._p = pipeline
        self._aggregation = aggregation_strategy

    def __call__(self, inputs, aggregation_strategy=None, **_):
        single = isinstance(inputs, str)
        out = self._p.token_classify([inputs] if single else list(inputs),
                                     str(aggregation_strategy or self._aggregation).lower())
        return out[0] if single else out


class FeatureExtractionPipeline:
    """pipeline("feature-extraction"): the sentence embedding of each text (the model's
    pooling), as a nested list like transformers' [[vector]] per text."""

    def __init__(self, pipeline):
        self._p = pipeline

    def __call__(self, inputs, **_):
        single = isinstance(inputs, str)
        out = self._p.embed([inputs] if single else list(inputs), None)
        return [[v.tolist()] for v in out][0] if single else [[v.tolist()] for v in out]


def pipeline(task, model, threads=None, max_batch_tokens=4096, aggregation_strategy="none", **_):
    """transformers.pipeline for "text-classification" (also "sentiment-analysis"),
    "token-classification" (also "ner") and "feature-extraction", on a Hugging Face folder or a
    .bertc bundle."""
    p = _bertc.Pipeline(str(model), max_batch_tokens, threads or 0)
    if task in ("token-classification", "ner"):
        if p.task != "token_classification":
            raise _bertc.Error(f"{model}: is not a token classifier (task {task!r})")
        return TokenClassificationPipeline(p, aggregation_strategy)
    if task in ("text-classification", "sentiment-analysis"):
        if p.task != "classification":
            raise _bertc.Error(f"{model}: is not a classifier (task {task!r})")
        return TextClassificationPipeline(p)
    if task == "feature-extraction":
        return FeatureExtractionPipeline(p)
    raise _bertc.Error(f"task {task!r} is not supported (text-classification, token-classification, "
                       "feature-extraction)")
