#include "drbdadm/runner.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <sys/wait.h>
#include <unistd.h>

namespace nbr::drbdadm {

namespace {

// Owns a file descriptor.
class Fd {
  public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(o.Release()) {}
    Fd& operator=(Fd&& o) noexcept {
        Reset(o.Release());
        return *this;
    }
    ~Fd() { Reset(); }
    int get() const { return fd_; }
    int Release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void Reset(int fd = -1) {
        if (fd_ >= 0)
            close(fd_);
        fd_ = fd;
    }

  private:
    int fd_ = -1;
};

bool NeedsQuoting(const std::string& s) {
    if (s.empty())
        return true;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) ||
              std::string_view("/._-:=,+@%[]").find(c) != std::string_view::npos))
            return true;
    return false;
}

} // namespace

std::string FormatCommand(const Argv& argv) {
    std::string out;
    for (const std::string& a : argv) {
        if (!out.empty())
            out += ' ';
        if (!NeedsQuoting(a)) {
            out += a;
            continue;
        }
        out += '\'';
        for (char c : a) {
            if (c == '\'')
                out += "'\\''";
            else
                out += c;
        }
        out += '\'';
    }
    return out;
}

int ExecRunner::Spawn(const Argv& argv, std::string* capture) {
    std::vector<std::string> args = argv;
    // Prepared before fork(): the child only calls async-signal-safe code.
    const std::string cannot_run = "drbdadm: cannot run " + argv[0] + ": ";
    args[0] = program_;
    std::vector<char*> cargv;
    for (std::string& a : args)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);

    Fd read_end, write_end;
    if (capture) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) {
            std::cerr << "drbdadm: pipe: " << std::strerror(errno) << "\n";
            return 127;
        }
        read_end.Reset(fds[0]);
        write_end.Reset(fds[1]);
    }
    std::cout.flush();
    pid_t pid = fork();
    if (pid < 0) {
        std::cerr << "drbdadm: fork: " << std::strerror(errno) << "\n";
        return 127;
    }
    if (pid == 0) {
        if (capture && dup2(write_end.get(), STDOUT_FILENO) < 0)
            _exit(127);
        if (program_.find('/') != std::string::npos)
            execv(cargv[0], cargv.data());
        else
            execvp(cargv[0], cargv.data());
        const char* msg = cannot_run.c_str();
        const char* why = std::strerror(errno);
        [[maybe_unused]] ssize_t n = write(STDERR_FILENO, msg, std::strlen(msg));
        n = write(STDERR_FILENO, why, std::strlen(why));
        n = write(STDERR_FILENO, "\n", 1);
        _exit(127);
    }
    write_end.Reset();
    if (capture) {
        char buf[4096];
        for (;;) {
            ssize_t n = read(read_end.get(), buf, sizeof buf);
            if (n > 0)
                capture->append(buf, size_t(n));
            else if (n == 0 || errno != EINTR)
                break;
        }
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 127;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int ExecRunner::Execute(const Argv& argv) {
    return Spawn(argv, nullptr);
}

QueryResult ExecRunner::Query(const Argv& argv) {
    QueryResult r;
    r.status = Spawn(argv, &r.output);
    return r;
}

std::string LocateTool(const std::string& name) {
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        auto candidate = self.parent_path() / name;
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
    }
    return name;
}

std::string LocateDrbdsetup() {
    return LocateTool("drbdsetup");
}

int DryRunRunner::Execute(const Argv& argv) {
    out_ << FormatCommand(argv) << "\n";
    return 0;
}

int RecordingRunner::Execute(const Argv& argv) {
    std::string cmd = FormatCommand(argv);
    log.push_back(cmd);
    auto it = failures_.find(cmd);
    return it == failures_.end() ? 0 : it->second;
}

QueryResult RecordingRunner::Query(const Argv& argv) {
    std::string cmd = FormatCommand(argv);
    log.push_back(cmd);
    auto it = queries_.find(cmd);
    if (it == queries_.end())
        return {unknown_query_status, ""};
    return it->second;
}

} // namespace nbr::drbdadm
