"""`pip install --no-build-isolation ./python` into a fresh venv (with Debian's packages: numpy,
setuptools, wheel) installs a bertc that imports and runs from outside the source tree."""
import os
import subprocess
import sys

import numpy as np
import pytest

import bertc
from conftest import BINARY, SOURCE


@pytest.mark.skipif(subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0,
                    reason="pip is not installed (tools/setup.sh installs python3-pip)")
def test_pip_install_into_a_venv(embedder, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["BERTC_BUILD_DIR"] = str(BINARY)  # the module built already: the install copies it
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "--no-build-isolation", "--no-index", str(SOURCE / "python")],
                         env=env, capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    script = ("import sys, bertc, numpy; assert bertc.__file__.startswith(sys.prefix), bertc.__file__; "
              f"numpy.save(sys.argv[1], bertc.SentenceTransformer({str(embedder)!r}).encode(['a text', 'another']))")
    out = tmp_path / "vectors.npy"
    subprocess.run([str(venv / "bin" / "python"), "-c", script, str(out)], env=env, cwd=tmp_path, check=True)
    np.testing.assert_allclose(np.load(out), bertc.SentenceTransformer(embedder).encode(["a text", "another"]), atol=1e-6)
