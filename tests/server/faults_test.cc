// bertc serve under concurrent clients and misbehaving ones: cross-request batching keeps each
// request's results its own, a client that leaves frees its slot, slow readers hold no thread,
// and SIGTERM answers every accepted request before exiting 0. Every loop is bounded.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "../pipeline/text_fixtures.h"
#include "http_client.h"

namespace bertc::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::vector<std::string> texts_for(int client, int request) {
  std::vector<std::string> texts;
  for (int i = 0; i <= (client + request) % 8; ++i) {
    std::string t = "hello world " + std::to_string(client) + " " + std::to_string(request);
    for (int w = 0; w < (i * 13 + client) % 28; ++w) t += " word";  // within the 40 positions
    texts.push_back(t);
  }
  return texts;
}

double metric(const std::string& text, const std::string& name) {
  const size_t at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::stod(text.substr(at + name.size() + 2));
}

TEST(ServeFaults, ConcurrentRequestsShareBatchesAndKeepTheirOwnResults) {
  Pipeline pipeline = Pipeline::load(embedder_folder());
  TestServer ts(&pipeline);
  constexpr int kClients = 16, kRequests = 10;
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(ts.port);
      for (int r = 0; r < kRequests; ++r) {
        const std::vector<std::string> texts = texts_for(c, r);
        const HttpReply reply = client.post("/embed", json{{"inputs", texts}}.dump());
        if (reply.status != 200) {
          ++failed;
          continue;
        }
        const std::vector<std::vector<float>> expected =
            pipeline.embed(pipeline.encode(std::vector<EncodeInput>(texts.begin(), texts.end())), true);
        const json j = reply.json();
        for (size_t i = 0; i < texts.size(); ++i) {
          if (max_abs_diff(j[i].get<std::vector<float>>(), expected[i]) > 1e-5) ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(wrong, 0);
  HttpClient client(ts.port);
  const std::string m = client.get("/metrics").body;
  const double batches = metric(m, "bertc_batch_size_count"), sequences = metric(m, "bertc_batch_size_sum");
  EXPECT_GT(sequences / batches, 1.0) << "no batch ever held more than one sequence";
  EXPECT_EQ(metric(m, "bertc_requests_in_flight"), 0);
}

TEST(ServeFaults, MaxBatchRequestsOneNeverMixesRequests) {
  Pipeline pipeline = Pipeline::load(embedder_folder());
  TestServer ts(&pipeline, ServeOptions{.max_batch_requests = 1});
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int c = 0; c < 8; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(ts.port);
      for (int r = 0; r < 10; ++r) failed += client.post("/embed", json{{"inputs", texts_for(c, r)}}.dump()).status != 200;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failed, 0);
  HttpClient client(ts.port);
  const std::string m = client.get("/metrics").body;
  // texts_for gives at most 8 inputs: a batch of one request never holds more.
  EXPECT_NE(m.find("bertc_batch_size_bucket{le=\"8\"} 80\n"), std::string::npos) << m;
  EXPECT_EQ(metric(m, "bertc_batch_size_count"), 80);
}

TEST(ServeFaults, ClientThatLeavesFreesItsSlot) {
  Pipeline pipeline = Pipeline::load(embedder_folder());
  TestServer ts(&pipeline, ServeOptions{.max_concurrent_requests = 1, .max_client_batch_size = 5000,
                                       .payload_limit = 10'000'000});
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "word ";
  const std::string body = json{{"inputs", std::vector<std::string>(5000, long_text)}, {"truncate", true}}.dump();
  // Send a heavy request and hang up without reading.
  const int fd = connect_loopback(ts.port);
  ASSERT_GE(fd, 0);
  const std::string req = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), static_cast<ssize_t>(req.size()));
  const auto accepted_by = Clock::now() + std::chrono::seconds(60);  // read and counted
  while (ts.server->requests_in_flight() == 0 && Clock::now() < accepted_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::close(fd);
  // The slot comes back (bounded wait), and the next request is answered correctly.
  HttpClient client(ts.port);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (ts.server->requests_in_flight() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(ts.server->requests_in_flight(), 0u);
  const HttpReply r = client.post("/embed", R"({"inputs": ["after", "the client left"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto expected = pipeline.embed(pipeline.encode(std::vector<EncodeInput>{"after", "the client left"}), true);
  EXPECT_LT(max_abs_diff(r.json()[1].get<std::vector<float>>(), expected[1]), 1e-5);
  EXPECT_NE(client.get("/metrics").body.find("status=\"499\"} 1"), std::string::npos);
}

TEST(ServeFaults, TwoHundredSlowReadersHoldNoThread) {
  Pipeline pipeline = Pipeline::load(embedder_folder());
  TestServer ts(&pipeline, ServeOptions{.read_timeout = std::chrono::milliseconds(1500),
                                       .write_timeout = std::chrono::milliseconds(1500)});
  const std::string body = json{{"inputs", std::vector<std::string>(32, "a text for a slow reader")}}.dump();
  const std::string req = "POST /embed HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                          "\r\n\r\n" + body;
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    const int fd = connect_loopback(ts.port);
    ASSERT_GE(fd, 0);
    // Half send a whole request and never read; half send half a request and stall.
    const size_t n = i % 2 ? req.size() : req.size() / 2;
    ASSERT_EQ(::send(fd, req.data(), n, MSG_NOSIGNAL), static_cast<ssize_t>(n));
    fds.push_back(fd);
  }
  // A well-behaved client is served at once meanwhile.
  HttpClient client(ts.port, std::chrono::seconds(5));
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client.post("/embed", R"({"inputs": "prompt"})").status, 200);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  // The stalled ones are closed by the read timeout (recv sees the end after the answer, if any).
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  int closed = 0;
  for (int fd : fds) {
    char buf[65536];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {}
    if (n == 0) ++closed;
    ::close(fd);
  }
  EXPECT_EQ(closed, 200);
}

// The real binary: start on port 0, load it from several keep-alive clients, SIGTERM, and check
// that every request sent well before the signal got its answer and the exit status is 0.
TEST(ServeFaults, SigtermAnswersEveryAcceptedRequest) {
  const std::string model = embedder_folder();
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    const std::string bertc = std::string(BERTC_BINARY_DIR) + "/bertc";
    ::execl(bertc.c_str(), "bertc", "serve", model.c_str(), "--port", "0", "--threads", "1",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  FILE* log = ::fdopen(out[0], "r");
  std::uint16_t port = 0;
  char line[4096];
  while (std::fgets(line, sizeof line, log)) {  // bounded by the child: it prints or exits
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("event", "") == "listening") port = j["port"];
    if (j.is_object() && j.value("event", "") == "ready") break;
  }
  ASSERT_NE(port, 0);
  std::thread drain_log([log] {
    char buf[4096];
    while (std::fgets(buf, sizeof buf, log)) {}
    std::fclose(log);
  });

  constexpr int kClients = 8;
  std::atomic<bool> stop{false};
  const auto signal_time = Clock::now() + std::chrono::milliseconds(800);
  std::atomic<int> answered{0}, lost_early{0}, lost_late{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      HttpClient client(port, std::chrono::seconds(30));
      for (int r = 0; r < 10000 && !stop; ++r) {
        const auto sent = Clock::now();
        const HttpReply reply = client.post("/embed", json{{"inputs", texts_for(c, r)}}.dump());
        if (reply.status == 200) {
          ++answered;
        } else if (reply.status == 503) {
          break;  // draining: answered, and told to go
        } else if (sent < signal_time - std::chrono::milliseconds(50)) {
          std::fprintf(stderr, "client %d request %d: status %d %s\n", c, r, reply.status, reply.body.c_str());
          ++lost_early;
        } else {
          ++lost_late;
          break;
        }
      }
    });
  }
  std::this_thread::sleep_until(signal_time);
  ::kill(pid, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0);
  stop = true;
  for (std::thread& t : clients) t.join();
  drain_log.join();
  ASSERT_EQ(done, pid) << "bertc serve did not exit within 30 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_GT(answered, kClients);
  EXPECT_EQ(lost_early, 0) << "requests sent before SIGTERM went unanswered";
}

}  // namespace
}  // namespace bertc::testing
