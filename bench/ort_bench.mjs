// ONNX Runtime side of the comparison: node bench/ort_bench.mjs MODEL.onnx BATCH SEQ RUNS WARMUP THREADS
// Prints {"engine": "onnxruntime", "times_ms": [...]} on one line. Inputs are made exactly
// like `bertc bench` makes them (token ids in [3, 100), a full mask, segment 0).
import * as ort from 'onnxruntime-node';

const [model, batch, seq, runs, warmup, threads] = process.argv.slice(2);
const B = Number(batch), S = Number(seq);
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  executionMode: 'sequential',
});
const feeds = {};
for (const name of session.inputNames) {
  const data = new BigInt64Array(B * S);
  for (let i = 0; i < data.length; ++i) {
    const isIds = name.includes('ids') && !name.includes('type');
    data[i] = BigInt(isIds ? 3 + (i * 7919) % 97 : (name.includes('type') ? 0 : 1));
  }
  feeds[name] = new ort.Tensor('int64', data, [B, S]);
}
for (let i = 0; i < Number(warmup); ++i) await session.run(feeds);
const times = [];
for (let i = 0; i < Number(runs); ++i) {
  const t0 = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
console.log(JSON.stringify({engine: 'onnxruntime', times_ms: times}));
