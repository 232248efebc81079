// ONNX Runtime as a reference: runs MODEL.onnx on INPUTS/<input name>.npy and writes each output to
// OUTPUTS/<output name>.npy (float32 or int64; little-endian, C order).
//   node bench/ort_run.mjs MODEL.onnx INPUTS OUTPUTS [LEVEL]
// LEVEL: ONNX Runtime's graph optimization level (default 'all'; 'disabled' runs the nodes as the
// model has them). tools/make_quantized_fixtures.py uses it for the quantized fixtures' expected
// outputs, tools/quantize_onnx.py to calibrate.
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import * as ort from 'onnxruntime-node';

const [model, inputsDir, outputsDir, level = 'all'] = process.argv.slice(2);

// An .npy (version 1 or 2) of int64, int32 or float32 as an ort.Tensor.
function readNpy(path) {
  const buf = readFileSync(path);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').filter((s) => s.trim()).map(Number);
  const bytes = buf.subarray(start);
  const copy = (T) => new T(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  if (descr === '<i8') return new ort.Tensor('int64', copy(BigInt64Array), shape);
  if (descr === '<i4') return new ort.Tensor('int32', copy(Int32Array), shape);
  if (descr === '<f4') return new ort.Tensor('float32', copy(Float32Array), shape);
  throw new Error(`${path}: unsupported dtype ${descr}`);
}

function writeNpy(path, tensor) {
  const descr = {float32: '<f4', int64: '<i8', int32: '<i4'}[tensor.type];
  if (!descr) throw new Error(`output dtype ${tensor.type} is not written`);
  const dims = tensor.dims.length === 1 ? `${tensor.dims[0]},` : tensor.dims.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
}

const session = await ort.InferenceSession.create(model, {graphOptimizationLevel: level, intraOpNumThreads: 1});
const feeds = {};
for (const name of session.inputNames) feeds[name] = readNpy(join(inputsDir, `${name}.npy`));
const results = await session.run(feeds);
mkdirSync(outputsDir, {recursive: true});
for (const name of session.outputNames) writeNpy(join(outputsDir, `${name}.npy`), results[name]);
