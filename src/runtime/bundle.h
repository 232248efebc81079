// The .bertc bundle: one self-contained file holding the compiled graph and its weights.
//
//   [0, 64)            header: magic "BERTCBDL", u32 format version, u32 header bytes (64),
//                      u64 meta offset, u64 meta bytes, u64 data offset, u64 data bytes,
//                      u64 XXH3-64 checksum of every byte after the header
//   [meta)             JSON: graph (values, nodes, inputs, outputs), compile options, model info
//   [data)             tensors, each 64-byte aligned (offsets relative to the data section)
//
// Loading maps the file and views the weights in place: no copy.
#pragma once

#include <cstdint>

namespace bertc::runtime {

inline constexpr char kBundleMagic[8] = {'B', 'E', 'R', 'T', 'C', 'B', 'D', 'L'};
inline constexpr uint32_t kBundleVersion = 3;  // 2: typed model info (ModelInfo); 3: precision
inline constexpr uint64_t kBundleHeaderBytes = 64;

}  // namespace bertc::runtime
