"""The extension folder loads as it is: every file the manifests name exists, every string exists in ja and en."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from .conftest import EXTENSION_DIR, EXTENSION_ID

MANIFESTS = ["manifest.json", "manifest.firefox.json"]


def load(name: str) -> dict:
    """A JSON file of the extension."""
    return json.loads((EXTENSION_DIR / name).read_text(encoding="utf-8"))


def messages(lang: str) -> dict:
    """The extension's strings in one language."""
    return load(f"_locales/{lang}/messages.json")


def named_files(manifest: dict) -> list[str]:
    """Every file a manifest points at."""
    files = [*manifest.get("background", {}).get("scripts", [])]
    if "service_worker" in manifest.get("background", {}):
        files.append(manifest["background"]["service_worker"])
    for script in manifest.get("content_scripts", []):
        files += script["js"]
    files += manifest.get("icons", {}).values()
    files += [manifest["action"]["default_popup"], manifest["options_ui"]["page"]]
    if "storage" in manifest:
        files.append(manifest["storage"]["managed_schema"])
    return files


@pytest.mark.parametrize("name", MANIFESTS)
def test_every_file_a_manifest_names_exists(name):
    missing = [f for f in named_files(load(name)) if not (EXTENSION_DIR / f).is_file()]
    assert missing == []


@pytest.mark.parametrize("name", MANIFESTS)
def test_every_manifest_string_is_translated(name):
    text = (EXTENSION_DIR / name).read_text(encoding="utf-8")
    keys = set(re.findall(r"__MSG_(\w+)__", text))
    assert keys
    for lang in ("ja", "en"):
        assert keys - messages(lang).keys() == set(), lang


def test_japanese_and_english_have_the_same_strings():
    assert messages("ja").keys() == messages("en").keys()


def used_keys() -> set[str]:
    """Message keys the scripts and pages ask for by literal name."""
    keys: set[str] = set()
    for path in EXTENSION_DIR.rglob("*"):
        if path.suffix == ".js" and "tests" not in path.parts:
            text = path.read_text(encoding="utf-8")
            keys |= set(re.findall(r"\bt\('(\w+)'[,)]", text))
            keys |= set(re.findall(r"getMessage\('(\w+)'[,)]", text))
            keys |= set(re.findall(r"text\('(\w+)', '", text))
        elif path.suffix == ".html":
            keys |= set(
                re.findall(r'data-i18n(?:-title)?="(\w+)"', path.read_text(encoding="utf-8"))
            )
    return keys


def test_every_string_the_code_uses_exists_in_both_languages():
    keys = used_keys()
    assert "dialogTitle" in keys and "incidentStep1" in keys
    for lang in ("ja", "en"):
        assert keys - messages(lang).keys() == set(), lang


FINDING_CODES = [
    "invalid_address",
    "blocked_domain",
    "external",
    "first_time",
    "not_in_address_book",
    "name_mismatch",
    "surname_homonym",
    "lookalike_domain",
    "visible_external_recipients",
    "new_domain_in_reply",
    "forward_external",
    "personal_data",
    "attachment_external",
    "large_audience",
]
COMPOSED_KEYS = (
    [f"finding_{code}" for code in FINDING_CODES]
    + [f"field_{f}" for f in ("to", "cc", "bcc")]
    + [f"verdict_{v}" for v in ("pass", "confirm", "approve", "block", "error")]
    + [
        f"incidentWhat_{w}"
        for w in ("wrong_person", "visible_addresses", "wrong_attachment", "other")
    ]
)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_strings_built_from_codes_exist(lang):
    assert set(COMPOSED_KEYS) - messages(lang).keys() == set()


def test_the_key_gives_the_documented_extension_id():
    der = base64.b64decode(load("manifest.json")["key"])
    digest = hashlib.sha256(der).hexdigest()[:32]
    assert "".join(chr(ord("a") + int(c, 16)) for c in digest) == EXTENSION_ID
    docs = Path(EXTENSION_DIR).parent / "docs" / "extension.md"
    assert EXTENSION_ID in docs.read_text(encoding="utf-8")


def test_the_managed_schema_covers_the_settings_administrators_set():
    schema = load("managed_schema.json")
    assert set(schema["properties"]) == {"serverUrl", "token", "webmailHosts", "siteProfiles"}
    # Every key of a site profile is in the schema, or Chrome drops it from the policy.
    profile = schema["properties"]["siteProfiles"]["items"]["properties"]
    roundcube = json.loads((EXTENSION_DIR / "content" / "profiles" / "roundcube.json").read_text(encoding="utf-8"))
    assert set(roundcube) <= set(profile)
    for field in ("to", "cc", "bcc"):
        assert set(roundcube["recipients"][field]) <= set(profile["recipients"]["properties"][field]["properties"])


def test_firefox_variant_runs_background_scripts_and_names_its_gecko_id():
    firefox = load("manifest.firefox.json")
    assert "service_worker" not in firefox["background"]
    assert firefox["background"]["scripts"][-1] == "background/service_worker.js"
    assert firefox["browser_specific_settings"]["gecko"]["id"]
    assert "key" not in firefox
    # Both manifests' content_scripts come from extension/adapters.json: tests/test_build_manifests.py.
    # The service worker's importScripts list and Firefox's script list load the same parts.
    worker = (EXTENSION_DIR / "background" / "service_worker.js").read_text(encoding="utf-8")
    imported = re.search(r"importScripts\(([^)]*)\)", worker).group(1)
    names = [n.strip().strip("'") for n in imported.split(",")]
    expected = [f"background/{n}" if not n.startswith("..") else n[3:] for n in names]
    assert firefox["background"]["scripts"][:-1] == expected
