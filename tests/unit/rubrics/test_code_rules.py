"""Presence criteria read the syntax tree: comments, strings and stubs never count; the
entry points' call graph decides what a language model runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.intake.manifest import parse_manifest
from evaluator.model.criteria import CriterionStatus
from evaluator.pycode.files import load_codebase
from evaluator.pycode.reach import reachable
from evaluator.rubrics.decision import evaluate_criteria
from evaluator.rubrics.evidence import Evidence, gather_presence
from evaluator.rubrics.loader import find_rubric
from evaluator.rubrics.model import Rubric
from evaluator.rubrics.rules import CodeRule
from tests import nanogpt
from tests.conftest import write_tree
from tests.factories import rubric

PASS, FAIL, UNDECIDED = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNDECIDED


def decide(root: Path, files: dict[str, str], criteria: Rubric, cid: str):
    write_tree(root, files)
    manifest = parse_manifest(files["capstone.yaml"]).manifest if "capstone.yaml" in files else None
    entry_points = manifest.entry_points() if manifest else []
    presence = gather_presence(root, criteria, entry_points=entry_points)
    results = evaluate_criteria(criteria, [], Evidence(presence=presence))
    return next(r for r in results if r.id == cid)


def decoder(root: Path, files: dict[str, str]):
    return decide(root, files, find_rubric("4.1"), "decoder-implemented")


# -- 4.1: decoder implemented, not imported --------------------------------------------


def test_nanogpt_passes_although_from_pretrained_imports_gpt2(tmp_path):
    result = decoder(tmp_path, nanogpt.repository())
    assert result.status is PASS, result.reason
    assert any("model.py" in line and "CausalSelfAttention" in line for line in result.evidence)


def test_the_call_graph_reaches_what_the_benchmark_runs_only(tmp_path):
    write_tree(tmp_path, nanogpt.repository())
    codebase = load_codebase(tmp_path)
    reach = reachable(codebase, ["lm:encode", "lm:decode", "lm:logprobs", "lm:VOCAB_SIZE"])
    functions = {fn.name for _unit, fn in reach.functions.values()}
    assert {"logprobs", "_model", "__init__", "forward"} <= functions
    assert "from_pretrained" not in functions
    assert "configure_optimizers" not in functions
    classes = {cls.name for _unit, cls in reach.classes.values()}
    assert classes == {"GPT", "GPTConfig", "Block", "CausalSelfAttention", "MLP", "LayerNorm"}
    assert reach.modules == {"lm", "model"}
    assert reach.unresolved == []


def test_an_entry_point_that_calls_from_pretrained_reaches_the_import(tmp_path):
    files = nanogpt.repository()
    files["lm.py"] = files["lm.py"].replace(
        'model = GPT(GPTConfig(**checkpoint["model_args"]))', 'model = GPT.from_pretrained("gpt2")'
    )
    result = decoder(tmp_path, files)
    assert result.status is FAIL
    assert "transformers.GPT2LMHeadModel" in " ".join(result.evidence)


IMPORTED_MODEL = """\
import torch
from transformers import AutoModelForCausalLM

VOCAB_SIZE = 50257
_MODEL = AutoModelForCausalLM.from_pretrained("gpt2")


def encode(text):
    return [ord(c) for c in text]


def decode(ids):
    return "".join(chr(i) for i in ids)


def logprobs(tokens):
    return torch.log_softmax(_MODEL(torch.as_tensor(tokens)).logits, -1).numpy()
"""


def test_a_model_imported_from_transformers_fails(tmp_path):
    files = {**nanogpt.repository(), "lm.py": IMPORTED_MODEL}
    result = decoder(tmp_path, files)
    assert result.status is FAIL
    assert "imports transformers" in result.reason
    assert "allows at most 0" in result.reason


NAMED_IN_TEXT = '''\
"""A decoder transformer.

class Attention(nn.Module):
    def forward(self, x): return x.masked_fill(mask, -inf)

class Block(nn.Module): ...
"""

# class CausalSelfAttention(nn.Module):  masked_fill  torch.tril(
NOTE = "class GPT(nn.Module): att.masked_fill(torch.tril(ones) == 0, -inf)"


class Attention:
    pass


class Block:
    """Decoder block."""

    def forward(self, x):
        raise NotImplementedError
'''


def test_names_in_docstrings_comments_strings_and_stubs_do_not_pass(tmp_path):
    files = {
        **nanogpt.repository(),
        "model.py": NAMED_IN_TEXT,
        "lm.py": IMPORTED_MODEL.replace(
            "from transformers import AutoModelForCausalLM\n",
            "import model\nfrom hub import AutoModelForCausalLM\n",
        ),
    }
    result = decoder(tmp_path, files)
    assert result.status is FAIL
    assert "found 0 for 'defines class *Attention*" in result.reason
    assert "found 0 for 'calls masked_fill" in result.reason


@pytest.mark.parametrize(
    "dodge",
    [
        'm = importlib.import_module("transformers")\n_MODEL = m.AutoModelForCausalLM.from_pretrained("gpt2")\n',
        '_MODEL = getattr(importlib.import_module("transformers"), "GPT2LMHeadModel").from_pretrained("gpt2")\n',
        '_MODEL = __import__("transformers").AutoModelForCausalLM.from_pretrained("gpt2")\n',
        'name = "trans" + "formers"\n_MODEL = importlib.import_module(name).AutoModel.from_pretrained("gpt2")\n',
        '_MODEL = getattr(importlib.import_module("transformers"), "GPT2" + "LMHeadModel")\n',
    ],
)
def test_importlib_does_not_dodge_the_forbidden_import(tmp_path, dodge):
    lm = nanogpt.ENTRY_POINTS.replace(
        "VOCAB_SIZE = 256\n", f"import importlib\n\nVOCAB_SIZE = 256\n{dodge}"
    )
    result = decoder(tmp_path, {**nanogpt.repository(), "lm.py": lm})
    assert result.status is FAIL
    assert "allows at most 0" in result.reason


def test_without_entry_points_all_code_is_searched_and_said_so(tmp_path):
    files = nanogpt.repository()
    files["capstone.yaml"] = "capstone: 4.1-small-gpt\n"
    result = decoder(tmp_path, files)
    assert result.status is FAIL  # from_pretrained's import now counts
    assert any("names no benchmark entry points" in line for line in result.evidence)


# -- other rules -------------------------------------------------------------------------


def one_rule(tmp_path: Path, files: dict[str, str], **rule: object):
    criterion = {"id": "c", "kind": "presence", "code": [rule]}
    return decide(tmp_path, files, rubric(criterion), "c")


def test_empty_modules_do_not_make_a_multi_module_package(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": '"""Nothing yet."""\n',
        "pkg/b.py": "def later():\n    pass\n",
        "pkg/c.py": "class Later:\n    ...\n",
        "pkg/d.py": "def real():\n    return 1\n",
        "tests/test_d.py": "def test_real():\n    assert True\n",
    }
    result = decide(tmp_path, files, find_rubric("1.1"), "multi-module")
    assert result.status is FAIL
    assert "found 1 for 'defines module * >= 3'" in result.reason


def test_logging_named_in_comments_does_not_count(tmp_path):
    files = {"tool.py": "# import logging\n'''logging.getLogger(__name__)'''\nprint('log')\n"}
    assert decide(tmp_path, files, find_rubric("1.1"), "logging").status is FAIL
    files = {"tool.py": "from logging import getLogger\n\nlog = getLogger(__name__)\n"}
    assert decide(tmp_path, files, find_rubric("1.1"), "logging").status is PASS


def test_broad_and_bare_handlers_are_not_specific_error_handling(tmp_path):
    code = (
        "try:\n    pass\nexcept Exception:\n    pass\n"
        "try:\n    pass\nexcept:\n    pass\n"
        "try:\n    pass\nexcept (OSError, ValueError):\n    pass\n"
        "# except PermissionError:\n"
    )
    result = decide(tmp_path, {"tool.py": code}, find_rubric("1.1"), "error-handling")
    assert result.status is PASS
    assert [line.split(" ")[-1] for line in result.evidence] == ["(OSError)", "(ValueError)"]


def test_calls_in_notebooks_count_and_magics_do_not_break_parsing(tmp_path):
    import json

    notebook = {
        "cells": [
            {"cell_type": "markdown", "source": "df.fillna(0) in prose"},
            {"cell_type": "code", "source": ["%matplotlib inline\n", "df = df.dropna()\n"]},
        ]
    }
    result = one_rule(tmp_path, {"eda.ipynb": json.dumps(notebook)}, calls=["dropna", "fillna"])
    assert result.status is PASS
    assert result.evidence == ["eda.ipynb:cell 2:2 (df.dropna)"]


def test_distinct_uses_and_keywords(tmp_path):
    code = (
        "from sklearn.svm import SVC\nfrom sklearn.tree import DecisionTreeClassifier as DT\n"
        "models = [SVC(), SVC(kernel='rbf'), DT()]\nload(load_in_4bit=True)\n"
    )
    result = one_rule(
        tmp_path,
        {"train.py": code},
        uses=["SVC", "DecisionTreeClassifier"],
        distinct=True,
        min_count=2,
    )
    assert result.status is PASS
    assert one_rule(tmp_path, {"train.py": code}, uses="load_in_4bit").status is PASS


def test_test_code_counts_only_when_asked(tmp_path):
    files = {"tests/test_x.py": "import logging\n"}
    assert one_rule(tmp_path, files, imports="logging").status is FAIL
    assert one_rule(tmp_path, files, imports="logging", tests=True).status is PASS


def test_a_code_rule_names_exactly_one_fact():
    with pytest.raises(ValueError, match="exactly one of"):
        CodeRule.model_validate({"imports": "x", "calls": "y"})
    with pytest.raises(ValueError, match="exactly one of"):
        CodeRule.model_validate({"min_count": 1})
    assert CodeRule.model_validate({"calls": "tril"}).patterns == ["tril"]


def test_every_shipped_rubric_reads_python_through_the_syntax_tree():
    from evaluator.rubrics.loader import load_all, rubrics_dir
    from evaluator.rubrics.model import PresenceCriterion

    text_on_code = [
        (r.id, c.id)
        for r in load_all(rubrics_dir())
        for c in r.criteria
        if isinstance(c, PresenceCriterion)
        for p in c.patterns
        if p.glob.endswith(".py")
    ]
    assert text_on_code == []


def test_a_computed_name_of_another_module_is_not_a_forbidden_import(tmp_path):
    files = nanogpt.repository()
    files["model.py"] = files["model.py"].replace(
        "self.gelu = nn.GELU()", 'self.gelu = getattr(nn, "GE" + "LU")()'
    )
    assert decoder(tmp_path, files).status is PASS
