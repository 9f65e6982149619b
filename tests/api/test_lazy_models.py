"""The methods' models are built on first use, not when the client is imported (issue 13:
pydantic class building was most of the import time of `fpconsole call` and of the console's
backend), and every way of reaching them still gives the same classes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fpconsole.api import base_models, method_models, models
from fpconsole.api.methods import REGISTRY


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_client_and_the_registry_builds_no_method_model() -> None:
    built = _fresh(
        "import sys\n"
        "import fpconsole.api.client, fpconsole.api.methods\n"
        "names = vars(sys.modules['fpconsole.api.models'])\n"
        "print([n for n in ('ClientData', 'CardIssueRequest', 'LimitsListResponse') if n in names],\n"
        "      'fpconsole.api.method_models' in sys.modules)\n"
    )
    assert built == "[] False"


def test_the_first_model_named_builds_them_and_a_call_validates() -> None:
    out = _fresh(
        "import sys\n"
        "from fpconsole.api.methods import REGISTRY\n"
        "request = REGISTRY.resolve('card.block').request.model_validate(\n"
        "    {'request_id': '3f2504e0-4f89-41d3-9a0c-0305e82c3301', 'card_id': '7001',\n"
        "     'description': 'lost'})\n"
        "print(type(request).__name__, 'fpconsole.api.method_models' in sys.modules)\n"
    )
    assert out == "CardWithReasonRequest True"


def test_a_model_imported_by_name_first_is_the_registrys() -> None:
    out = _fresh(
        "from fpconsole.api.models import ClientAddRequest\n"
        "from fpconsole.api.methods import REGISTRY\n"
        "print(REGISTRY.resolve('client.add').request is ClientAddRequest)\n"
    )
    assert out == "True"


def test_every_method_reaches_a_request_and_a_response_model() -> None:
    for method in REGISTRY:
        assert issubclass(method.request, models.ApiRequest), method.name
        assert issubclass(method.response, models.Envelope), method.name


@pytest.mark.parametrize("name", [*method_models.__all__, *base_models.__all__])
def test_every_model_is_one_class_whichever_way_it_is_reached(name: str) -> None:
    home = method_models if name in method_models.__all__ else base_models
    assert getattr(models, name) is getattr(home, name)


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="ClientDta"):
        models.ClientDta  # type: ignore[attr-defined]  # noqa: B018
