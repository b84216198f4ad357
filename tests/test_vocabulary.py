"""One vocabulary for states (issue 18 item 3): the enums live in core/enums.py (standard library only), templates
compare with enum members or model properties instead of raw state strings, every enum reaches Jinja by itself, and
the rung tuples of rules.py derive from Rung."""
import ast
import re
import sys
from pathlib import Path

import models
import rules
from core import enums
from core.enums import IncidentGrade, Rung, Titled

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
QUOTED = r"""(['"])([A-Za-z_]+)\1"""
COMPARED = [
    re.compile(r"(?:==|!=)\s*" + QUOTED),  # x == 'value'
    re.compile(QUOTED + r"\s*(?:==|!=)"),  # 'value' == x
    re.compile(r"""['"]equalto['"]\s*,\s*""" + QUOTED),  # selectattr("status", "equalto", "value")
]
MEMBERSHIP = re.compile(r"\bin\s*[(\[]([^()\[\]]*)[)\]]")  # x in ('a', 'b') / x not in ['a']


def _state_values():
    return {member.value for enum in Titled.vocabulary().values() for member in enum}


def _raw_comparisons():
    values = _state_values()
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in JINJA.finditer(text):
            line = text.count("\n", 0, tag.start()) + 1
            words = [m.group(2) for pattern in COMPARED for m in pattern.finditer(tag.group())]
            words += [w for m in MEMBERSHIP.finditer(tag.group()) for _, w in re.findall(QUOTED, m.group(1))]
            found += [f"{path.relative_to(ROOT)}:{line}: '{w}'" for w in words if w in values]
    return found


def test_templates_compare_states_with_enum_members():
    assert _raw_comparisons() == [], "compare with an enum member (Rung.POOL) or a model property instead"


def test_the_scan_finds_a_raw_state():
    tag = "{% if plan.status == 'draft' or e.status in ('proposed', \"active\") %}"
    words = [m.group(2) for pattern in COMPARED for m in pattern.finditer(tag)]
    words += [w for m in MEMBERSHIP.finditer(tag) for _, w in re.findall(QUOTED, m.group(1))]
    assert words == ["draft", "proposed", "active"]


def test_enums_import_the_standard_library_only():
    tree = ast.parse((ROOT / "core" / "enums.py").read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "core/enums.py imports nothing of the project"
            imported.append(node.module)
    outside = [name for name in imported if name.split(".")[0] not in sys.stdlib_module_names]
    assert outside == []


def test_every_enum_is_a_jinja_global(app):
    vocabulary = Titled.vocabulary()
    assert len(vocabulary) >= 30
    for name, enum in vocabulary.items():
        assert app.jinja_env.globals.get(name) is enum, name
    assert {"Rung", "PoolStatus", "EngagementStatus", "ScoreBand", "ComplaintOutcome"} <= vocabulary.keys()
    # a template compares a stored string with a member
    assert app.jinja_env.from_string("{{ 'open' == PublicityStatus.OPEN }}").render() == "True"
    # a member prints as its stored value (a link or a form value built from it carries "pool", not "Rung.POOL")
    assert app.jinja_env.from_string("{{ Rung.POOL }}|{{ Rung.POOL ~ '' }}").render() == "pool|pool"
    assert f"{Rung.POOL}" == str(Rung.POOL) == "pool"


def test_models_reexport_the_enums():
    for name, enum in Titled.vocabulary().items():
        if hasattr(models, name):
            assert getattr(models, name) is enum
    assert models.Rung is enums.Rung and models.Titled is Titled and models.LADDER == list(Rung)


def test_rung_tuples_derive_from_rung():
    assert rules.LADDER_ORDER == tuple(r.value for r in Rung)
    assert rules.TARGET_RUNGS == tuple(r.value for r in Rung if r.is_list) == ("municipal", "provincial", "national")
    assert rules.APPLICATION_RUNGS == rules.TARGET_RUNGS
    assert all(type(value) is str for value in rules.LADDER_ORDER + rules.TARGET_RUNGS)
    assert [r.rank for r in Rung] == list(range(len(Rung)))
    assert rules.INCIDENT_REPORTABLE_GRADES == (IncidentGrade.ESPECIALLY_MAJOR.value, IncidentGrade.MAJOR.value)


def test_choice_tuples_are_enums():
    assert rules.REMOVAL_CATEGORIES == tuple(enums.RemovalCategory.choices())
    assert rules.CHANGE_KINDS == tuple(enums.ChangeKind.choices())
    assert rules.INCIDENT_KINDS == tuple(enums.IncidentKind.choices())
    assert rules.SPOT_CHECK_METHODS == tuple(enums.SpotCheckMethod.choices())
    assert rules.COMPLAINT_OUTCOMES == tuple(enums.ComplaintOutcome.choices())
    assert rules.DISQUALIFICATION_CATEGORIES == tuple(enums.DisqualificationCategory.choices())
    assert rules.score_band(95) == enums.ScoreBand.KEY and rules.score_band(70) == enums.ScoreBand.FAILED
