// Threads: thread counts are validated and capped; one Session used from two threads is
// refused loudly (never mixed inputs or outputs); Session::run(inputs) and a shared Pipeline
// are safe from several threads and give the single-thread answers.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "../common/error_of.h"
#include "../e2e/fixtures.h"
#include "../pipeline/text_fixtures.h"
#include "bertc/pipeline.h"
#include "bertc/session.h"
#include "cpu/thread_pool.h"

namespace bertc {
namespace {

using testing::error_of;

Model tiny_model() {
  return compile((testing::fixtures_dir() / "bert_opset14" / "model.onnx").string(),
                 {.opt_level = 3});
}

std::map<std::string, Tensor> inputs(const std::string& set) {
  return testing::read_npy_dir(testing::fixtures_dir() / "bert_opset14" / set);
}

bool same(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

TEST(Threads, CountsAreValidatedAndCapped) {
  const int cpus = cpu::ThreadPool::available_cpus();
  EXPECT_EQ(cpu::ThreadPool::resolve_num_threads(0), cpus);
  EXPECT_EQ(cpu::ThreadPool::resolve_num_threads(1), 1);
  EXPECT_EQ(cpu::ThreadPool::resolve_num_threads(100000), cpus);
  EXPECT_HAS(error_of([] { cpu::ThreadPool::resolve_num_threads(-1); }),
             "thread count must be 0 (one per available CPU) or positive, got -1");
  Session s(tiny_model(), {.num_threads = 1000});
  EXPECT_EQ(s.num_threads(), cpus);
  EXPECT_HAS(error_of([] { Session(tiny_model(), {.num_threads = -1}); }), "got -1");
}

TEST(Threads, AnotherThreadsStepByStepCallsAreRefused) {
  Session s(tiny_model());
  for (const auto& [name, t] : inputs("inputs")) s.set_input(name, t);
  std::string err;
  std::thread([&] { err = error_of([&] { s.run(); }); }).join();
  EXPECT_HAS(err, "Session::run(): this Session is in step-by-step use by another thread");
  std::thread([&] { err = error_of([&] { s.run(inputs("inputs")); }); }).join();
  EXPECT_HAS(err, "in step-by-step use by another thread");
  EXPECT_NO_THROW(s.run());  // the owner still can

  Session moved = std::move(s);  // moving hands it over
  std::thread([&] {
    err = error_of([&] {
      for (const auto& [name, t] : inputs("inputs_2")) moved.set_input(name, t);
      moved.run();
    });
  }).join();
  EXPECT_EQ(err, "");
}

// run(inputs) reads the caller's tensors in place for the call only: nothing of them is kept.
TEST(Threads, RunWithInputsKeepsNoInputBound) {
  Session s(tiny_model());
  const auto feeds = inputs("inputs");
  const std::vector<Tensor> first = s.run(feeds);
  try {
    s.run();
    ADD_FAILURE() << "run() after run(inputs) found inputs still bound";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was not set"), std::string::npos) << e.what();
  }
}

TEST(Threads, RunWithInputsIsSafeFromManyThreads) {
  Session s(tiny_model());
  const std::vector<std::string> sets = {"inputs", "inputs_2"};
  std::vector<std::vector<Tensor>> expected;
  {
    Session alone(tiny_model());
    for (const std::string& set : sets) expected.push_back(alone.run(inputs(set)));
  }
  std::atomic<int> wrong{0}, done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const auto feeds = inputs(sets[t % 2]);
      for (int i = 0; i < 25; ++i) {
        const std::vector<Tensor> out = s.run(feeds);
        for (size_t k = 0; k < out.size(); ++k) wrong += !same(out[k], expected[t % 2][k]);
        ++done;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(done.load(), 100);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(Threads, OverlappingStepByStepUseNeverMixesResults) {
  // Two threads hammer one Session step by step with different inputs: every call either
  // throws bertc::Error or belongs wholly to its thread.
  Session s(tiny_model());
  const std::vector<std::string> sets = {"inputs", "inputs_2"};
  std::vector<Tensor> expected;
  {
    Session alone(tiny_model());
    for (const std::string& set : sets) expected.push_back(alone.run(inputs(set))[0]);
  }
  const std::string out_name = s.output_names()[0];
  std::atomic<int> wrong{0}, ok{0}, refused{0};
  auto worker = [&](int t) {
    const auto feeds = inputs(sets[t]);
    for (int i = 0; i < 50; ++i) {
      try {
        for (const auto& [name, v] : feeds) s.set_input(name, v);
        s.run();
        wrong += !same(s.get_output(out_name), expected[t]);
        ++ok;
      } catch (const Error&) {
        ++refused;
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(ok + refused, 100);
  EXPECT_GT(refused.load(), 0);  // the second thread to arrive is refused every time
}

TEST(Threads, SharedPipelineGivesTheSingleThreadAnswers) {
  BERTC_SKIP_WITHOUT_SHARED_DATA();
  Pipeline p = Pipeline::load(testing::assemble_text_model("bert_cls", "threads").string(),
                              {.compile = {.opt_level = 3}, .max_batch_tokens = 16});
  const std::vector<std::string> texts = {"I loved it", "Meh.",
                                          "A much longer sentence here, with more words.", "x"};
  const std::vector<Classification> expected = p.classify(texts);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const std::vector<Classification> got = p.classify(texts);
        for (size_t k = 0; k < got.size(); ++k) wrong += got[k].logits != expected[k].logits;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace bertc
