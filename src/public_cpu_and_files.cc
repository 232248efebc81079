// The public faces (bertc/cpu.h, bertc/files.h) of src/cpu/, the int8 GEMM's kernel choice and
// src/base/files.h.
#include "base/files.h"
#include "bertc/cpu.h"
#include "bertc/files.h"
#include "cpu/cpu_features.h"
#include "cpu/fma_peak.h"
#include "kernels/x86/bgemm.h"
#include "kernels/x86/qgemm.h"

namespace bertc {

std::string active_isa() { return cpu::isa_name(cpu::active_isa()); }

double fp32_peak_gflops_per_core() { return cpu::fp32_peak_gflops_per_core(cpu::active_isa()); }

std::vector<std::string> cpu_extensions() { return cpu::detected_extensions(); }

std::string int8_kernel() {
  const cpu::Isa isa = cpu::active_isa();
  return kernels::x86::qgemm_supported(isa) ? kernels::x86::qgemm_kernel_name(kernels::x86::qgemm_kernel_for(isa)) : "";
}

std::string bf16_kernel() { return kernels::x86::bgemm_supported(cpu::active_isa()) ? "avx512_bf16" : ""; }

std::string read_file(const std::string& path) { return base::read_input_file(path); }

}  // namespace bertc
