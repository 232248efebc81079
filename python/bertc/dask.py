"""bertc.dask: embed a corpus on a Dask cluster (Debian's python3-distributed), one task per
partition.

    from dask.distributed import Client, LocalCluster
    import dask.bag as db
    import bertc.dask

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    texts = db.read_text("corpus.txt").map(str.rstrip)
    vectors = bertc.dask.encode(texts, "model.bertc")           # a dask.array [n, dim], lazy
    vectors.compute()
    bertc.dask.encode(texts, "model.bertc", output_dir="out/")  # out/part-00000.npy ... (computed)

The texts are a dask.bag.Bag of str or a dask.dataframe Series (a text column). Each worker
process loads the model once (worker_model: a cache per process, shared by its threads) and
embeds each partition with the library's token-budget batches, on as many threads as the worker
has (its --nthreads): the worker's tasks take turns on the one model. The model path must be
readable by every worker (a shared file system, or the same path copied to each host), as must
output_dir.
"""
import os
import threading
from collections import Counter
from typing import List, Optional, Union

import numpy as np

from .sentence import SentenceTransformer

__all__ = ["encode", "worker_model", "worker_stats"]

_models = {}
_lock = threading.Lock()
_stats = Counter()  # "loads" and "partitions" of this process, for worker_stats()


def _worker_threads() -> int:
    """The threads of the Dask worker running this task (0, the library's default, outside one)."""
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):
        return 0
    state = getattr(worker, "state", None)  # distributed >= 2022.11 keeps nthreads there
    return int(state.nthreads if state is not None else worker.nthreads)


def worker_model(model_path: str, threads: Optional[int] = None, max_batch_tokens: int = 4096) -> SentenceTransformer:
    """This process's SentenceTransformer for model_path, loaded on first use."""
    threads = _worker_threads() if threads is None else threads
    key = (os.path.abspath(model_path), threads, max_batch_tokens)
    with _lock:  # one load per process, even when several tasks start at once
        model = _models.get(key)
        if model is None:
            model = SentenceTransformer(model_path, threads=threads, max_batch_tokens=max_batch_tokens)
            _models[key] = model
            _stats["loads"] += 1
    return model


def worker_stats() -> dict:
    """{"loads": models loaded, "partitions": partitions embedded} in this process; on a cluster,
    client.run(bertc.dask.worker_stats) gives each worker's."""
    with _lock:
        return dict(_stats)


def _texts_of(partition) -> List[str]:
    texts = partition.tolist() if hasattr(partition, "tolist") else list(partition)  # a pandas Series or a list
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise TypeError(f"bertc.dask.encode: text {i} of a partition is {type(t).__name__}, not str")
    return texts


def _encode_partition(partition, model_path, options, index=None, output_dir=None):
    model = worker_model(model_path, options["threads"], options["max_batch_tokens"])
    vectors = model.encode(_texts_of(partition), normalize_embeddings=options["normalize_embeddings"])  # [0, dim] when empty
    with _lock:
        _stats["partitions"] += 1
    if output_dir is None:
        return vectors
    path = os.path.join(output_dir, f"part-{index:05d}.npy")
    np.save(path, vectors)
    return path


def _dimension(model_path, options):
    return worker_model(model_path, options["threads"], options["max_batch_tokens"]).get_sentence_embedding_dimension()


def _partitions(texts):
    """The delayed partitions of a Bag or a dataframe Series."""
    import dask.bag
    if isinstance(texts, dask.bag.Bag) or isinstance(texts, _series_type()):
        return texts.to_delayed()
    raise TypeError(f"bertc.dask.encode takes a dask.bag.Bag of str or a dask.dataframe Series, not {type(texts).__name__}")


def _series_type():
    try:
        import dask.dataframe  # needs pandas
        return dask.dataframe.Series
    except ImportError:
        return ()


def encode(texts, model_path: str, *, output_dir: Optional[str] = None, normalize_embeddings: bool = False,
           threads: Optional[int] = None, max_batch_tokens: int = 4096) -> Union["dask.array.Array", List[str]]:
    """Embeds every text of a Bag or Series with the model at model_path (a folder or a .bertc
    bundle), partition by partition, on the current Dask scheduler (the active Client).

    Without output_dir: a lazy dask.array [texts, dim] float32, one chunk per partition, in the
    input's order (its row counts are unknown until computed). With output_dir: computes now,
    writes partition i's rows to output_dir/part-{i:05d}.npy and returns the paths in order.
    threads: the model's threads on each worker (default: the worker's nthreads)."""
    import dask
    import dask.array as da

    options = {"threads": threads, "max_batch_tokens": max_batch_tokens, "normalize_embeddings": normalize_embeddings}
    parts = _partitions(texts)
    model_path = str(model_path)
    if output_dir is not None:
        output_dir = str(output_dir)
        os.makedirs(output_dir, exist_ok=True)
        tasks = [dask.delayed(_encode_partition)(p, model_path, options, i, output_dir) for i, p in enumerate(parts)]
        return list(dask.compute(*tasks))
    dim = dask.delayed(_dimension)(model_path, options).compute()
    chunks = [da.from_delayed(dask.delayed(_encode_partition)(p, model_path, options), shape=(np.nan, dim),
                              dtype=np.float32) for p in parts]
    return da.concatenate(chunks, axis=0) if chunks else da.zeros((0, dim), dtype=np.float32)
