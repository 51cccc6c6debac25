"""The guest image comes from the host's own Debian apt sources."""
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nbvm.image import parse_sources  # noqa: E402

DEB822 = """\
Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://mirror.example/debian
Suites: bookworm
Components: main

Types: deb
URIs: https://thirdparty.example/apt
Suites: nodistro
Components: main
"""

ONE_LINE = """\
# deb http://old.example/debian bookworm main
deb http://mirror.example/debian bookworm main contrib
deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian-security bookworm-security main
deb https://thirdparty.example/apt stable main
"""


class Sources(unittest.TestCase):
    def test_deb822_keeps_debian_suites_and_drops_others(self):
        self.assertEqual([
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
            "http://mirror.example/debian bookworm main",
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
            "http://mirror.example/debian bookworm-updates main",
        ], parse_sources(DEB822, deb822=True, codename="bookworm"))

    def test_one_line_format_keeps_options_and_drops_comments(self):
        self.assertEqual([
            "deb http://mirror.example/debian bookworm main contrib",
            "deb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian-security "
            "bookworm-security main",
        ], parse_sources(ONE_LINE, deb822=False, codename="bookworm"))

    def test_disabled_stanza_is_skipped(self):
        text = "Enabled: no\nTypes: deb\nURIs: http://m/debian\nSuites: bookworm\n"
        self.assertEqual([], parse_sources(text, deb822=True, codename="bookworm"))


if __name__ == "__main__":
    unittest.main()
