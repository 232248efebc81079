#!/usr/bin/env bash
# Installs bertc's build and test dependencies from Debian 12 packages (and, for the
# side-by-side benchmark and tokenizer oracle, npm packages), then configures and builds.
# Usage: tools/setup.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

PKGS=(
  cmake g++ ninja-build pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler   # ONNX frontend
  libonnx-testdata                                # ONNX conformance node tests
  nlohmann-json3-dev                              # bundle metadata, tokenizer.json, config.json
  libcli11-dev                                    # the bertc command line
  libgtest-dev libgmock-dev                       # tests
  libbenchmark-dev                                # kernel benchmarks
  libxxhash-dev                                   # bundle checksum
  libutf8proc-dev                                 # tokenizer: Unicode NFD, categories
  libonig-dev                                     # tokenizer: Oniguruma regexes (as `tokenizers`)
  libdnnl-dev                                     # optional second GEMM backend (--gemm=onednn)
  libboost-dev                                    # Beast / Asio: bertc serve's HTTP
  wrk                                             # bench/serve_load.sh's load generator
  python3-dev pybind11-dev python3-numpy          # the Python package (build/python)
  python3-pip python3-venv python3-setuptools python3-wheel python3-build  # pip install ./python
  python3-tqdm                                    # its progress bars
  python3-distributed python3-pandas              # bertc.dask (Dask bags and dataframes)
  python3-pytest                                  # its tests
  clang libclang-rt-14-dev libomp-dev             # libFuzzer + sanitizers (tools/fuzz.sh)
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi

if [ "${1:-}" != "--no-build" ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
  cmake --build build -j"$(nproc)"
fi
