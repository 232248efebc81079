// The multi-model oracle: runs Hugging Face's Rust `tokenizers` (npm `tokenizers`, the compiled
// library behind transformers' fast tokenizers) over EVERY case of
// tests/fixtures/tokenizer/corpus.jsonl for each tokenizer below and writes
// tests/fixtures/tokenizer/expected_<name>.jsonl, one line per case:
//
//   {"id", "results": [per input: {"ids", "type_ids", "offsets", "special", "word_ids",
//                                  "decode", "decode_skip", "js_ids_agree"}]}
//
//   offsets       UTF-8 byte offsets into that input's own text (the pair's tokens into the pair
//                 text). The Node binding reports offsets in Unicode scalar values (code points, not
//                 UTF-16 units: "😀a" gives 'a' [1,2]); they are turned into bytes as offsets.mjs does.
//   special       the special-tokens mask; word_ids: per-sequence word index, null for specials
//   decode        decode(ids, skip_special_tokens=false); decode_skip: decode(ids, true)
//   js_ids_agree  whether transformers.js (@huggingface/transformers, loaded from the same files
//                 with remote models off) gives the same ids for this input; null if it threw
//
// Truncation and padding are set to null; the cases' max_length / padding fields are ignored;
// add_special_tokens is true. Tokenizers:
//   roberta_base         roberta-base/tokenizer.json (old format: BPE without "type"), ByteLevel
//   roberta_base_prefix  the same with pre_tokenizer.add_prefix_space and
//                        post_processor.add_prefix_space set to true (RoBERTa token classification)
//   t5_small             t5-small/tokenizer.json (Unigram, Precompiled normalizer, Metaspace)
//   t5_xlmr_layout       t5-small's pieces laid out as XLM-R's tokenizer.json is: normalizer
//                        Sequence[Precompiled, Replace(" {2,}" -> " ")], Metaspace alone
//                        (prepend_scheme always, split), "<s> A </s>" / "<s> A </s></s> B </s>"
//                        with an added <s> (id 32100); tests/tokenizer/models_oracle_test.cc makes
//                        the same edit
//   bert_base_uncased, all_mpnet_base_v2, bge_small_en_v1_5   WordPiece
//
// Usage (in tools/tokenizer_oracle/):
//   npm install --ignore-scripts
//   node models.mjs [--data ../../../shared/data] [--out ../../tests/fixtures/tokenizer]
//                   [--corpus FILE] [--only roberta_base,t5_small]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { arg, repo } from './args.mjs';
import { env, AutoTokenizer } from '@huggingface/transformers';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const dataRoot = path.resolve(arg('--data', path.join(repo, '..', 'shared', 'data')));
const outDir = path.resolve(arg('--out', path.join(repo, 'tests', 'fixtures', 'tokenizer')));
const corpusPath = path.resolve(arg('--corpus', path.join(repo, 'tests', 'fixtures', 'tokenizer', 'corpus.jsonl')));
const only = arg('--only', null)?.split(',');

const prefixSpace = (json) => {
  if (json.pre_tokenizer?.type !== 'ByteLevel' || json.post_processor?.type !== 'RobertaProcessing') {
    throw new Error('roberta_base_prefix expects a ByteLevel pre-tokenizer and RobertaProcessing');
  }
  json.pre_tokenizer.add_prefix_space = true;
  json.post_processor.add_prefix_space = true;
};
const xlmrLayout = (json) => {
  if (json.normalizer?.type !== 'Precompiled') throw new Error('t5_xlmr_layout expects a Precompiled normalizer');
  json.normalizer = { type: 'Sequence', normalizers: [json.normalizer,
    { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }] };
  json.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
  json.added_tokens.push({ id: 32100, content: '<s>', single_word: false, lstrip: false, rstrip: false,
                           normalized: false, special: true });
  const special = (id) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id) => ({ Sequence: { id, type_id: 0 } });
  json.post_processor = {
    type: 'TemplateProcessing',
    single: [special('<s>'), seq('A'), special('</s>')],
    pair: [special('<s>'), seq('A'), special('</s>'), special('</s>'), seq('B'), special('</s>')],
    special_tokens: { '<s>': { id: '<s>', ids: [32100], tokens: ['<s>'] },
                      '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
  };
  json.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true };
};
const models = [
  { name: 'roberta_base', dir: 'roberta-base' },
  { name: 'roberta_base_prefix', dir: 'roberta-base', edit: prefixSpace },
  { name: 't5_small', dir: 't5-small' },
  { name: 't5_xlmr_layout', dir: 't5-small', edit: xlmrLayout },
  { name: 'bert_base_uncased', dir: 'bert-base-uncased' },
  { name: 'all_mpnet_base_v2', dir: 'all-mpnet-base-v2' },
  { name: 'bge_small_en_v1_5', dir: 'bge-small-en-v1.5' },
].filter((m) => !only || only.includes(m.name));

// Code-point offsets of `text` -> UTF-8 byte offsets.
function byteOffsetTable(text) {
  const at = [0];
  for (const c of text) at.push(at[at.length - 1] + Buffer.byteLength(c, 'utf8'));
  return at;
}
function toBytes(table, [b, e], id) {
  if (b > e || e >= table.length) throw new Error(`${id}: offset [${b},${e}] outside a text of ${table.length - 1} code points`);
  return [table[b], table[e]];
}

const corpus = fs.readFileSync(corpusPath, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'bertc-models-'));
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = tmpRoot + path.sep;

// transformers.js from the same files: tokenizer.json (with the same edits, truncation and
// padding null) and the folder's own tokenizer_config.json ({} where the folder has none).
async function loadJs(model, json) {
  const dir = path.join(tmpRoot, model.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(json));
  const cfgPath = path.join(dataRoot, model.dir, 'tokenizer_config.json');
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), fs.existsSync(cfgPath) ? fs.readFileSync(cfgPath) : '{}');
  try {
    return await AutoTokenizer.from_pretrained(model.name);
  } catch (err) {
    console.warn(`${model.name}: transformers.js could not load it: ${err.message}`);
    return null;
  }
}

// One line on where the two id lists first part.
function diffReason(input, rustIds, jsIds, rust, js) {
  if (input.pair === '') return 'transformers.js treats an empty text_pair as no pair (`text_pair || null`)';
  let i = 0;
  while (i < rustIds.length && i < jsIds.length && rustIds[i] === jsIds[i]) i++;
  const show = (ids, tok) => JSON.stringify(ids.slice(i, i + 4).map((id) => tok(id)));
  return `token ${i} of ${rustIds.length}/${jsIds.length}: rust ${show(rustIds, (id) => rust.idToToken(id))}` +
         ` js ${show(jsIds, (id) => js._tokenizer.id_to_token(id))}`;
}

const summary = [];
for (const model of models) {
  const json = JSON.parse(fs.readFileSync(path.join(dataRoot, model.dir, 'tokenizer.json'), 'utf8'));
  json.truncation = null;
  json.padding = null;
  if (model.edit) model.edit(json);
  const rust = Tokenizer.fromString(JSON.stringify(json));
  const js = await loadJs(model, json);
  const lines = [];
  let inputs = 0;
  let jsDiffer = 0;
  let jsFailed = 0;
  const differing = [];
  for (const c of corpus) {
    const results = [];
    for (const input of c.inputs) {
      const hasPair = input.pair !== undefined;
      const e = await rust.encode(input.text, hasPair ? input.pair : null, { addSpecialTokens: true });
      const ids = Array.from(e.getIds());
      const seq = e.getSequenceIds();
      const tables = [byteOffsetTable(input.text), hasPair ? byteOffsetTable(input.pair) : null];
      const offsets = e.getOffsets().map((o, i) => toBytes(tables[seq[i] === 1 ? 1 : 0], o, c.id));
      const special = Array.from(e.getSpecialTokensMask());
      const word_ids = e.getWordIds().map((w, i) => (special[i] || w === undefined || w === null ? null : w));
      const decode = await rust.decode(ids, false);
      const decode_skip = await rust.decode(ids, true);
      let js_ids_agree = null;
      if (js) {
        try {
          const got = js(input.text, { text_pair: hasPair ? input.pair : null, add_special_tokens: true,
                                       return_tensor: false }).input_ids;
          js_ids_agree = JSON.stringify(got) === JSON.stringify(ids);
          if (!js_ids_agree) {
            jsDiffer++;
            if (!differing.some((d) => d.id === c.id)) differing.push({ id: c.id, reason: diffReason(input, ids, got, rust, js) });
          }
        } catch (err) {
          jsFailed++;
          if (differing.length < 10) differing.push({ id: c.id, reason: `transformers.js threw: ${err.message}` });
        }
      }
      inputs++;
      results.push({ ids, type_ids: Array.from(e.getTypeIds()), offsets, special, word_ids, decode, decode_skip,
                     js_ids_agree });
    }
    lines.push(JSON.stringify({ id: c.id, results }));
  }
  const file = path.join(outDir, `expected_${model.name}.jsonl`);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  summary.push({ name: model.name, cases: corpus.length, inputs, jsDiffer, jsFailed, differing, file });
}
fs.rmSync(tmpRoot, { recursive: true, force: true });

console.log('\n| tokenizer | cases | inputs | transformers.js differs | transformers.js failed |');
console.log('|---|---|---|---|---|');
for (const s of summary) console.log(`| ${s.name} | ${s.cases} | ${s.inputs} | ${s.jsDiffer} | ${s.jsFailed} |`);
for (const s of summary) {
  if (!s.differing.length) continue;
  console.log(`\n${s.name}: ${s.differing.length} cases differ${s.differing.length > 10 ? ' (first 10)' : ''}`);
  for (const d of s.differing.slice(0, 10)) console.log(`  ${d.id}: ${d.reason}`);
}
console.log('\nwrote ' + summary.map((s) => path.relative(process.cwd(), s.file)).join(', '));
