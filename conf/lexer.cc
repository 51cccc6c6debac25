#include "conf/lexer.h"

#include <cstdio>

namespace nbr::conf {

const char* TokName(Tok t) {
    switch (t) {
    case Tok::Word:
        return "word";
    case Tok::String:
        return "string";
    case Tok::LBrace:
        return "'{'";
    case Tok::RBrace:
        return "'}'";
    case Tok::Semicolon:
        return "';'";
    case Tok::End:
        return "end of file";
    case Tok::Error:
        return "invalid input";
    }
    return "?";
}

std::string Token::Describe() const {
    switch (kind) {
    case Tok::Word:
        return "'" + text + "'";
    case Tok::String:
        return "string \"" + text + "\"";
    default:
        return TokName(kind);
    }
}

bool Lexer::IsWordChar(unsigned char c) {
    if (c <= ' ' || c == 0x7f)
        return false;
    return c != '{' && c != '}' && c != ';' && c != '"' && c != '#';
}

char Lexer::Advance() {
    char c = text_[pos_++];
    if (c == '\n') {
        ++line_;
        column_ = 1;
    } else {
        ++column_;
    }
    return c;
}

void Lexer::SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
        char c = text_[pos_];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            Advance();
        } else if (c == '#') {
            while (pos_ < text_.size() && text_[pos_] != '\n')
                Advance();
        } else {
            break;
        }
    }
}

Token Lexer::Next() {
    SkipSpaceAndComments();
    Token t;
    t.loc = {file_, line_, column_};
    if (pos_ >= text_.size()) {
        t.kind = Tok::End;
    } else {
        unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c == '{' || c == '}' || c == ';') {
            Advance();
            t.kind = c == '{' ? Tok::LBrace : c == '}' ? Tok::RBrace : Tok::Semicolon;
        } else if (c == '"') {
            Advance();
            t.kind = Tok::String;
            bool closed = false;
            while (pos_ < text_.size()) {
                char s = Advance();
                if (s == '"') {
                    closed = true;
                    break;
                }
                if (s == '\\' && pos_ < text_.size())
                    s = Advance();
                t.text += s;
            }
            if (!closed) {
                t.kind = Tok::Error;
                t.text = "unterminated string";
            }
        } else if (IsWordChar(c)) {
            t.kind = Tok::Word;
            while (pos_ < text_.size() && IsWordChar(static_cast<unsigned char>(text_[pos_])))
                t.text += Advance();
        } else {
            Advance();
            t.kind = Tok::Error;
            char buf[8];
            snprintf(buf, sizeof buf, "\\x%02x", c);
            t.text = std::string("unexpected character '") + buf + "'";
        }
    }
    t.end_line = line_;
    t.end_column = column_;
    return t;
}

} // namespace nbr::conf
