#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>

#include "bertc/error.h"
#include "ir/graph.h"
#include "runtime/flops.h"
#include "runtime/session_impl.h"

namespace bertc {

size_t Session::Impl::input_index(const std::string& name) const {
  const ir::Graph& g = graph();
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    if (g.value(g.inputs[i]).name == name) return i;
  }
  std::string known;
  for (ir::ValueId id : g.inputs) known += (known.empty() ? "" : ", ") + g.value(id).name;
  throw Error("unknown input '" + name + "' (the model's inputs are: " + known + ")");
}

std::vector<int64_t> Session::Impl::plan_key() const {
  std::vector<int64_t> key;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& t = inputs[i];
    key.push_back(t.rank());
    key.insert(key.end(), t.shape().begin(), t.shape().end());
    if (program.input_keys_values[i]) {  // shapes depend on these bytes too
      const auto* bytes = static_cast<const unsigned char*>(t.raw());
      key.push_back(static_cast<int64_t>(t.nbytes()));
      key.insert(key.end(), bytes, bytes + t.nbytes());
    }
  }
  return key;
}

// Inputs that share a symbolic dimension ("batch", "seq") must agree on its size.
void Session::Impl::check_symbolic_dims() const {
  const ir::Graph& g = graph();
  std::map<std::string, std::pair<int64_t, std::string>> seen;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs[i]);
    for (size_t d = 0; d < v.type.shape.size(); ++d) {
      const std::string& sym = v.type.shape[d].symbol;
      if (v.type.shape[d].is_known() || sym.empty()) continue;
      int64_t size = inputs[i].dim(static_cast<int>(d));
      auto [it, fresh] = seen.emplace(sym, std::make_pair(size, v.name));
      if (!fresh && it->second.first != size) {
        throw Error("input '" + v.name + "' has " + sym + " = " + std::to_string(size) +
                    " (dim " + std::to_string(d) + "), but input '" + it->second.second +
                    "' has " + sym + " = " + std::to_string(it->second.first));
      }
    }
  }
}

// The checks the compiler derived from the model (ir::InputCheck): no kernel ever reads outside
// a table because of a bad token id or an over-long sequence.
void Session::Impl::check_input_values() const {
  const ir::Graph& g = graph();
  for (const ir::InputCheck& check : g.input_checks) {
    size_t index = 0;
    while (g.inputs[index] != check.input) ++index;
    const Tensor& t = inputs[index];
    const std::string& name = g.value(check.input).name;
    if (t.numel() == 0) {  // token ids, masks: an empty sequence means nothing to the model
      throw Error("input '" + name + "' is empty (shape " + dims_str(t.shape()) + ")");
    }
    if (check.kind == ir::InputCheck::Kind::kMaxDim) {
      if (t.rank() > check.axis && t.dim(check.axis) > check.hi) {
        throw Error("input '" + name + "' has sequence length " + std::to_string(t.dim(check.axis)) +
                    ", but the model supports at most " + std::to_string(check.hi) + " (" +
                    check.what + ")");
      }
      continue;
    }
    std::vector<int64_t> values = t.to_int64_vector();
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] >= check.lo && values[i] < check.hi) continue;
      std::string where = " at flat index " + std::to_string(i) + " (shape " + dims_str(t.shape()) + ")";
      if (check.kind == ir::InputCheck::Kind::kBinary) {
        throw Error("input '" + name + "' must hold only 0 and 1, found " + std::to_string(values[i]) + where);
      }
      throw Error("input '" + name + "' holds id " + std::to_string(values[i]) + where +
                  ", outside [" + std::to_string(check.lo) + ", " + std::to_string(check.hi) +
                  ") of " + check.what);
    }
  }
}

namespace {

std::string call_name(const char* call, const std::string& name) {
  return std::string("Session::") + call + (name.empty() ? "()" : "('" + name + "')");
}

constexpr const char* kOneThread =
    "a Session's set_input/run/get_output serve one thread (give each thread its own Session, "
    "hand a Session over by moving it, or share a Pipeline or Session::run(inputs), which "
    "serialize)";

}  // namespace

// Holds the Session for one step-by-step call and binds it to the calling thread; a call that
// overlaps another, or comes from a thread other than the bound one, is refused.
class Session::Impl::StepUse {
 public:
  StepUse(Impl& impl, const char* call, const std::string& name = {})
      : lock_(impl.use_mutex, std::try_to_lock) {
    if (!lock_.owns_lock()) {
      throw Error(call_name(call, name) + ": another thread is using this Session right now; " +
                  kOneThread);
    }
    impl.check_bound(call, name);
    impl.bound_thread = std::this_thread::get_id();
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

void Session::Impl::check_bound(const char* call, const std::string& name) const {
  if (bound_thread != std::thread::id() && bound_thread != std::this_thread::get_id()) {
    throw Error(call_name(call, name) + ": this Session is in step-by-step use by another thread; " +
                kOneThread);
  }
}

template <typename Make>
runtime::Plan* Session::Impl::cached_plan(const std::vector<int64_t>& key, Make make) {
  if (auto it = plan_index.find(key); it != plan_index.end()) {
    plans.splice(plans.begin(), plans, it->second);
    return plans.front().second.get();
  }
  std::unique_ptr<runtime::Plan> plan = make();
  if (!plans.empty() && plans.size() >= std::max<size_t>(options.max_cached_plans, 1)) {
    if (plans.back().second.get() == current) current = nullptr;
    plan_index.erase(plans.back().first);
    plans.pop_back();
  }
  plans.emplace_front(key, std::move(plan));
  plan_index.emplace(key, plans.begin());
  return plans.front().second.get();
}

// The lengths of a batch that can run packed (right-padded, with padding), else empty.
std::vector<int64_t> Session::Impl::packing_lengths() const {
  if (!options.packing || !program.packing.packable()) return {};
  const Tensor& mask = inputs[static_cast<size_t>(program.packing.mask_input)];
  std::string why;
  std::vector<int64_t> lengths = runtime::right_padded_lengths(mask, &why);
  if (lengths.empty()) {
    if (runtime::verbose()) std::fprintf(stderr, "bertc: packing: this batch runs padded: %s\n", why.c_str());
    return {};
  }
  const int64_t tokens = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
  if (tokens == mask.numel()) return {};  // no padding: the padded plan does the same work
  return lengths;
}

runtime::Plan& Session::Impl::plan_for_inputs(bool values_checked) {
  const ir::Graph& g = graph();
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      throw Error("input '" + g.value(g.inputs[i]).name + "' was not set");
    }
  }
  if (!values_checked) check_input_values();
  std::vector<int64_t> key = plan_key();
  runtime::Plan* plan = nullptr;
  const std::vector<int64_t> lengths = packing_lengths();
  if (!lengths.empty()) {
    const int64_t tokens = std::accumulate(lengths.begin(), lengths.end(), int64_t{0});
    std::vector<int64_t> packed_key = key;
    packed_key.insert(packed_key.end(), {-1, tokens});
    plan = cached_plan(packed_key, [&]() -> std::unique_ptr<runtime::Plan> {
      check_symbolic_dims();
      try {
        return std::make_unique<runtime::Plan>(program, inputs, pool.get(), tokens);
      } catch (const runtime::PackingRefused& e) {
        if (runtime::verbose()) std::fprintf(stderr, "bertc: packing: batches of this shape run padded: %s\n", e.what());
        return nullptr;
      }
    });
    if (plan) plan->bind_sequences(lengths);
  }
  if (!plan) {
    plan = cached_plan(key, [&] {
      check_symbolic_dims();
      return std::make_unique<runtime::Plan>(program, inputs, pool.get());
    });
  }
  if (plan->arena_bytes() > arena_capacity) {
    void* p = std::aligned_alloc(64, (plan->arena_bytes() + 63) / 64 * 64);
    if (!p) throw Error("out of memory: the arena needs " + std::to_string(plan->arena_bytes()) + " bytes");
    arena.reset(static_cast<std::byte*>(p), std::free);
    arena_capacity = plan->arena_bytes();
  }
  plan->bind_arena(arena.get());
  plan->bind_inputs(inputs);
  return *plan;
}

Session::Session(Model model, SessionOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->model = std::move(model);
  impl_->options = options;
  // -O0 is the imported graph on the reference kernels: the baseline every level is checked by.
  impl_->program = runtime::lower(impl_->model.graph(), impl_->model.options().opt_level == 0);
  impl_->pool = std::make_unique<cpu::ThreadPool>(cpu::ThreadPool::resolve_num_threads(options.num_threads));
  impl_->inputs.resize(impl_->graph().inputs.size());
}

Session Session::load(const std::string& bundle_path, SessionOptions options) {
  return Session(load_model(bundle_path), options);
}

Session::~Session() = default;

// Moving a Session is how it is handed to another thread: the new owner starts unbound.
Session::Session(Session&& other) noexcept : impl_(std::move(other.impl_)) {
  if (impl_) impl_->bound_thread = {};
}

Session& Session::operator=(Session&& other) noexcept {
  impl_ = std::move(other.impl_);
  if (impl_) impl_->bound_thread = {};
  return *this;
}

std::vector<InputInfo> Session::inputs() const {
  std::vector<InputInfo> infos;
  for (ir::ValueId id : impl_->graph().inputs) {
    const ir::Value& v = impl_->graph().value(id);
    InputInfo info{v.name, v.type.dtype, {}};
    for (const ir::Dim& d : v.type.shape) info.dims.push_back(d.str());
    infos.push_back(std::move(info));
  }
  return infos;
}

std::vector<std::string> Session::output_names() const {
  std::vector<std::string> names;
  for (ir::ValueId id : impl_->graph().outputs) names.push_back(impl_->graph().value(id).name);
  return names;
}

const Model& Session::model() const { return impl_->model; }

void Session::Impl::check_input(size_t index, const Tensor& value) const {
  const ir::Value& v = graph().value(graph().inputs[index]);
  const std::string& name = v.name;
  if (value.dtype() != v.type.dtype) {
    throw Error("input '" + name + "' must be " + dtype_name(v.type.dtype) + ", got " +
                dtype_name(value.dtype()));
  }
  if (value.rank() != static_cast<int>(v.type.shape.size())) {
    throw Error("input '" + name + "' must have rank " + std::to_string(v.type.shape.size()) +
                " " + ir::shape_str(v.type.shape) + ", got shape " + dims_str(value.shape()));
  }
  for (int d = 0; d < value.rank(); ++d) {
    const ir::Dim& want = v.type.shape[d];
    if (want.is_known() && want.value != value.dim(d)) {
      throw Error("input '" + name + "' must have shape " + ir::shape_str(v.type.shape) +
                  ", got " + dims_str(value.shape()) + " (dim " + std::to_string(d) + ")");
    }
  }
}

void Session::Impl::set_input(const std::string& name, const Tensor& value) {
  const size_t index = input_index(name);
  check_input(index, value);
  Tensor& slot = inputs[index];
  if (!slot.defined() || slot.shape() != value.shape()) slot = Tensor::empty(value.dtype(), value.shape());
  if (value.nbytes()) std::memcpy(slot.raw(), value.raw(), value.nbytes());
}

void Session::Impl::run(bool values_checked) {
  runtime::Plan& plan = plan_for_inputs(values_checked);
  current = &plan;
  if (!profiling) {
    for (const runtime::PlannedStep& step : plan.steps()) step.fn(step.call);
    return;
  }
  for (const runtime::PlannedStep& step : plan.steps()) {
    auto start = std::chrono::steady_clock::now();
    step.fn(step.call);
    StepProfile& p = step_profile[step.node >= 0 ? static_cast<size_t>(step.node) : graph().nodes.size()];
    p.total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    p.calls++;
  }
}

const Tensor& Session::Impl::output(const std::string& name) const {
  if (!current) throw Error("get_output('" + name + "') called before run()");
  const ir::Graph& g = graph();
  for (ir::ValueId id : g.outputs) {
    if (g.value(id).name == name) return current->output(id);
  }
  std::string known;
  for (ir::ValueId id : g.outputs) known += (known.empty() ? "" : ", ") + g.value(id).name;
  throw Error("unknown output '" + name + "' (the model's outputs are: " + known + ")");
}

void Session::set_input(const std::string& name, const Tensor& value) {
  Impl::StepUse use(*impl_, "set_input", name);
  impl_->set_input(name, value);
}

void Session::run() {
  Impl::StepUse use(*impl_, "run");
  impl_->run();
}

const Tensor& Session::get_output(const std::string& name) const {
  Impl::StepUse use(*impl_, "get_output", name);
  return impl_->output(name);
}

std::vector<Tensor> Session::run(const std::map<std::string, Tensor>& inputs) {
  const std::lock_guard<std::mutex> lock(impl_->use_mutex);
  impl_->check_bound("run", "inputs");
  const ir::Graph& g = impl_->graph();
  for (ir::ValueId id : g.inputs) {
    if (!inputs.count(g.value(id).name)) throw Error("input '" + g.value(id).name + "' was not given");
  }
  // The caller's tensors are bound as they are (no copy) for this call only.
  std::vector<Tensor>& bound = impl_->inputs;
  struct Unbind {
    std::vector<Tensor>& inputs;
    ~Unbind() { std::fill(inputs.begin(), inputs.end(), Tensor()); }
  } unbind{bound};
  for (const auto& [name, value] : inputs) {
    const size_t index = impl_->input_index(name);
    impl_->check_input(index, value);
    bound[index] = value;
  }
  impl_->run();
  std::vector<Tensor> outputs;
  for (ir::ValueId id : g.outputs) outputs.push_back(Tensor::copy_of(impl_->current->output(id)));
  return outputs;
}

void Session::enable_profiling(bool on) {
  impl_->profiling = on;
  const ir::Graph& g = impl_->graph();
  impl_->step_profile.assign(g.nodes.size() + 1, {});
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    impl_->step_profile[n] = {g.nodes[n].name, std::string(ir::op_name(g.nodes[n].op)),
                              impl_->program.kernels[n].name, 0, 0};
  }
  impl_->step_profile.back() = {"(packing)", "gather / scatter", "pack_rows", 0, 0};
}

std::vector<StepProfile> Session::profile() const {
  std::vector<StepProfile> out;
  for (const StepProfile& p : impl_->step_profile) {
    if (p.calls) out.push_back(p);
  }
  return out;
}

size_t Session::arena_bytes() const { return impl_->current ? impl_->current->arena_bytes() : 0; }
double Session::flops() const {
  return impl_->current ? runtime::plan_flops(impl_->graph(), *impl_->current) : 0;
}
int Session::num_threads() const { return impl_->pool->num_threads(); }

}  // namespace bertc
