#include "bwrap_command.hpp"

namespace tinyllm::code_tool {

std::vector<std::string> program_environment(const std::string &home) {
    return {
        "PATH=/usr/bin:/bin",
        "HOME=" + home,
        "TMPDIR=" + home,
        "LANG=C.UTF-8",
        // Nothing to cache between runs, and /usr is read-only anyway.
        "PYTHONDONTWRITEBYTECODE=1",
        // Output written before a timeout or a crash still reaches the result.
        "PYTHONUNBUFFERED=1",
    };
}

std::string script_name(Language language) {
    return language == Language::python ? "main.py" : "main.sh";
}

std::vector<std::string> interpreter_argv(const SandboxOptions &options, Language language,
                                          const std::string &script_path) {
    if (language == Language::python) {
        // -I: ignore PYTHON* variables and the user site directory; -u: unbuffered (see
        // PYTHONUNBUFFERED above, which -I ignores).
        return {options.python, "-I", "-u", script_path};
    }
    return {options.sh, script_path};
}

std::vector<std::string> bwrap_argv(const std::string &bwrap_path, const SandboxOptions &options,
                                    const std::string &script_path,
                                    const std::vector<std::string> &program) {
    const std::string tmp_size = std::to_string(options.max_file_size_mb * 4 * 1024 * 1024);
    const std::string fd = std::to_string(kCodeFd);
    std::vector<std::string> argv = {
        bwrap_path,
        // Every namespace: no network (only a private loopback), no host pids, no host IPC, a
        // private hostname and mount table. --unshare-user is spelled out because --uid needs it.
        "--unshare-all",
        "--unshare-user",
        // No nested user namespaces: they would give the program capabilities over new mount
        // and network namespaces (a common route to kernel bugs).
        "--disable-userns",
        "--uid",
        std::to_string(kSandboxUid),
        "--gid",
        std::to_string(kSandboxGid),
        "--hostname",
        "sandbox",
        // The sandbox dies when bwrap or its parent (the runner's keeper process) dies.
        "--die-with-parent",
        // setsid(): the program has no controlling terminal to push input into (TIOCSTI).
        "--new-session",
        // Only matters when bwrap itself runs as root (it never does here: the runner drops to
        // an unprivileged uid first); kept so a setuid bwrap could not hand out capabilities.
        "--cap-drop",
        "ALL",
        "--clearenv",
    };
    for (const std::string &kv : program_environment("/tmp")) {
        const auto eq = kv.find('=');
        argv.insert(argv.end(), {"--setenv", kv.substr(0, eq), kv.substr(eq + 1)});
    }
    // clang-format off
    const std::vector<std::string> filesystem = {
        // The OS's programs and libraries, read-only. Nothing else of the host: no /home,
        // /root, /etc, /var, /run, no TinyLLM config or data directory.
        "--ro-bind", "/usr", "/usr",
        "--symlink", "usr/bin", "/bin",
        "--symlink", "usr/sbin", "/sbin",
        "--symlink", "usr/lib", "/lib",
        "--symlink", "usr/lib64", "/lib64",
        // The dynamic loader's cache (a list of the libraries in /usr anyway) and the
        // alternatives symlinks (awk, editor...). Not /etc as a whole: it holds host secrets.
        "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
        "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
        // A procfs of the sandbox's own pid namespace, and a minimal /dev (null, zero, full,
        // random, urandom, tty, pts).
        "--proc", "/proc",
        "--dev", "/dev",
        // The only writable place: a fresh, size-limited tmpfs, gone when the run ends.
        "--size", tmp_size, "--tmpfs", "/tmp",
        // The program text, read-only.
        "--ro-bind-data", fd, script_path,
        // bwrap builds / and /dev as writable tmpfs owned by the sandbox uid; without these a
        // program could fill memory through them, bypassing /tmp's size limit.
        "--remount-ro", "/dev",
        "--remount-ro", "/",
        "--chdir", "/tmp",
        // Applied by bwrap after its own setup, right before exec (seccomp_filter.cpp).
        "--seccomp", std::to_string(kSeccompFd),
        "--",
        // RLIMIT_NPROC counts processes per (user namespace, uid). Set here, after bwrap
        // created the namespace, it counts only this sandbox's processes: set before, it
        // would count every process of the uid on the host (a developer's whole session, or
        // every concurrent run as "nobody") and make the first fork fail.
        kPrlimitPath, "--nproc=" + std::to_string(options.max_processes), "--",
    };
    // clang-format on
    argv.insert(argv.end(), filesystem.begin(), filesystem.end());
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
}

} // namespace tinyllm::code_tool
