"""bertc: BERT-family inference on x86-64 CPUs, in the shapes Python users know.

    import bertc
    model = bertc.SentenceTransformer("all-MiniLM-L6-v2/")      # a folder or a .bertc bundle
    vectors = model.encode(["A sentence", "Another one"])         # numpy [2, dim]
    clf = bertc.pipeline("text-classification", model="my-classifier/")
    clf("I loved it")                                            # [{"label": ..., "score": ...}]
    sess = bertc.InferenceSession("model.bertc")                 # onnxruntime's API
    sess.run(None, {"input_ids": ids, "attention_mask": mask})

Threads: a SentenceTransformer, CrossEncoder, pipeline or InferenceSession may be shared by
threads; their calls release the GIL and take turns on the model (one model runs one batch at a
time, on all its threads). For parallel work give each thread its own object. Errors from the
library are bertc.Error (a ValueError) with its message.
"""
from ._bertc import Error, Model
from . import _bertc
from .session import InferenceSession
from .sentence import SentenceTransformer, CrossEncoder
from .pipelines import pipeline
from .tokenizer import Tokenizer

__all__ = ["Error", "Model", "compile", "load", "InferenceSession", "SentenceTransformer",
           "CrossEncoder", "pipeline", "Tokenizer"]


def compile(model_path, output=None, opt_level: int = 3, fast_math: bool = True,
            precision: str = "fp32") -> Model:
    """Compiles an ONNX model or a Hugging Face folder (-O opt_level 0..3; fast_math: fast
    approximate erf / exp / tanh; precision "fp32", "int8": int8 weights per channel and
    activations per token in the dense layers, or "bf16": bf16 weights and float32 sums, on CPUs
    with avx512_bf16) and saves the bundle to `output` if given.
    Returns the Model."""
    model = _bertc.compile(str(model_path), opt_level=opt_level, fast_math=fast_math, precision=precision)
    if output is not None:
        model.save(str(output))
    return model


def load(path) -> Model:
    """Loads a .bertc bundle (or compiles a model folder)."""
    return _bertc.load(str(path))
