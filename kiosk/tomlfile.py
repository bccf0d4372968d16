"""Read a TOML file, turning 'missing' and 'malformed' into one error type."""
import tomllib
from pathlib import Path


def read_toml(path: Path, what: str, error: type[Exception]) -> dict:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} is not valid TOML: {exc}") from None
