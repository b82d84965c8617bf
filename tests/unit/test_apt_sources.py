from evaluator.sandbox.apt_sources import debian_mirror, os_codename, parse_deb822, parse_one_line

DEB822 = """Types: deb
# http://snapshot.example/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""


def test_deb822_stanzas():
    entries = parse_deb822(DEB822)
    assert [e.uri for e in entries] == [
        "http://mirror.example/debian",
        "http://mirror.example/debian-security",
    ]
    assert entries[0].suites == ("bookworm", "bookworm-updates")


def test_one_line_format_with_options():
    text = "# comment\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main\n"
    entries = parse_one_line(text)
    assert entries[0].uri == "http://m.example/debian"
    assert entries[0].components == ("main",)


def test_mirror_picks_the_release_not_security_or_third_party():
    files = {
        "debian.sources": DEB822,
        "cloud.list": "deb https://packages.example.com/apt cloud-sdk-bookworm main\n",
    }
    assert debian_mirror(files, "bookworm") == "http://mirror.example/debian"
    assert debian_mirror(files, "trixie") is None


def test_disabled_stanza_is_ignored():
    text = DEB822.replace("Types: deb\n#", "Types: deb\nEnabled: no\n#", 1)
    assert debian_mirror({"x.sources": text}, "bookworm") is None


def test_os_codename():
    assert os_codename('NAME="Debian"\nVERSION_CODENAME=bookworm\n') == "bookworm"
    assert os_codename("NAME=x\n") is None
