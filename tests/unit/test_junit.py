import pytest

from evaluator.checks.junit import JUnitError, parse_junit

XUNIT1 = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="4" time="0.52">
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="3" time="0.001"/>
<testcase classname="tests.test_a" name="test_ok2" file="tests/test_a.py" line="6" time="0.001"/>
<testcase classname="tests.test_a" name="test_bad" file="tests/test_a.py" line="9" time="0.002">
<failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2
E       assert 1 == 2

tests/test_a.py:11: AssertionError</failure></testcase>
<testcase classname="tests.test_a" name="test_skip" file="tests/test_a.py" line="12" time="0">
<skipped message="later">skip</skipped></testcase>
</testsuite></testsuites>"""


def test_counts_and_failure_location():
    counts = parse_junit(XUNIT1)
    assert (counts.passed, counts.failed, counts.errors, counts.skipped) == (2, 1, 0, 1)
    assert counts.duration_s == 0.52
    finding = counts.failures[0]
    assert (finding.path, finding.line, finding.code) == ("tests/test_a.py", 11, "test-failure")
    assert "test_bad" in finding.message
    assert "AssertionError" in (finding.detail or "")


def test_xunit2_without_file_attribute_uses_classname_and_def_line():
    xml = b"""<testsuite tests="1"><testcase classname="tests.test_b" name="t" line="4">
    <error message="boom">RuntimeError: boom</error></testcase></testsuite>"""
    counts = parse_junit(xml)
    assert counts.errors == 1
    assert counts.failures[0].path == "tests/test_b.py"
    assert counts.failures[0].line == 5
    assert counts.failures[0].code == "test-error"


def test_garbage_is_an_error():
    with pytest.raises(JUnitError):
        parse_junit(b"not xml")
    with pytest.raises(JUnitError):
        parse_junit(b"<html/>")


def test_entity_expansion_is_refused():
    bomb = b"""<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">
    <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite>&b;</testsuite>"""
    with pytest.raises(JUnitError):
        parse_junit(bomb)
