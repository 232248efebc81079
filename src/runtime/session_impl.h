// Session::Impl, shared by the files that implement bertc::Session (session.cc: inputs, plans,
// runs; ragged_batch.cc: ragged batches).
#pragma once

#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bertc/session.h"
#include "cpu/thread_pool.h"
#include "runtime/plan.h"
#include "runtime/program.h"

namespace bertc {

struct Session::Impl {
  Model model;
  SessionOptions options;
  runtime::Program program;
  std::unique_ptr<cpu::ThreadPool> pool;
  // Indexed like graph.inputs; undefined until set. set_input copies into them; run(inputs)
  // binds the caller's tensors for the call only (no copy) and unbinds them after.
  std::vector<Tensor> inputs;
  // Plans by key (plan_key(), then -1 and the real tokens for a packed plan), most recently
  // used first, at most options.max_cached_plans. A null plan: that packed batch runs padded.
  using PlanList = std::list<std::pair<std::vector<int64_t>, std::unique_ptr<runtime::Plan>>>;
  PlanList plans;
  std::map<std::vector<int64_t>, PlanList::iterator> plan_index;
  runtime::Plan* current = nullptr;
  std::shared_ptr<std::byte> arena;
  bool profiling = false;
  std::vector<StepProfile> step_profile;  // per graph node, then one for the packing steps
  size_t arena_capacity = 0;
  // Threads (see session.h): every call that touches the state holds use_mutex; the
  // step-by-step calls also bind the Session to their thread (no id: not bound).
  std::mutex use_mutex;
  std::thread::id bound_thread;

  const ir::Graph& graph() const { return model.graph(); }
  size_t input_index(const std::string& name) const;
  std::vector<int64_t> plan_key() const;
  void check_symbolic_dims() const;
  void check_input_values() const;
  // The plan for the bound inputs; `values_checked`: the caller already checked them against
  // the model's input checks (a ragged batch checks per sequence, naming it).
  runtime::Plan& plan_for_inputs(bool values_checked);
  // The cached plan for `key`, made by `make` on a miss (it may return null).
  template <typename Make>
  runtime::Plan* cached_plan(const std::vector<int64_t>& key, Make make);
  std::vector<int64_t> packing_lengths() const;
  void check_bound(const char* call, const std::string& name) const;
  class StepUse;
  // Checks `value` against the model's input `index` (dtype, rank, fixed dims).
  void check_input(size_t index, const Tensor& value) const;
  void set_input(const std::string& name, const Tensor& value);
  void run(bool values_checked = false);
  const Tensor& output(const std::string& name) const;
};

}  // namespace bertc
