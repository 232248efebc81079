"""bertc.InferenceSession: onnxruntime.InferenceSession's API on a bertc model."""
from . import _bertc

_ORT_TYPES = {"float32": "tensor(float)", "float64": "tensor(double)", "int8": "tensor(int8)",
              "uint8": "tensor(uint8)", "int32": "tensor(int32)", "int64": "tensor(int64)",
              "bool": "tensor(bool)"}


class NodeArg:
    """An input or output as onnxruntime describes it: name, type ("tensor(int64)"), shape."""

    def __init__(self, name, type, shape):
        self.name, self.type, self.shape = name, type, shape

    def __repr__(self):
        return f"NodeArg(name={self.name!r}, type={self.type!r}, shape={self.shape!r})"


def _dim(d):
    return int(d) if d.isdigit() else d


class InferenceSession:
    """Runs a .bertc bundle, an ONNX model or a Hugging Face folder (compiled on load).

    `providers` and `sess_options` are accepted for onnxruntime compatibility and ignored;
    `threads` (default: the CPUs this process may use) sets the library's thread count.
    One difference from onnxruntime: a right-padded batch runs packed, so per-token outputs
    (last_hidden_state) have zero rows at the padding where onnxruntime has the values the
    model computes there (which attention never reads)."""

    def __init__(self, path, sess_options=None, providers=None, threads=None, **_):
        if isinstance(path, _bertc.Model):
            raise _bertc.Error("InferenceSession takes a path: save() the Model and pass its path")
        self._session = _bertc.Session(str(path), threads or 0)
        self._outputs = self._session.output_names()

    def get_inputs(self):
        return [NodeArg(n, _ORT_TYPES[t], [_dim(d) for d in dims]) for n, t, dims in self._session.inputs()]

    def get_outputs(self):
        return [NodeArg(n, "tensor(float)", None) for n in self._outputs]

    def get_providers(self):
        return ["CPUExecutionProvider"]

    def run(self, output_names, input_feed, run_options=None):
        """Returns the outputs named (all when None) as numpy arrays, in that order."""
        outputs = self._session.run(dict(input_feed))
        if output_names is None:
            return outputs
        index = {n: i for i, n in enumerate(self._outputs)}
        missing = [n for n in output_names if n not in index]
        if missing:
            raise _bertc.Error(f"no output named {missing[0]!r} (outputs: {', '.join(self._outputs)})")
        return [outputs[index[n]] for n in output_names]
