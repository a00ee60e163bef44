// The seccomp filter every sandboxed program runs under. Namespaces hide the host; this filter
// closes the kernel interfaces namespaces do not cover (ptrace, keyrings, bpf, io_uring, new
// namespaces, non-local sockets, TIOCSTI...). Default allow with a deny list: an allowlist
// breaks interpreters on every libc or Python upgrade, while these calls are never needed by
// the short programs a model writes.
#pragma once

#include <vector>

namespace tinyllm::code_tool {

// The compiled filter as classic BPF (an array of struct sock_filter), the format both
// `bwrap --seccomp FD` and seccomp(SECCOMP_SET_MODE_FILTER) take. Built once per process and
// cached. Throws sdk::Error(TLLM_ERR_INTERNAL) when libseccomp refuses.
const std::vector<unsigned char> &seccomp_bpf();

} // namespace tinyllm::code_tool
