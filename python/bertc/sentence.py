"""bertc.SentenceTransformer and bertc.CrossEncoder: sentence-transformers' encode / predict /
rank on a bertc model, with the library's token-budget batches (no work on padding)."""
import numpy as np

from . import _bertc
from .progress import progress_bar


class SentenceTransformer:
    """An embedding model: a Hugging Face folder (with its sentence-transformers files) or a
    .bertc bundle compiled from one."""

    def __init__(self, model_name_or_path, threads=None, max_batch_tokens=4096):
        self._pipeline = _bertc.Pipeline(str(model_name_or_path), max_batch_tokens, threads or 0)
        if self._pipeline.task != "embedding":
            raise _bertc.Error(f"{model_name_or_path}: is a classifier; use bertc.CrossEncoder or bertc.pipeline")
        self._dim = None

    @property
    def max_seq_length(self):
        return self._pipeline.max_length

    def get_sentence_embedding_dimension(self):
        if self._dim is None:
            self._dim = int(self._pipeline.embed(["x"]).shape[1])
        return self._dim

    def encode(self, sentences, batch_size=32, show_progress_bar=None, output_value="sentence_embedding",
               convert_to_numpy=True, normalize_embeddings=False):
        """Embeds a str (1-D result) or a list of str (2-D). The model's own Normalize module
        applies as in sentence-transformers; normalize_embeddings=True forces unit length."""
        if output_value != "sentence_embedding":
            raise _bertc.Error(f"output_value {output_value!r} is not supported (sentence_embedding)")
        single = isinstance(sentences, str)
        texts = [sentences] if single else list(sentences)
        normalize = True if normalize_embeddings else None
        if show_progress_bar:
            parts = []
            chunk = max(batch_size, 1) * 8  # token-budget batches form inside each chunk
            with progress_bar(len(texts), "Batches") as bar:
                for start in range(0, len(texts), chunk):
                    parts.append(self._pipeline.embed(texts[start:start + chunk], normalize))
                    bar.update(len(parts[-1]))
            out = np.concatenate(parts) if parts else np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
        else:
            out = self._pipeline.embed(texts, normalize)
        if single:
            out = out[0]
        return out if convert_to_numpy else list(out)


class CrossEncoder:
    """A cross-encoder (a sequence classifier scoring text pairs): predict(pairs), rank(query, docs)."""

    def __init__(self, model_name_or_path, threads=None, max_batch_tokens=4096):
        self._pipeline = _bertc.Pipeline(str(model_name_or_path), max_batch_tokens, threads or 0)
        if self._pipeline.task != "classification":
            raise _bertc.Error(f"{model_name_or_path}: is not a classifier; a CrossEncoder scores pairs")

    def predict(self, sentences, batch_size=32, show_progress_bar=None, apply_softmax=False,
                convert_to_numpy=True):
        """Scores [text, pair] pairs: one score each for a one-label model (its sigmoid, as
        sentence-transformers' default activation), else the logits (softmax with
        apply_softmax). A single pair gives a scalar / 1-D result."""
        single = len(sentences) == 2 and all(isinstance(s, str) for s in sentences)
        pairs = [sentences] if single else [list(p) for p in sentences]
        logits, probs = self._pipeline.classify([p[0] for p in pairs], [p[1] for p in pairs])
        if logits.shape[1] == 1:
            scores = probs[:, 0]
        elif apply_softmax:
            scores = probs
        else:
            scores = logits
        if single:
            scores = scores[0]
        return scores if convert_to_numpy else scores.tolist()

    def rank(self, query, documents, top_k=None, return_documents=False, batch_size=32):
        """[{"corpus_id", "score"[, "text"]}] best first, as sentence-transformers' rank() (a
        one-label model only)."""
        if len(self._pipeline.labels) != 1:
            raise _bertc.Error(f"rank() needs a one-label cross-encoder; this model has {len(self._pipeline.labels)} labels")
        scores = self.predict([[query, d] for d in documents], batch_size=batch_size)
        order = sorted(range(len(documents)), key=lambda i: -float(scores[i]))
        ranks = []
        for i in order[:top_k]:
            r = {"corpus_id": i, "score": float(scores[i])}
            if return_documents:
                r["text"] = documents[i]
            ranks.append(r)
        return ranks
