// The tokenizer oracle: runs Hugging Face's own JavaScript tokenizer (@huggingface/transformers,
// i.e. @huggingface/tokenizers) over tests/fixtures/tokenizer/corpus.jsonl and writes the
// expected outputs that tests/tokenizer/oracle_test.cc compares bertc's tokenizer with:
//
//   expected_vocab.jsonl               bert-base-uncased as a vocab.txt-only folder (no truncation
//                                      or padding unless a case asks for them)
//   expected_tokenizer_json.jsonl      bert-base-uncased's tokenizer.json with its own truncation
//                                      (LongestFirst, 128) and padding (Fixed 128) sections
//   expected_cased.jsonl               the same vocabulary, BertNormalizer lowercase=false
//                                      (strip_accents unset, so off)
//   expected_lower_keep_accents.jsonl  lowercase=true, strip_accents=false
//
// Usage (in tools/tokenizer_oracle/):
//   npm install --ignore-scripts
//   node oracle.mjs [--data ../../../shared/data/bert-base-uncased] [--out ../../tests/fixtures/tokenizer]
//
// The reference is Hugging Face's Rust `tokenizers` (what BertTokenizerFast runs). The JS port
// differs from it in two places of BertNormalizer, which this script corrects on the tokenizer
// it uses (and it records, per case, whether the unmodified JS tokenizer agrees):
//   1. CJK padding walks UTF-16 code units, so astral ideographs (U+20000..) are never padded;
//      here it walks code points (the Rust and Python tokenizers pad them).
//   2. lower-casing uses String.toLowerCase on the whole text, which applies the final-sigma rule
//      (word-final U+03A3 -> U+03C2); Rust lower-cases one character at a time (always U+03C3).
// (Unassigned code points, category Cn, are not controls: so say transformers.js and the Rust
// library since it moved to newer Unicode tables; the Python BertTokenizer still drops them.)
// Also, strip_accents runs before lowercase, as in Rust (the JS port lowercases first).
// transformers.js' truncation only cuts the end of the whole encoding (dropping the final [SEP]),
// so truncation, the template and padding are applied here exactly as `tokenizers` does
// (utils/truncation.rs, processors/template.rs, utils/padding.rs) on the JS tokenizer's per-sequence
// tokens. For every input that needs no truncation, the result is checked against the JS
// tokenizer's own full encoding (special tokens and type ids), so the template is not taken on
// trust (except for an empty text pair, which transformers.js treats as no pair at all).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, AutoTokenizer } from '@huggingface/transformers';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}
const dataDir = path.resolve(arg('--data', path.join(repo, '..', 'shared', 'data', 'bert-base-uncased')));
const outDir = path.resolve(arg('--out', path.join(repo, 'tests', 'fixtures', 'tokenizer')));
const corpusPath = path.resolve(arg('--corpus', path.join(outDir, 'corpus.jsonl')));

const fileJson = JSON.parse(fs.readFileSync(path.join(dataDir, 'tokenizer.json'), 'utf8'));
const corpus = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

// ---- the corrected BertNormalizer (Rust `tokenizers` semantics) ----
const isChineseChar = (cp) =>
  (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
  (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) ||
  (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
const isControl = (ch) => ch !== '\t' && ch !== '\n' && ch !== '\r' && /^\p{C}$/u.test(ch) && !/^\p{Cn}$/u.test(ch);
const isWhitespace = (ch) => ch === '\t' || ch === '\n' || ch === '\r' || /^\p{White_Space}$/u.test(ch);

function rustBertNormalize(config, text) {
  if (config.clean_text) {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0);
      if (cp === 0 || cp === 0xfffd || isControl(ch)) continue;
      out += isWhitespace(ch) ? ' ' : ch;
    }
    text = out;
  }
  if (config.handle_chinese_chars) {
    let out = '';
    for (const ch of text) out += isChineseChar(ch.codePointAt(0)) ? ` ${ch} ` : ch;
    text = out;
  }
  const strip = config.strip_accents ?? config.lowercase;
  if (strip) text = text.normalize('NFD').replace(/\p{Mn}/gu, '');
  if (config.lowercase) {
    let out = '';
    for (const ch of text) out += ch.toLowerCase();
    text = out;
  }
  return text;
}

// ---- post-processing exactly as `tokenizers` ----
function truncate(a, b, room, t) {
  const total = a.length + (b ? b.length : 0);
  if (total <= room) return [a, b];
  if (t.strategy !== 'LongestFirst' || t.direction === 'Left') throw new Error('only LongestFirst/Right here');
  if (!b) return [a.slice(0, room), b];
  let n1 = a.length;
  let n2 = b.length;
  const swap = n1 > n2;
  if (swap) [n1, n2] = [n2, n1];
  n2 = n1 > room ? n1 : Math.max(n1, room - n1);
  if (n1 + n2 > room) {
    n1 = Math.floor(room / 2);
    n2 = n1 + (room % 2);
  }
  if (swap) [n1, n2] = [n2, n1];
  return [a.slice(0, n1), b.slice(0, n2)];
}

function applyTemplate(tpl, specials, a, b) {
  const ids = [];
  const types = [];
  for (const item of tpl) {
    if ('SpecialToken' in item) {
      for (const id of specials[item.SpecialToken.id].ids) {
        ids.push(id);
        types.push(item.SpecialToken.type_id);
      }
    } else {
      const seq = item.Sequence.id === 'A' ? a : b;
      for (const id of seq) {
        ids.push(id);
        types.push(item.Sequence.type_id);
      }
    }
  }
  return { ids, types };
}

function padTarget(encodings, padding) {
  let target = 0;
  if (padding.strategy === 'BatchLongest') target = Math.max(...encodings.map((e) => e.ids.length));
  else target = padding.strategy.Fixed;
  const m = padding.pad_to_multiple_of;
  if (m && target % m !== 0) target += m - (target % m);
  return target;
}

// ---- tokenizers for each mode ----
const modes = [
  { name: 'vocab', normalizer: {}, fileOptions: false },
  { name: 'tokenizer_json', normalizer: {}, fileOptions: true },
  { name: 'cased', normalizer: { lowercase: false, strip_accents: null }, fileOptions: false },
  { name: 'lower_keep_accents', normalizer: { lowercase: true, strip_accents: false }, fileOptions: false },
];

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bertc-oracle-'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = tmpRoot + path.sep;

const tokenizerConfig = {
  do_lower_case: true,
  unk_token: '[UNK]',
  sep_token: '[SEP]',
  pad_token: '[PAD]',
  cls_token: '[CLS]',
  mask_token: '[MASK]',
  model_max_length: 1000000000,
  tokenizer_class: 'BertTokenizer',
};

async function loadMode(mode) {
  const json = structuredClone(fileJson);
  Object.assign(json.normalizer, mode.normalizer);
  json.truncation = null;
  json.padding = null;
  const dir = path.join(tmpRoot, mode.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
  const stock = await AutoTokenizer.from_pretrained(mode.name);
  const fixed = await AutoTokenizer.from_pretrained(mode.name);
  const norm = fixed._tokenizer.normalizer;
  if (!norm || norm.constructor.name !== 'BertNormalizer') throw new Error('expected a BertNormalizer');
  norm.normalize = (text) => rustBertNormalize(json.normalizer, text);
  return { json, stock, fixed };
}

function caseOptions(mode, c) {
  if (mode.fileOptions) return { truncation: fileJson.truncation, padding: fileJson.padding };
  const truncation = c.max_length ? { max_length: c.max_length, strategy: 'LongestFirst', stride: 0, direction: 'Right' } : null;
  let padding = null;
  if (c.padding !== undefined) {
    padding = {
      strategy: c.padding === 'longest' ? 'BatchLongest' : { Fixed: c.padding },
      direction: 'Right',
      pad_to_multiple_of: c.pad_to_multiple_of ?? null,
      pad_id: 0,
      pad_type_id: 0,
      pad_token: '[PAD]',
    };
  }
  return { truncation, padding };
}

function encodeCase(tok, json, c, opts) {
  const pp = json.post_processor;
  const out = [];
  for (const input of c.inputs) {
    const pair = input.pair !== undefined;
    const ea = tok._tokenizer.encode(input.text, { add_special_tokens: false });
    const eb = pair ? tok._tokenizer.encode(input.pair, { add_special_tokens: false }) : null;
    let a = ea.ids;
    let b = eb ? eb.ids : null;
    const nAdded = (pair ? pp.pair : pp.single).filter((x) => 'SpecialToken' in x).length;
    let truncated = false;
    if (opts.truncation) {
      const room = opts.truncation.max_length - nAdded;
      if (room < 0) throw new Error(`${c.id}: max_length below the special tokens`);
      const [ta, tb] = truncate(a, b, room, opts.truncation);
      truncated = ta.length !== a.length || (b && tb.length !== b.length);
      a = ta;
      b = tb;
    }
    const { ids, types } = applyTemplate(pair ? pp.pair : pp.single, pp.special_tokens, a, b);
    // An empty pair counts as no pair in transformers.js (`text_pair || null`), unlike `tokenizers`
    // ([CLS] A [SEP] [SEP]); such inputs are not cross-checked.
    if (!truncated && input.pair !== '') {
      // Cross-check the template against the JS tokenizer's own full encoding.
      const full = tok(input.text, { text_pair: pair ? input.pair : null, return_token_type_ids: true, return_tensor: false });
      if (JSON.stringify(full.input_ids) !== JSON.stringify(ids) || JSON.stringify(full.token_type_ids) !== JSON.stringify(types)) {
        throw new Error(`${c.id}: template mismatch with transformers.js`);
      }
    }
    out.push({ ids, type_ids: types, attention_mask: ids.map(() => 1) });
  }
  if (opts.padding) {
    const target = padTarget(out, opts.padding);
    for (const e of out) {
      while (e.ids.length < target) {
        e.ids.push(opts.padding.pad_id);
        e.type_ids.push(opts.padding.pad_type_id);
        e.attention_mask.push(0);
      }
    }
  }
  return out;
}

let totalDiffer = 0;
for (const mode of modes) {
  const { json, stock, fixed } = await loadMode(mode);
  const lines = [];
  let differ = 0;
  for (const c of corpus) {
    const opts = caseOptions(mode, c);
    const encodings = encodeCase(fixed, json, c, opts);
    const stockEnc = encodeCase(stock, json, c, opts);
    const agrees = JSON.stringify(stockEnc.map((e) => e.ids)) === JSON.stringify(encodings.map((e) => e.ids));
    if (!agrees) differ++;
    const line = { id: c.id, encodings };
    if (!agrees) line.stock_transformers_js_ids = stockEnc.map((e) => e.ids);
    lines.push(JSON.stringify(line));
  }
  const file = path.join(outDir, `expected_${mode.name}.jsonl`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  console.log(`${mode.name}: ${corpus.length} cases -> ${path.relative(process.cwd(), file)} ` +
              `(${differ} where the unmodified transformers.js differs)`);
  totalDiffer += differ;
}
fs.rmSync(tmpRoot, { recursive: true, force: true });
