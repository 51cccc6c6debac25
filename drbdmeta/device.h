// A backing or metadata device (or a regular file standing in for one):
// an owned file descriptor, its size, and whole-buffer positioned I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nbr::drbdmeta {

using Bytes = std::vector<std::uint8_t>;

class Device {
  public:
    // Opens `path`; on failure ok() is false and error() says why.
    Device(const std::string& path, bool writable);
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    ~Device();

    bool ok() const { return fd_ >= 0; }
    const std::string& error() const { return error_; }
    const std::string& path() const { return path_; }
    // Bytes: st_size of a regular file, BLKGETSIZE64 of a block device.
    std::uint64_t size() const { return size_; }

    // Reads `len` bytes at `offset`; bytes past the end read as zeros.
    bool Read(std::uint64_t offset, std::size_t len, Bytes& out);
    bool Write(std::uint64_t offset, const Bytes& data);
    bool Sync();

  private:
    std::string path_;
    int fd_ = -1;
    std::uint64_t size_ = 0;
    std::string error_;
};

} // namespace nbr::drbdmeta
