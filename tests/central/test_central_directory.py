"""The staff directory: imported once at the central service, pulled by version into each PC."""

from __future__ import annotations

import pytest

from atesaki import create_app
from atesaki.link import client, directory
from tests.conftest import ApiClient, write_config
from tests.servers.fixtures import vcard

pytest_plugins = ["servers.postgres", "servers.central"]
pytestmark = pytest.mark.servers


def staff_file(folder, people) -> str:
    path = folder / "staff.vcf"
    path.write_text("".join(vcard(uid, name, mail, reading) for uid, name, mail, reading in people),
                    encoding="utf-8")
    return str(path)


def known(data_dir, address: str, name: str) -> tuple[bool, list[str]]:
    """What the PC's own check says of one recipient: (known, finding codes)."""
    api = ApiClient(create_app({"DATA_DIR": str(data_dir), "PORT": 8765}))
    [recipient] = api.check([{"field": "to", "address": address, "name": name}])["recipients"]
    return recipient["known"], [f["code"] for f in recipient["findings"]]


def test_a_pc_pulls_the_directory_and_then_only_its_changes(central, tmp_path):
    people = [("u1", "佐藤 美咲", "m-sato@agency.go.jp", "さとう"),
              ("u2", "鈴木 花子", "h-suzuki@agency.go.jp", "すずき"),
              ("u3", "田中 一郎", "i-tanaka@agency.go.jp", "たなか")]
    done = central.cli("directory", "import", staff_file(tmp_path, people))
    assert done.returncode == 0, done.stderr
    assert "3 added" in done.stdout
    pc = tmp_path / "pc"
    write_config(pc, {"internal_domains": ["agency.go.jp"]})
    client.join(pc, central.url, central.enrol("PC-01"), central.certificate.cert)
    first = directory.pull(pc)
    assert (first.full, first.fetched, first.imported) == (True, 3, 3)
    is_known, codes = known(pc, "m-sato@agency.go.jp", "佐藤 美咲")
    assert is_known and "not_in_address_book" not in codes
    # One person leaves, one changes name; the next pull carries those two only.
    (tmp_path / "second").mkdir()
    people = [people[0], ("u2", "鈴木 花", "h-suzuki@agency.go.jp", "すずき")]
    done = central.cli("directory", "import", staff_file(tmp_path / "second", people))
    assert "1 changed, 1 removed, 1 unchanged" in done.stdout
    second = directory.pull(pc)
    assert (second.full, second.fetched, second.deleted) == (False, 1, 1)
    is_known, codes = known(pc, "i-tanaka@agency.go.jp", "田中 一郎")
    assert not is_known and "not_in_address_book" in codes
    assert directory.pull(pc).fetched == 0  # nothing new


def test_the_directory_is_only_for_enrolled_pcs(central):
    assert central.get("directory").status_code == 401
