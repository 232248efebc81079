// Tokenizer speed of Hugging Face's JavaScript tokenizer (@huggingface/transformers) and of its
// Rust library through the Node binding (npm `tokenizers`), with roberta-base (byte-level BPE)
// t5-small (Unigram) and bert-base-uncased (WordPiece), on the two text sets bertc's
// build/tokenizer_bench times (so the numbers compare):
//
//   english       every non-empty line of the repository's README.md and docs/DESIGN.md.
//   multilingual  the texts (and pair texts) of tests/fixtures/tokenizer/corpus.jsonl that hold a
//                 non-ASCII character, repeated in order until they total >= 200 KB of UTF-8.
//
// Each engine encodes the texts one by one, with special tokens, no truncation or padding:
//   transformers.js   tokenizer.encode(text): synchronous, on the main thread (single-threaded).
//   Rust, one by one  `await tokenizer.encode(text)`: each call is an async N-API task run on a
//                     libuv worker thread while the main thread waits, so one core tokenizes at a
//                     time (plus a thread hand-off per call).
//   Rust, batch       `await tokenizer.encodeBatch(texts)` (for reference): the library spreads the
//                     batch over rayon's pool, one thread per logical CPU unless RAYON_NUM_THREADS
//                     is set (TOKENIZERS_PARALLELISM=false makes it serial).
// tokens/s = ids produced (special tokens included) / seconds: the median of --runs runs (5) after
// --warmup runs (1). Both libraries cache BPE words, which the warm-up fills.
//
// Usage (in tools/tokenizer_oracle/):
//   npm install --ignore-scripts
//   node speed.mjs [--data ../../../shared/data] [--runs 5] [--warmup 1] [--min-kb 200]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { arg, repo } from './args.mjs';
import { env, AutoTokenizer } from '@huggingface/transformers';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const dataRoot = path.resolve(arg('--data', path.join(repo, '..', 'shared', 'data')));
const runs = Number(arg('--runs', 5));
const warmup = Number(arg('--warmup', 1));
const minBytes = Number(arg('--min-kb', 200)) * 1000;

// ---- text sets ----
function englishTexts() {
  const lines = [];
  for (const doc of ['README.md', path.join('docs', 'DESIGN.md')]) {
    for (const l of fs.readFileSync(path.join(repo, doc), 'utf8').split('\n')) if (l) lines.push(l);
  }
  return lines;
}
function multilingualTexts(file) {
  const base = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    for (const input of JSON.parse(line).inputs) {
      for (const t of [input.text, input.pair]) if (t && /[^\x00-\x7f]/.test(t)) base.push(t);
    }
  }
  const texts = [];
  let bytes = 0;
  for (let i = 0; bytes < minBytes; i++) {
    const t = base[i % base.length];
    texts.push(t);
    bytes += Buffer.byteLength(t, 'utf8');
  }
  return texts;
}
const sets = [
  { name: 'english', texts: englishTexts() },
  { name: 'multilingual', texts: multilingualTexts(path.join(repo, 'tests', 'fixtures', 'tokenizer', 'corpus.jsonl')) },
];

// ---- tokenizers (truncation and padding off) ----
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bertc-speed-'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = tmpRoot + path.sep;
async function load(dir) {
  const json = JSON.parse(fs.readFileSync(path.join(dataRoot, dir, 'tokenizer.json'), 'utf8'));
  json.truncation = null;
  json.padding = null;
  fs.mkdirSync(path.join(tmpRoot, dir));
  fs.writeFileSync(path.join(tmpRoot, dir, 'tokenizer.json'), JSON.stringify(json));
  const cfg = path.join(dataRoot, dir, 'tokenizer_config.json');
  fs.writeFileSync(path.join(tmpRoot, dir, 'tokenizer_config.json'), fs.existsSync(cfg) ? fs.readFileSync(cfg) : '{}');
  return { rust: Tokenizer.fromString(JSON.stringify(json)), js: await AutoTokenizer.from_pretrained(dir) };
}
const models = [
  { name: 'roberta-base', ...(await load('roberta-base')) },
  { name: 't5-small', ...(await load('t5-small')) },
  { name: 'bert-base-uncased', ...(await load('bert-base-uncased')) },
];
fs.rmSync(tmpRoot, { recursive: true, force: true });

// ---- timing ----
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function bench(fn) {
  let tokens = 0;
  for (let i = 0; i < warmup; i++) await fn();
  const rates = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    tokens = await fn();
    rates.push(tokens / ((performance.now() - t0) / 1000));
  }
  return { tokens, rate: median(rates) };
}
const engines = [
  { name: 'transformers.js', run: async (m, texts) => { let n = 0; for (const t of texts) n += m.js.encode(t).length; return n; } },
  { name: 'Rust, one by one', run: async (m, texts) => { let n = 0; for (const t of texts) n += (await m.rust.encode(t)).getLength(); return n; } },
  { name: 'Rust, encodeBatch', run: async (m, texts) => (await m.rust.encodeBatch(texts)).reduce((n, e) => n + e.getLength(), 0) },
];

console.log(`node ${process.version}, ${os.cpus().length} logical CPUs (${os.cpus()[0]?.model.trim()}), load average ` +
            `${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; median of ${runs} runs after ${warmup} warm-up`);
for (const s of sets) {
  const bytes = s.texts.reduce((n, t) => n + Buffer.byteLength(t, 'utf8'), 0);
  console.log(`${s.name}: ${s.texts.length} texts, ${(bytes / 1000).toFixed(1)} KB`);
}
const rows = [];
for (const m of models) {
  for (const s of sets) {
    const cells = [];
    for (const e of engines) cells.push(await bench(() => e.run(m, s.texts)));
    rows.push({ model: m.name, set: s.name, cells });
  }
}
const fmt = (x) => Math.round(x).toLocaleString('en-US');
console.log(`\n| tokenizer | texts | tokens (Rust) | ${engines.map((e) => `${e.name} tokens/s`).join(' | ')} | Rust one-by-one / transformers.js |`);
console.log(`|---|---|---|${engines.map(() => '---|').join('')}---|`);
for (const r of rows) {
  const tokenNote = r.cells[0].tokens !== r.cells[1].tokens ? ` (transformers.js: ${fmt(r.cells[0].tokens)})` : '';
  console.log(`| ${r.model} | ${r.set} | ${fmt(r.cells[1].tokens)}${tokenNote} | ${r.cells.map((c) => fmt(c.rate)).join(' | ')} | ` +
              `${(r.cells[1].rate / r.cells[0].rate).toFixed(2)}x |`);
}
