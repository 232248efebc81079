// How many CPUs a container's CPU quota allows, from the cgroup files the kernel exposes:
// cgroup v2 `cpu.max` ("200000 100000": 2 CPUs; "max 100000": no limit) and cgroup v1
// `cpu.cfs_quota_us` / `cpu.cfs_period_us` (quota -1: no limit), in the process's own cgroup
// (from /proc/self/cgroup) and every cgroup above it: the smallest limit wins, rounded up.
#pragma once

#include <filesystem>
#include <string>

namespace bertc::cpu {

// The limit for a process whose /proc/self/cgroup reads `proc_self_cgroup`, with the cgroup
// file systems mounted under `root` (v2: root itself; v1: root/cpu,cpuacct or root/cpu).
// 0 when there is no quota or the files cannot be read.
int cgroup_cpu_limit(const std::filesystem::path& root, const std::string& proc_self_cgroup);

// The same for this process (/sys/fs/cgroup), read once.
int process_cpu_limit();

}  // namespace bertc::cpu
