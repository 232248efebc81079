// ONNX Runtime side of the comparison:
//   node bench/ort_bench.mjs MODEL.onnx BATCH SEQ RUNS WARMUP THREADS [LENGTHS_FILE BATCH_SIZE SORTED]
// Prints {"engine": "onnxruntime", "times_ms": [...]} on one line. Inputs are made exactly
// like `bertc bench` makes them (token ids in [3, 100), segment 0). Without LENGTHS_FILE: one
// batch of BATCH x SEQ, full mask. With it (one length per line): the lengths (sorted when
// SORTED is 1) cut into batches of BATCH_SIZE, each padded to its longest with the attention
// mask hiding the padding; a timed run is one pass over every batch.
import {readFileSync} from 'node:fs';
import * as ort from 'onnxruntime-node';

const [model, batch, seq, runs, warmup, threads, lengthsFile, batchSize, sorted] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model, {
  graphOptimizationLevel: 'all',
  intraOpNumThreads: Number(threads),
  interOpNumThreads: 1,
  executionMode: 'sequential',
});

// Feeds for one right-padded batch of these lengths.
function feedsFor(lengths) {
  const B = lengths.length, S = Math.max(...lengths);
  const feeds = {};
  for (const name of session.inputNames) {
    const data = new BigInt64Array(B * S);
    let id = 0;
    for (let b = 0; b < B; ++b) {
      for (let j = 0; j < S; ++j) {
        const real = j < lengths[b];
        let v = 0;
        if (name === 'input_ids') v = real ? 3 + (id++ * 7919) % 97 : 0;
        else if (name === 'attention_mask') v = real ? 1 : 0;
        data[b * S + j] = BigInt(v);
      }
    }
    feeds[name] = new ort.Tensor('int64', data, [B, S]);
  }
  return feeds;
}

let batches;
if (lengthsFile) {
  const lengths = readFileSync(lengthsFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  if (sorted === '1') lengths.sort((a, b) => a - b);
  batches = [];
  for (let i = 0; i < lengths.length; i += Number(batchSize)) batches.push(feedsFor(lengths.slice(i, i + Number(batchSize))));
} else {
  batches = [feedsFor(new Array(Number(batch)).fill(Number(seq)))];
}
async function pass() {
  for (const feeds of batches) await session.run(feeds);
}
for (let i = 0; i < Number(warmup); ++i) await pass();
const times = [];
for (let i = 0; i < Number(runs); ++i) {
  const t0 = process.hrtime.bigint();
  await pass();
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
console.log(JSON.stringify({engine: 'onnxruntime', times_ms: times}));
