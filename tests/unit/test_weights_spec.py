"""geoproc.weights.spec.WeightsSpec: the one grammar of weights specs."""

import pytest

from geoproc.errors import GeoprocInputError
from geoproc.weights import HELP, WeightsSpec


@pytest.mark.parametrize(("text", "kind", "args", "name", "is_file"), [
    ("queen", "queen", (), "queen", False),
    ("KNN:6", "knn", ("6",), "KNN:6", False),
    ("idw:2:500", "inverse-distance", ("2", "500"), "idw:2:500", False),
    ("inverse-distance:2:800.5", "inverse-distance", ("2", "800.5"), "inverse-distance:2:800.5", False),
    ("W1=gravity:rd_staff", "gravity", ("rd_staff",), "W1", False),
    ("nested:gdp:2", "nested", ("gdp", "2"), "nested:gdp:2", False),
    ("w/queen.gal", "file", ("w/queen.gal",), "w/queen.gal", True),
    ("G = w/g.GWT", "file", ("w/g.GWT",), "G", True),
])
def test_parse(text, kind, args, name, is_file):
    s = WeightsSpec.parse(text)
    assert (s.kind, s.args, s.name, s.is_file) == (kind, args, name, is_file)


def test_str_round_trips():
    for text in ("queen", "W1=gravity:rd_staff", "knn:6", "x.gal"):
        assert str(WeightsSpec.parse(text)) == text
        assert WeightsSpec.parse(str(WeightsSpec.parse(text))) == WeightsSpec.parse(text)
    assert WeightsSpec.parse("gravity:rd_staff").column == "rd_staff"
    assert WeightsSpec.parse("gravity:rd_staff").needs_data and not WeightsSpec.parse("knn:6").needs_data


@pytest.mark.parametrize(("text", "message"), [
    ("", "must be a text"),
    ("hexagon", "unknown weights 'hexagon'"),
    ("knn", r"wrong arguments, e.g. 'knn:6'"),
    ("queen:3", r"wrong arguments, e.g. 'queen'"),
    ("gravity:", r"wrong arguments, e.g. 'gravity:rd_staff'"),
])
def test_errors_carry_the_help(text, message):
    with pytest.raises(GeoprocInputError, match=message) as exc:
        WeightsSpec.parse(text)
    assert HELP in str(exc.value) or "must be a text" in str(exc.value)



def test_every_help_is_the_one_constant():
    from geoproc.cli._common import weights_help

    assert weights_help().startswith(HELP)
    import argparse

    from geoproc.cli import moran as cli_moran
    from geoproc.cli import sdm as cli_sdm

    for mod in (cli_moran, cli_sdm):
        parser = argparse.ArgumentParser()
        mod.register(parser.add_subparsers())
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        (cmd,) = sub.choices.values()
        helps = [a.help for a in cmd._actions if "--weights" in a.option_strings]
        assert helps and helps[0].startswith(HELP), mod.__name__
