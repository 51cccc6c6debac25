#include "conf/lexer.h"

#include <gtest/gtest.h>

namespace nbr::conf {
namespace {

std::string Tokens(std::string_view text) {
    Lexer lex("t.conf", text);
    std::string out;
    for (;;) {
        Token t = lex.Next();
        out += std::to_string(t.loc.line) + ":" + std::to_string(t.loc.column) + " ";
        switch (t.kind) {
        case Tok::Word:
            out += "W(" + t.text + ")";
            break;
        case Tok::String:
            out += "S(" + t.text + ")";
            break;
        case Tok::Error:
            out += "E(" + t.text + ")";
            break;
        default:
            out += TokName(t.kind);
        }
        if (t.kind == Tok::End)
            return out;
        out += " ";
    }
}

TEST(Lexer, WordsBracesAndSemicolons) {
    EXPECT_EQ(Tokens("resource r0 {\n  device /dev/nb0;\n}"),
              "1:1 W(resource) 1:10 W(r0) 1:13 '{' 2:3 W(device) 2:10 W(/dev/nb0) 2:18 ';' 3:1 "
              "'}' 3:2 end of file");
}

TEST(Lexer, CommentsRunToEndOfLine) {
    EXPECT_EQ(Tokens("a; # b { c\nd;"), "1:1 W(a) 1:2 ';' 2:1 W(d) 2:2 ';' 2:3 end of file");
}

TEST(Lexer, StringsWithEscapesAndNewlines) {
    EXPECT_EQ(Tokens(R"(x "a \"b\" \\ c;
d";)"),
              "1:1 W(x) 1:3 S(a \"b\" \\ c;\nd) 2:3 ';' 2:4 end of file");
}

TEST(Lexer, WordsKeepAddressesAndBrackets) {
    EXPECT_EQ(Tokens("address ipv6 [fd00::1]:7788;"),
              "1:1 W(address) 1:9 W(ipv6) 1:14 W([fd00::1]:7788) 1:28 ';' 1:29 end of file");
}

TEST(Lexer, UnterminatedString) {
    EXPECT_EQ(Tokens("a \"bc"), "1:1 W(a) 1:3 E(unterminated string) 1:6 end of file");
}

TEST(Lexer, ControlCharacter) {
    EXPECT_EQ(Tokens(std::string_view("a\x01;", 3)),
              "1:1 W(a) 1:2 E(unexpected character '\\x01') 1:3 ';' 1:4 end of file");
}

TEST(Lexer, TabsCountAsOneColumn) {
    EXPECT_EQ(Tokens("\tx"), "1:2 W(x) 1:3 end of file");
}

} // namespace
} // namespace nbr::conf
