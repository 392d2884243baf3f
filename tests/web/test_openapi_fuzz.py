"""Schemathesis fuzzes every endpoint in /openapi.json in-process: no 5xx, nothing outside the spec."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from atesaki import create_app
from atesaki.web.openapi import spec

# At least 1,000 generated cases in CI across the endpoints (schemathesis adds
# its coverage-phase cases on top of these).
EXAMPLES = int(os.environ.get("ATESAKI_FUZZ_EXAMPLES", "250"))


def _fuzz_app():
    """An app on a fresh data folder (removed at exit), with some people so checks find things."""
    data_dir = Path(tempfile.mkdtemp(prefix="atesaki-fuzz-"))
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    (data_dir / "config.toml").write_text('internal_domains = ["agency.go.jp"]\n')
    return create_app({"DATA_DIR": str(data_dir), "PORT": 8765})


# Made at import, not by a fixture: schemathesis's lazy fixture loader reads pytest's
# private ``Item._nodeid``, which pytest 9.2 removed (schemathesis 4.32.5 fails there).
FUZZ_APP = _fuzz_app()
schema = schemathesis.openapi.from_dict(spec())
schema.app = FUZZ_APP


@pytest.fixture(scope="module")
def fuzz_app():
    """The app the schema is bound to."""
    return FUZZ_APP


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_every_response_in_the_spec(case, fuzz_app):
    token = fuzz_app.extensions["atesaki"].token
    # Too-long strings are refused with 413 (the body limit) as well as 400,
    # which the negative-data check does not expect; it is the contract's answer.
    case.call_and_validate(app=fuzz_app,
                           headers={"Host": "127.0.0.1:8765", "X-Atesaki-Token": token},
                           excluded_checks=[negative_data_rejection])


def test_the_served_document_is_the_spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    served = response.get_json()
    assert served["openapi"].startswith("3.")
    for path in ("/v1/health", "/v1/check", "/v1/sends", "/v1/incidents"):
        assert path in served["paths"], path
