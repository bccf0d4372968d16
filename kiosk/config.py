"""Kiosk configuration: one TOML file plus LIULINHUI_* environment overrides.

The file is optional; every key has a default that suits a single lobby
kiosk. Environment variables win over the file so a systemd unit or a test
can change one value without editing it.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from kiosk.paths import CENTER_FILE
from kiosk.tomlfile import read_toml

APP_NAME = "liulinhui-kiosk"
MIN_COUNTDOWN = 20  # seconds; the idle prompt must be readable by a slow reader


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names it."""


@dataclass(frozen=True)
class KioskConfig:
    kiosk_id: str = "liujiaying-lobby-1"
    server_url: str = ""  # empty: standalone, the outbox waits
    server_token: str = field(default="", repr=False)  # this kiosk's token; never printed
    data_dir: Path = field(default_factory=lambda: Path(platformdirs.user_data_dir(APP_NAME)))
    idle_timeout: float = 60.0  # s without a touch before the prompt
    idle_countdown: float = 30.0  # s the prompt counts down before going home
    attract_after: float = 180.0  # s idle on home before the attract loop
    fullscreen: bool = False
    width: int = 1920
    height: int = 1080
    center_file: Path = CENTER_FILE
    speech_volume: float = 0.8  # 朗读's volume, 0 to 1; 0 turns reading aloud off

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kiosk.db"


# env var -> (field, parser). The file uses the same names, grouped.
_ENV = {
    "LIULINHUI_KIOSK_ID": "kiosk_id",
    "LIULINHUI_SERVER_URL": "server_url",
    "LIULINHUI_SERVER_TOKEN": "server_token",
    "LIULINHUI_DATA_DIR": "data_dir",
    "LIULINHUI_IDLE_TIMEOUT": "idle_timeout",
    "LIULINHUI_IDLE_COUNTDOWN": "idle_countdown",
    "LIULINHUI_ATTRACT_AFTER": "attract_after",
    "LIULINHUI_FULLSCREEN": "fullscreen",
    "LIULINHUI_SIZE": "size",
    "LIULINHUI_CENTER_FILE": "center_file",
    "LIULINHUI_SPEECH_VOLUME": "speech_volume",
}
_FILE_KEYS = {
    ("kiosk_id",): "kiosk_id",
    ("server_url",): "server_url",
    ("server_token",): "server_token",
    ("data_dir",): "data_dir",
    ("idle", "timeout"): "idle_timeout",
    ("idle", "countdown"): "idle_countdown",
    ("idle", "attract_after"): "attract_after",
    ("display", "fullscreen"): "fullscreen",
    ("display", "size"): "size",
    ("center_file",): "center_file",
    ("speech", "volume"): "speech_volume",
}


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(part) for part in str(text).lower().split("x"))
    except ValueError:
        raise ConfigError(f"size must look like 1920x1080, got {text!r}") from None
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise ConfigError(f"size {text!r} is out of range")
    return w, h


def _parse_bool(name: str, value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def _parse_seconds(name: str, value, minimum: float) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from None
    if not seconds >= minimum:  # also refuses NaN
        raise ConfigError(f"{name} must be at least {minimum:g} s, got {value!r}")
    return seconds


def _parse_volume(name: str, value) -> float:
    try:
        volume = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number from 0 to 1, got {value!r}") from None
    if not 0 <= volume <= 1:  # also refuses NaN
        raise ConfigError(f"{name} must be from 0 (off) to 1 (loudest), got {value!r}")
    return volume


def _apply(values: dict, name: str, raw) -> None:
    if name == "size":
        values["width"], values["height"] = parse_size(raw)
    elif name == "fullscreen":
        values[name] = _parse_bool(name, raw)
    elif name in ("data_dir", "center_file"):
        values[name] = Path(os.path.expanduser(str(raw)))
    elif name == "idle_countdown":
        values[name] = _parse_seconds(name, raw, MIN_COUNTDOWN)
    elif name == "speech_volume":
        values[name] = _parse_volume(name, raw)
    elif name in ("idle_timeout", "attract_after"):
        values[name] = _parse_seconds(name, raw, 5)
    else:
        values[name] = str(raw).strip()


def default_config_file(env: Mapping[str, str]) -> Path | None:
    if env.get("LIULINHUI_CONFIG"):
        return Path(env["LIULINHUI_CONFIG"])
    candidate = Path(platformdirs.user_config_dir(APP_NAME)) / "kiosk.toml"
    return candidate if candidate.exists() else None


def load_config(path: Path | None = None, env: Mapping[str, str] | None = None) -> KioskConfig:
    env = os.environ if env is None else env
    path = path or default_config_file(env)
    values: dict = {}
    if path is not None:
        data = read_toml(path, "config file", ConfigError)
        for keys, name in _FILE_KEYS.items():
            node = data
            for key in keys:
                node = node.get(key) if isinstance(node, dict) else None
            if node is not None:
                _apply(values, name, node)
    for var, name in _ENV.items():
        if var in env:
            _apply(values, name, env[var])
    if not values.get("kiosk_id", "x"):
        raise ConfigError("kiosk_id must not be empty")
    return replace(KioskConfig(), **values)
