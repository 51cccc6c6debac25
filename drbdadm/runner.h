// How drbdadm runs drbdsetup. drbdadm never talks to the kernel itself: it
// computes drbdsetup command lines and hands them to a Runner.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace nbr::drbdadm {

using Argv = std::vector<std::string>; // argv[0] is "drbdsetup" or "drbdmeta"

struct QueryResult {
    int status = 0;
    std::string output; // what the command printed on stdout
};

class Runner {
  public:
    virtual ~Runner() = default;
    // Runs a command that changes state; its output goes to our stdout.
    // Returns the exit status (127: could not be started).
    virtual int Execute(const Argv& argv) = 0;
    // Runs a read-only command and captures its stdout. Read-only commands
    // run even in dry-run mode, so that `adjust -d` can show the real plan.
    virtual QueryResult Query(const Argv& argv) = 0;
};

// The command as a shell would need it typed (arguments quoted as needed).
std::string FormatCommand(const Argv& argv);

// fork/exec of the real drbdsetup.
class ExecRunner : public Runner {
  public:
    explicit ExecRunner(std::string program) : program_(std::move(program)) {}
    int Execute(const Argv& argv) override;
    QueryResult Query(const Argv& argv) override;

  private:
    int Spawn(const Argv& argv, std::string* capture);
    std::string program_;
};

// `drbdsetup` next to the running drbdadm binary if it exists there, else
// "drbdsetup" to be found through PATH.
std::string LocateDrbdsetup();
// The same for any tool installed next to drbdadm ("drbdmeta").
std::string LocateTool(const std::string& name);

// Sends commands whose argv[0] is "drbdmeta" to one runner and all others
// (drbdsetup) to another, so each program can have its own path.
class ToolRouter : public Runner {
  public:
    ToolRouter(Runner& drbdsetup, Runner& drbdmeta) : setup_(drbdsetup), meta_(drbdmeta) {}
    int Execute(const Argv& argv) override { return Pick(argv).Execute(argv); }
    QueryResult Query(const Argv& argv) override { return Pick(argv).Query(argv); }

  private:
    Runner& Pick(const Argv& argv) {
        return !argv.empty() && argv[0] == "drbdmeta" ? meta_ : setup_;
    }
    Runner& setup_;
    Runner& meta_;
};

// -d/--dry-run: prints state-changing commands instead of running them.
class DryRunRunner : public Runner {
  public:
    DryRunRunner(Runner& queries, std::ostream& out) : queries_(queries), out_(out) {}
    int Execute(const Argv& argv) override;
    QueryResult Query(const Argv& argv) override { return queries_.Query(argv); }

  private:
    Runner& queries_;
    std::ostream& out_;
};

// Records every command (queries too) for tests; answers queries from a
// script and fails chosen commands.
class RecordingRunner : public Runner {
  public:
    int Execute(const Argv& argv) override;
    QueryResult Query(const Argv& argv) override;

    // Answer for a query, keyed by FormatCommand() of its argv.
    void OnQuery(const std::string& command, int status, std::string output) {
        queries_[command] = {status, std::move(output)};
    }
    void FailOn(const std::string& command, int status) { failures_[command] = status; }

    // Status of queries without a scripted answer (default: 10, "no such minor").
    int unknown_query_status = 10;
    std::vector<std::string> log;

  private:
    std::map<std::string, QueryResult> queries_;
    std::map<std::string, int> failures_;
};

} // namespace nbr::drbdadm
