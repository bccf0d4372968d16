from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_suit_a_standalone_lobby_kiosk():
    cfg = load_config(env={})
    assert cfg.server_url == ""
    assert cfg.idle_timeout == 60
    assert cfg.idle_countdown >= 20
    assert cfg.attract_after > cfg.idle_timeout
    assert (cfg.width, cfg.height) == (1920, 1080)
    assert cfg.center_file.name == "center.toml" and cfg.center_file.exists()
    assert "liulinhui-kiosk" in str(cfg.data_dir)


def test_file_values_are_read(tmp_path):
    path = write(tmp_path, """
kiosk_id = "lobby-2"
server_url = "https://center.example/"
data_dir = "/var/lib/kiosk"
[idle]
timeout = 90
countdown = 25
attract_after = 300
[display]
fullscreen = true
size = "1080x1920"
""")
    cfg = load_config(path, env={})
    assert cfg.kiosk_id == "lobby-2"
    assert cfg.server_url == "https://center.example/"
    assert cfg.data_dir == Path("/var/lib/kiosk")
    assert (cfg.idle_timeout, cfg.idle_countdown, cfg.attract_after) == (90, 25, 300)
    assert cfg.fullscreen is True
    assert (cfg.width, cfg.height) == (1080, 1920)


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, 'kiosk_id = "from-file"\n[idle]\ntimeout = 90\n')
    cfg = load_config(path, env={"LIULINHUI_KIOSK_ID": "from-env", "LIULINHUI_IDLE_TIMEOUT": "45",
                                 "LIULINHUI_SIZE": "1280x800", "LIULINHUI_FULLSCREEN": "yes",
                                 "LIULINHUI_DATA_DIR": str(tmp_path / "d")})
    assert cfg.kiosk_id == "from-env"
    assert cfg.idle_timeout == 45
    assert (cfg.width, cfg.height) == (1280, 800)
    assert cfg.fullscreen is True
    assert cfg.data_dir == tmp_path / "d"


def test_config_file_named_by_environment(tmp_path):
    path = write(tmp_path, 'kiosk_id = "named"\n')
    assert load_config(env={"LIULINHUI_CONFIG": str(path)}).kiosk_id == "named"


@pytest.mark.parametrize("env, words", [
    ({"LIULINHUI_IDLE_COUNTDOWN": "10"}, "idle_countdown must be at least 20"),
    ({"LIULINHUI_IDLE_TIMEOUT": "soon"}, "idle_timeout must be a number"),
    ({"LIULINHUI_IDLE_TIMEOUT": "nan"}, "idle_timeout"),
    ({"LIULINHUI_SIZE": "big"}, "size must look like"),
    ({"LIULINHUI_SIZE": "10x10"}, "out of range"),
    ({"LIULINHUI_FULLSCREEN": "maybe"}, "fullscreen must be true or false"),
    ({"LIULINHUI_KIOSK_ID": "  "}, "kiosk_id must not be empty"),
    ({"LIULINHUI_SPEECH_VOLUME": "1.5"}, "speech_volume must be from 0"),
    ({"LIULINHUI_SPEECH_VOLUME": "loud"}, "speech_volume must be a number"),
])
def test_bad_values_are_refused_with_the_key_named(env, words):
    with pytest.raises(ConfigError, match=words):
        load_config(env=env)


def test_broken_or_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "kiosk_id = ["), env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_speech_volume_is_set_by_staff_in_the_file(tmp_path):
    assert load_config(env={}).speech_volume == 0.8
    config = load_config(write(tmp_path, "[speech]\nvolume = 0.5\n"), env={})
    assert config.speech_volume == 0.5
    assert load_config(env={"LIULINHUI_SPEECH_VOLUME": "0"}).speech_volume == 0.0  # off
