// Hand-written lexer for drbd.conf: words, quoted strings, braces and
// semicolons, with '#' comments; every token carries its line and column.
#pragma once

#include "conf/source.h"

#include <string>
#include <string_view>

namespace nbr::conf {

enum class Tok { Word, String, LBrace, RBrace, Semicolon, End, Error };

const char* TokName(Tok t);

struct Token {
    Tok kind = Tok::End;
    std::string text; // word or string contents (unescaped); error message for Tok::Error
    Location loc;
    int end_column = 0; // column just after the token (for "missing ';'" errors)
    int end_line = 0;

    std::string Describe() const; // for "expected X, got Y"
};

class Lexer {
  public:
    Lexer(std::string file, std::string_view text) : file_(std::move(file)), text_(text) {}

    Token Next();
    Token Peek() {
        Lexer copy = *this;
        return copy.Next();
    }

    // True if c may appear in an unquoted word.
    static bool IsWordChar(unsigned char c);

  private:
    void SkipSpaceAndComments();
    char Advance();

    std::string file_;
    std::string_view text_;
    size_t pos_ = 0;
    int line_ = 1;
    int column_ = 1;
};

} // namespace nbr::conf
