#!/usr/bin/env bash
# The main job: set up, build, compile a BERT model with bertc and time it.
#   tools/quickstart.sh                 # built-in default: BERT-base (random weights), 1 x 128
#   tools/quickstart.sh MODEL.onnx [--batch B --seq S ...]   # your ONNX export
#   tools/quickstart.sh HF_FOLDER [...]                      # or a Hugging Face model folder
# Extra arguments go to `bertc bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh

model="${1:-}"
if [ -n "$model" ] && [ "${model#--}" = "$model" ]; then
  shift
else
  model=build/models/bert-base/model.onnx
  if [ ! -f "$model" ]; then
    # No pretrained weights can be downloaded here: the default is BERT-base's real
    # architecture with random weights, exported by PyTorch (Debian's python3-torch).
    if ! /usr/bin/python3 -c "import torch, onnx" 2>/dev/null; then
      SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-torch python3-onnx python3-numpy
    fi
    /usr/bin/python3 tools/make_models.py --full bert-base --out build/models/bert-base
  fi
fi
build/bertc compile "$model" -o build/model.bertc -O3
build/bertc bench build/model.bertc --batch 1 --seq 128 "$@"
