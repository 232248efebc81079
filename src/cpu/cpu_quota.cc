#include "cpu/cpu_quota.h"

#include <fstream>
#include <sstream>
#include <vector>

namespace bertc::cpu {
namespace {

// ceil(quota / period), or 0 for no limit or nonsense.
int cpus_for(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  return static_cast<int>((quota + period - 1) / period);
}

bool read_words(const std::filesystem::path& file, std::vector<std::string>& words) {
  std::ifstream in(file);
  if (!in) return false;
  words.clear();
  for (std::string w; in >> w;) words.push_back(w);
  return !words.empty();
}

long long to_number(const std::string& word) {
  try {
    size_t used = 0;
    const long long v = std::stoll(word, &used);
    return used == word.size() ? v : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// The limit of one cgroup folder (v2 or v1 files), 0 when none.
int folder_limit(const std::filesystem::path& dir) {
  std::vector<std::string> w;
  if (read_words(dir / "cpu.max", w)) {  // v2
    return w[0] == "max" || w.size() < 2 ? 0 : cpus_for(to_number(w[0]), to_number(w[1]));
  }
  std::vector<std::string> period;
  if (read_words(dir / "cpu.cfs_quota_us", w) && read_words(dir / "cpu.cfs_period_us", period)) {
    return cpus_for(to_number(w[0]), to_number(period[0]));
  }
  return 0;
}

// The smallest limit on `dir` and every folder above it up to `top`.
int smallest_limit(const std::filesystem::path& top, const std::string& cgroup_path) {
  int best = 0;
  std::filesystem::path rel = std::filesystem::path(cgroup_path).relative_path();
  for (;;) {
    const int limit = folder_limit(top / rel);
    if (limit > 0 && (best == 0 || limit < best)) best = limit;
    if (rel.empty()) break;
    rel = rel.parent_path();
  }
  return best;
}

}  // namespace

int cgroup_cpu_limit(const std::filesystem::path& root, const std::string& proc_self_cgroup) {
  int best = 0;
  auto take = [&](int limit) {
    if (limit > 0 && (best == 0 || limit < best)) best = limit;
  };
  std::istringstream lines(proc_self_cgroup);
  for (std::string line; std::getline(lines, line);) {
    // "hierarchy-id:controllers:path"; v2 is "0::path".
    const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (controllers.empty()) {
      take(smallest_limit(root, path));
      continue;
    }
    std::istringstream names(controllers);
    bool has_cpu = false;
    for (std::string c; std::getline(names, c, ',');) has_cpu = has_cpu || c == "cpu";
    if (!has_cpu) continue;
    for (const char* mount : {"cpu,cpuacct", "cpuacct,cpu", "cpu"}) take(smallest_limit(root / mount, path));
  }
  return best;
}

int process_cpu_limit() {
  static const int limit = [] {
    std::ifstream in("/proc/self/cgroup");
    std::stringstream text;
    text << in.rdbuf();
    return cgroup_cpu_limit("/sys/fs/cgroup", text.str());
  }();
  return limit;
}

}  // namespace bertc::cpu
