#include "seccomp_filter.hpp"

#include <tinyllm/plugin.hpp>

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tinyllm::code_tool {

namespace {

// Denied outright with EPERM. Grouped by what they would give a program that namespaces and
// the unprivileged uid do not already take away.
constexpr const char *kDenied[] = {
    // Reading or steering other processes (the pid namespace hides the host, but a program
    // could still attack its own sandbox's pid 1 and the bwrap monitor outside it).
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    // Kernel keyrings are not namespaced: a program could read or plant keys of the uid.
    "keyctl", "add_key", "request_key",
    // Large kernel attack surfaces a short script never needs.
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "lookup_dcookie", "uselib", "modify_ldt", "vm86", "vm86old", "iopl",
    "ioperm", "syslog", "move_pages", "migrate_pages", "mbind", "set_mempolicy", "get_mempolicy",
    "fanotify_init", "nfsservctl", "sysfs", "_sysctl", "ustat",
    // Mount table and namespace changes: the sandbox's filesystem view must stay as built.
    "mount", "umount", "umount2", "pivot_root", "chroot", "unshare", "setns", "fsopen", "fsconfig",
    "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    // Whole-machine operations (capability-checked already; denied so a kernel bug in their
    // permission checks is not reachable).
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "create_module", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "stime",
    // File handles bypass path-based access (the "shocker" container escape).
    "name_to_handle_at", "open_by_handle_at"};

// Every CLONE_NEW* flag: any one of them asks for a new namespace.
constexpr unsigned long kNamespaceFlags[] = {CLONE_NEWUSER,   CLONE_NEWNS,  CLONE_NEWPID,
                                             CLONE_NEWNET,    CLONE_NEWUTS, CLONE_NEWIPC,
                                             CLONE_NEWCGROUP, CLONE_NEWTIME};

// PER_LINUX is the only personality a program needs; the others switch off ASLR
// (ADDR_NO_RANDOMIZE) or make data executable (READ_IMPLIES_EXEC). libseccomp allows one
// comparison per argument and rule, so the query value 0xffffffff is denied too, as Flatpak
// does; nothing in libc or Python asks.
constexpr scmp_datum_t kPersonalityLinux = 0;

class Filter {
public:
    Filter() : ctx_(seccomp_init(SCMP_ACT_ALLOW)) {
        if (ctx_ == nullptr) fail("seccomp_init", -ENOMEM);
    }
    ~Filter() { seccomp_release(ctx_); }
    Filter(const Filter &) = delete;
    Filter &operator=(const Filter &) = delete;

    scmp_filter_ctx get() const { return ctx_; }

    // A syscall this architecture or this libseccomp does not know is skipped: there is
    // nothing to deny.
    void deny(const char *name, uint32_t action, std::initializer_list<scmp_arg_cmp> args = {}) {
        const int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) return;
        const int rc = seccomp_rule_add_array(ctx_, action, nr, static_cast<unsigned>(args.size()),
                                              args.size() ? args.begin() : nullptr);
        if (rc != 0) fail(name, rc);
    }

    [[noreturn]] static void fail(const std::string &what, int rc) {
        throw sdk::Error(TLLM_ERR_INTERNAL, "code tool: building the seccomp filter failed at " +
                                                what + ": " + std::strerror(-rc));
    }

private:
    scmp_filter_ctx ctx_;
};

void build(Filter &f) {
    // A program that switches to another syscall ABI (int 0x80 for i386, the x32 numbers)
    // would dodge every rule below, which is keyed by native numbers: kill it instead.
    int rc = seccomp_attr_set(f.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (rc != 0) Filter::fail("SCMP_FLTATR_ACT_BADARCH", rc);
    // bwrap and our runner both set no_new_privs themselves; libseccomp need not.
    rc = seccomp_attr_set(f.get(), SCMP_FLTATR_CTL_NNP, 0);
    if (rc != 0) Filter::fail("SCMP_FLTATR_CTL_NNP", rc);

    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    for (const char *name : kDenied)
        f.deny(name, eperm);

    for (unsigned long flag : kNamespaceFlags) {
        f.deny("clone", eperm, {SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)});
    }
    // clone3 passes its flags in a struct seccomp cannot read. ENOSYS (not EPERM) makes glibc
    // fall back to clone(), whose flags the rules above do check.
    f.deny("clone3", SCMP_ACT_ERRNO(ENOSYS));

    // Faking terminal input into the caller's shell (TIOCSTI) and the console's TIOCLINUX.
    // The request is an int: compare only the low 32 bits, as the kernel does.
    f.deny("ioctl", eperm, {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI)});
    f.deny("ioctl", eperm, {SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX)});

    // Only local (AF_UNIX) sockets. The network namespace already has no route out; this also
    // holds when running unsandboxed, and closes netlink/packet sockets to the kernel.
    f.deny("socket", SCMP_ACT_ERRNO(EAFNOSUPPORT), {SCMP_A0(SCMP_CMP_NE, AF_UNIX)});

    f.deny("personality", eperm, {SCMP_A0(SCMP_CMP_NE, kPersonalityLinux)});
}

// libseccomp writes the program to a file descriptor only; a memfd keeps it off the disk.
std::string export_bpf(const Filter &f) {
    const int fd = memfd_create("tinyllm-seccomp", MFD_CLOEXEC);
    if (fd < 0) Filter::fail("memfd_create", -errno);
    const int rc = seccomp_export_bpf(f.get(), fd);
    std::string out;
    if (rc == 0 && lseek(fd, 0, SEEK_SET) == 0) {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0)
            out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    if (rc != 0) Filter::fail("seccomp_export_bpf", rc);
    return out;
}

} // namespace

const std::vector<unsigned char> &seccomp_bpf() {
    static const std::vector<unsigned char> program = [] {
        Filter f;
        build(f);
        const std::string bytes = export_bpf(f);
        if (bytes.empty()) Filter::fail("seccomp_export_bpf (empty program)", -EINVAL);
        return std::vector<unsigned char>(bytes.begin(), bytes.end());
    }();
    return program;
}

} // namespace tinyllm::code_tool
