"""config.toml: every setting declared once, validated with file and line, followed live."""

from __future__ import annotations

import os
import time

import pytest

from atesaki.settings import (
    SETTINGS,
    ConfigError,
    Settings,
    SettingsCache,
    add_extension_origin,
    load_settings,
    pairing_token,
    parse_settings,
)


def test_a_missing_file_means_defaults(tmp_path):
    settings = load_settings(tmp_path)
    assert settings.policy_approval == "risky"
    assert settings.policy_confirm == "external"
    assert settings.policy_large_audience == 15
    assert settings.policy_visible_external_orgs == 2
    assert settings.internal_domains == []


def test_the_contract_example_loads():
    settings = parse_settings(
        'internal_domains = ["Agency.go.jp"]\nblocked_domains = []\nextension_origins = []\n'
        '[policy]\napproval = "non_reply_external"\nconfirm = "always"\n'
        "large_audience = 20\nvisible_external_orgs = 3\n"
    )
    assert settings.internal_domains == ["agency.go.jp"]
    assert settings.policy_approval == "non_reply_external"
    assert settings.policy_large_audience == 20


BAD = [
    pytest.param("internal_domains = [\n", 1, "not valid TOML", id="broken TOML names its line"),
    pytest.param('x = 1\ninternal_domains = "a.jp"\n', 1, "unknown setting 'x'",
                 id="an unknown key is named"),
    pytest.param('\n\ninternal_domains = "a.jp"\n', 3, "list of domain names",
                 id="a string instead of a list"),
    pytest.param('[policy]\napproval = "sometimes"\n', 2, '"risky"',
                 id="an unknown policy lists the choices"),
    pytest.param("[policy]\nlarge_audience = 0\n", 2, "at least 1", id="zero recipients"),
    pytest.param('extension_origins = ["chrome-extension://abc.*"]\n', 1,
                 "not an extension origin", id="a pattern is not an origin"),
    pytest.param('extension_origins = ["null"]\n', 1, "not an extension origin",
                 id="null is not an origin"),
]


@pytest.mark.parametrize(("text", "line", "reason"), BAD)
def test_a_bad_file_names_file_line_and_reason(tmp_path, text, line, reason):
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    message = str(info.value)
    assert f"config.toml:{line}:" in message
    assert reason in message


def test_a_bad_file_stops_the_service_with_exit_2(runner, data_dir):
    (data_dir / "config.toml").write_text('[policy]\napproval = "sometimes"\n')
    result = runner("serve", "--port", "1")
    assert result.exit_code == 2
    assert "config.toml:2:" in result.output


def test_edits_are_followed_and_a_broken_edit_keeps_the_last_good(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('internal_domains = ["a.jp"]\n')
    cache = SettingsCache(tmp_path)
    assert cache.get().internal_domains == ["a.jp"]
    path.write_text('internal_domains = ["b.jp"]\n')
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert cache.get().internal_domains == ["b.jp"]
    path.write_text("internal_domains = [\n")
    assert cache.get().internal_domains == ["b.jp"]
    assert "config.toml" in cache.error


def test_pairing_adds_an_origin_once_and_keeps_comments(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('# our office\ninternal_domains = ["agency.go.jp"]\n')
    origin = "chrome-extension://" + "a" * 32
    assert add_extension_origin(tmp_path, origin + "/") is True
    assert add_extension_origin(tmp_path, origin) is False
    assert "# our office" in path.read_text()
    assert load_settings(tmp_path).extension_origins == [origin]
    with pytest.raises(ValueError):
        add_extension_origin(tmp_path, "https://evil.example")


def test_the_token_is_created_once_private_and_stable(tmp_path):
    token = pairing_token(tmp_path)
    assert len(token) >= 40
    assert pairing_token(tmp_path) == token
    assert (tmp_path / "token").stat().st_mode & 0o777 == 0o600


def test_every_setting_has_a_default_that_validates_and_help_in_both_languages():
    for setting in SETTINGS:
        assert setting.validate(setting.default) == setting.default, setting.name
        assert setting.help.ja and setting.help.en
    assert Settings().as_dict().keys() == {s.name for s in SETTINGS}


def test_pairings_at_the_same_moment_keep_every_origin(tmp_path):
    """Two browsers' native hosts may pair at once: no error, and no origin lost."""
    import threading

    origins = ["chrome-extension://" + letter * 32 for letter in "abcdefgh"]
    errors: list[BaseException] = []

    def pair(origin: str) -> None:
        try:
            add_extension_origin(tmp_path, origin)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pair, args=(o,)) for o in origins * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(load_settings(tmp_path).extension_origins) == origins
    assert not list(tmp_path.glob("*.tmp"))
