"""bertc.dask on a real Dask cluster on loopback: a LocalCluster of 2 worker processes, and a
scheduler plus 2 worker processes started with `dask scheduler` / `dask worker` running
examples/dask_embed.py. Results equal one process's encode; each worker loads the model once."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import bertc
import bertc.dask
from conftest import SOURCE

distributed = pytest.importorskip("distributed", reason="python3-distributed is not installed (tools/setup.sh installs it)")
import dask.bag as db  # noqa: E402

WORDS = "the model reads each word of a long passage and answers every query with one vector".split()


def corpus(n=2000):
    """n texts of 1 to 60 words."""
    rng = np.random.default_rng(7)
    return [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 61)))) for _ in range(n)]


@pytest.fixture(scope="module")
def texts():
    return corpus()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def check_each_worker_loaded_once(client, partitions):
    stats = client.run(bertc.dask.worker_stats)
    assert len(stats) == 2
    assert sum(s.get("partitions", 0) for s in stats.values()) >= partitions
    for s in stats.values():
        assert s.get("loads", 0) == (1 if s.get("partitions", 0) else 0), stats


def test_local_cluster_bag(client, embedder, texts):
    want = bertc.SentenceTransformer(embedder).encode(texts)
    got = bertc.dask.encode(db.from_sequence(texts, npartitions=16), embedder)
    np.testing.assert_allclose(got.compute(), want, atol=1e-6)
    check_each_worker_loaded_once(client, 16)
    unit = bertc.dask.encode(db.from_sequence(texts[:100], npartitions=4), embedder, normalize_embeddings=True)
    np.testing.assert_allclose(unit.compute(), bertc.SentenceTransformer(embedder).encode(texts[:100], normalize_embeddings=True),
                               atol=1e-6)


def test_local_cluster_npy_and_dataframe(client, embedder, texts, tmp_path):
    dd = pytest.importorskip("dask.dataframe", reason="dask.dataframe needs python3-pandas")
    import pandas as pd
    frame = dd.from_pandas(pd.DataFrame({"text": texts, "n": range(len(texts))}), npartitions=5)
    paths = bertc.dask.encode(frame["text"], embedder, output_dir=tmp_path / "out")
    assert [os.path.basename(p) for p in paths] == [f"part-{i:05d}.npy" for i in range(5)]
    got = np.concatenate([np.load(p) for p in paths])
    np.testing.assert_allclose(got, bertc.SentenceTransformer(embedder).encode(texts), atol=1e-6)


def test_errors_name_the_problem(client, embedder):
    with pytest.raises(TypeError, match="dask.bag.Bag"):
        bertc.dask.encode(["a list"], embedder)
    with pytest.raises(TypeError, match="int, not str"):
        bertc.dask.encode(db.from_sequence(["a", 3], npartitions=1), embedder).compute()
    with pytest.raises(bertc.Error, match="no_such_model"):
        bertc.dask.encode(db.from_sequence(["a"], npartitions=1), str(embedder) + "/no_such_model").compute()


def test_scheduler_and_workers_from_the_command_line(embedder, texts, tmp_path):
    """`dask scheduler` and `dask worker tcp://...` (2 processes) as separate commands, and the
    example script connecting to them."""
    corpus_file = tmp_path / "corpus.txt"
    corpus_file.write_text("\n".join(texts) + "\n")
    scheduler_file = tmp_path / "scheduler.json"
    dask_cli = [sys.executable, "-m", "dask"]
    procs = [subprocess.Popen(dask_cli + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                          "--scheduler-file", str(scheduler_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline, "dask scheduler did not start in 60 s"
            assert procs[0].poll() is None, "dask scheduler exited"
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(subprocess.Popen(dask_cli + ["worker", address, "--nworkers", "2", "--nthreads", "1",
                                                  "--host", "127.0.0.1", "--no-dashboard"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        out = tmp_path / "vectors"
        run = subprocess.run([sys.executable, str(SOURCE / "examples" / "dask_embed.py"), str(embedder),
                              str(corpus_file), "--scheduler", address, "--workers", "2", "--partitions", "8",
                              "--output-dir", str(out)], capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        report = json.loads(run.stdout.splitlines()[-1])
        assert report["texts"] == len(texts) and report["workers"] == 2
        assert all(s["loads"] == 1 for s in report["worker_stats"].values() if s.get("partitions")), report
        got = np.concatenate([np.load(out / f"part-{i:05d}.npy") for i in range(8)])
        np.testing.assert_allclose(got, bertc.SentenceTransformer(embedder).encode(texts), atol=1e-6)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
