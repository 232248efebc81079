// The offsets oracle: runs Hugging Face's Rust `tokenizers` (npm `tokenizers`, its compiled
// library — what transformers' fast tokenizers run) over tests/fixtures/tokenizer/corpus.jsonl with
// bert-base-uncased's tokenizer.json in three normalizer modes (as-is, cased, lower_keep_accents)
// and all-mpnet-base-v2's as it is (no truncation, no padding) and writes expected_offsets.jsonl:
// per case and mode, each input's ids, type ids, byte offsets into its own text (the Node binding reports character offsets; they are
// turned into UTF-8 byte offsets, which is what Rust's Encoding holds and TEI's /tokenize
// returns) and special-tokens mask. tests/tokenizer/offsets_test.cc compares bertc with it.
//
// Usage (in tools/tokenizer_oracle/):
//   npm install --ignore-scripts
//   node offsets.mjs [--data ../../../shared/data/bert-base-uncased] [--out ../../tests/fixtures/tokenizer]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const dataDir = path.resolve(arg('--data', path.join(repo, '..', 'shared', 'data', 'bert-base-uncased')));
const outDir = path.resolve(arg('--out', path.join(repo, 'tests', 'fixtures', 'tokenizer')));

const shared = path.resolve(dataDir, '..');
const modes = [
  { name: 'tokenizer_json', normalizer: {} },
  { name: 'cased', normalizer: { lowercase: false, strip_accents: null } },
  { name: 'lower_keep_accents', normalizer: { lowercase: true, strip_accents: false } },
  // sentence-transformers/all-mpnet-base-v2: WordPiece with RobertaProcessing (<s> A </s></s> B </s>)
  { name: 'all_mpnet_base_v2', normalizer: {}, data: path.join(shared, 'all-mpnet-base-v2') },
];

// Character (Unicode scalar) offsets of `text` -> UTF-8 byte offsets.
function byteOffsets(text, offsets) {
  const chars = Array.from(text);
  const at = [0];
  for (const c of chars) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
  return offsets.map(([b, e]) => [at[b], at[e]]);
}

const corpus = fs.readFileSync(path.join(repo, 'tests', 'fixtures', 'tokenizer', 'corpus.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
const lines = [];
for (const mode of modes) {
  const json = JSON.parse(fs.readFileSync(path.join(mode.data ?? dataDir, 'tokenizer.json'), 'utf8'));
  Object.assign(json.normalizer, mode.normalizer);
  json.truncation = null;
  json.padding = null;
  const tok = Tokenizer.fromString(JSON.stringify(json));
  for (const c of corpus) {
    const results = [];
    for (const input of c.inputs) {
      const e = await tok.encode(input.text, input.pair ?? null);
      const ids = Array.from(e.getIds());
      const seq = Array.from(e.getSequenceIds ? e.getSequenceIds() : []);
      const offs = e.getOffsets();
      // Offsets of the pair's tokens are in the pair's text.
      const bytes = offs.map((o, i) => {
        const text = input.pair !== undefined && seq[i] === 1 ? input.pair : input.text;
        return byteOffsets(text, [o])[0];
      });
      results.push({ ids, type_ids: Array.from(e.getTypeIds()), offsets: bytes,
                     special: Array.from(e.getSpecialTokensMask()) });
    }
    lines.push(JSON.stringify({ id: c.id, mode: mode.name, results }));
  }
}
fs.writeFileSync(path.join(outDir, 'expected_offsets.jsonl'), lines.join('\n') + '\n');
console.log(`wrote ${lines.length} cases to ${path.join(outDir, 'expected_offsets.jsonl')}`);
