#include "drbdmeta/device.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nbr::drbdmeta {

Device::Device(const std::string& path, bool writable) : path_(path) {
    fd_ = open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd_ < 0) {
        error_ = path + ": " + std::strerror(errno);
        return;
    }
    struct stat st {};
    if (fstat(fd_, &st) != 0) {
        error_ = path + ": " + std::strerror(errno);
    } else if (S_ISREG(st.st_mode)) {
        size_ = std::uint64_t(st.st_size);
    } else if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd_, BLKGETSIZE64, &size_) != 0)
            error_ = path + ": cannot read the device size: " + std::strerror(errno);
    } else {
        error_ = path + ": not a block device or regular file";
    }
    if (!error_.empty()) {
        close(fd_);
        fd_ = -1;
    }
}

Device::~Device() {
    if (fd_ >= 0)
        close(fd_);
}

bool Device::Read(std::uint64_t offset, std::size_t len, Bytes& out) {
    out.assign(len, 0);
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd_, out.data() + done, len - done, off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_ =
                path_ + ": read at " + std::to_string(offset + done) + ": " + std::strerror(errno);
            return false;
        }
        if (n == 0)
            break; // end of file: the rest stays zero
        done += std::size_t(n);
    }
    return true;
}

bool Device::Write(std::uint64_t offset, const Bytes& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = pwrite(fd_, data.data() + done, data.size() - done, off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error_ = path_ + ": write at " + std::to_string(offset + done) + ": " +
                     (n < 0 ? std::strerror(errno) : "short write");
            return false;
        }
        done += std::size_t(n);
    }
    return true;
}

bool Device::Sync() {
    if (fsync(fd_) != 0) {
        error_ = path_ + ": fsync: " + std::strerror(errno);
        return false;
    }
    return true;
}

} // namespace nbr::drbdmeta
