// Helpers shared by the kernel/lib unit tests.
#pragma once

#include <cctype>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nbrtest {

using Bytes = std::vector<std::uint8_t>;

// "4e425231 0005" -> {0x4e, 0x42, 0x52, 0x31, 0x00, 0x05}; spaces ignored,
// so expected packets can be written field by field.
inline Bytes Hex(std::string_view text) {
    Bytes out;
    int hi = -1;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)))
            continue;
        int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                                                            : -1;
        if (v < 0)
            throw std::invalid_argument("bad hex digit");
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    if (hi >= 0)
        throw std::invalid_argument("odd number of hex digits");
    return out;
}

// A name field: the ASCII text, NUL-padded to 64 bytes, as hex.
inline std::string NameHex(std::string_view name) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < 64; i++) {
        unsigned char c = i < name.size() ? static_cast<unsigned char>(name[i]) : 0;
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

// Bytes 0..n-1 as hex: the nonces used in the tests.
inline std::string CountHex(int first, int n) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < n; i++) {
        int c = (first + i) & 0xff;
        out += digits[c >> 4];
        out += digits[c & 15];
    }
    return out;
}

} // namespace nbrtest
