"""Mailing lists in the office's directory: imported once at the central service, shown on every PC."""

from __future__ import annotations

import pytest

from atesaki import create_app
from atesaki.link import client, directory
from tests.conftest import ApiClient, write_config

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers

LISTS_CSV = (
    "Name,E-mail Address,Kind,Members\n"
    "職員 全員,all-staff@agency.go.jp,list,40\n"
    "佐藤 美咲,m-sato@agency.go.jp,person,\n"
)


def mailing_list(data_dir, address: str):
    """What the PC's own check says of one recipient: its ``mailing_list``."""
    api = ApiClient(create_app({"DATA_DIR": str(data_dir), "PORT": 8765}))
    [recipient] = api.check([{"field": "to", "address": address}])["recipients"]
    return recipient["mailing_list"]


def test_a_list_in_the_central_directory_reaches_the_pc_with_its_size(central, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(LISTS_CSV, encoding="utf-8")
    done = central.cli("directory", "import", str(path))
    assert done.returncode == 0, done.stderr
    pc = tmp_path / "pc"
    write_config(pc, {"internal_domains": ["agency.go.jp"]})
    client.join(pc, central.url, central.enrol("PC-01"), central.certificate.cert)
    directory.pull(pc)
    assert mailing_list(pc, "all-staff@agency.go.jp") == {
        "name": "職員 全員", "members": 40, "source": "directory"}
    assert mailing_list(pc, "m-sato@agency.go.jp") is None
    # The list grows at the centre: the next pull carries the new size.
    (tmp_path / "second").mkdir()
    grown = tmp_path / "second" / "staff.csv"
    grown.write_text(LISTS_CSV.replace(",list,40", ",list,41"), encoding="utf-8")
    assert "1 changed" in central.cli("directory", "import", str(grown)).stdout
    assert directory.pull(pc).updated == 1
    assert mailing_list(pc, "all-staff@agency.go.jp")["members"] == 41
