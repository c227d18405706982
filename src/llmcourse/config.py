"""The learner's settings that are not progress: a small TOML file in the platform's config
folder (`LLMCOURSE_CONFIG_DIR` overrides it), found the way the data folder is.

It holds what `sync` remembers (the shared folder, a machine name given once). Only the
commands that use a setting read the file, so a damaged one stops no other command; it is never
overwritten while it cannot be read, and keys this version does not know are written back as
they were.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from llmcourse import regular
from llmcourse.errors import ConfigFileError

CONFIG_DIR_ENV = "LLMCOURSE_CONFIG_DIR"
CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 64 * 1024  # a few settings; anything larger is not this file


def config_dir() -> Path:
    """The folder of the learner's settings (`LLMCOURSE_CONFIG_DIR` overrides it)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("llmcourse", appauthor=False))


def config_path() -> Path:
    return config_dir() / CONFIG_NAME


def _damaged(path: Path, what: str) -> ConfigFileError:
    return ConfigFileError(
        f"settings file {path}: {what}",
        f"Fix it or move it out of the way (llmcourse writes a new one); it was left as it is, "
        f"or set {CONFIG_DIR_ENV} to another folder",
    )


def read() -> dict[str, Any]:
    """The settings as a TOML table: empty when there is no file, an error when it cannot be
    read (never taken for empty)."""
    path = config_path()
    try:
        content = regular.read(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return {}
    except OSError as err:
        raise _damaged(path, f"cannot be read: {err.strerror or err}") from None
    try:
        return tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise _damaged(path, "not UTF-8 text") from None
    except (tomllib.TOMLDecodeError, RecursionError) as err:
        raise _damaged(path, f"not TOML ({err})") from None


def section(settings: dict[str, Any], name: str) -> dict[str, Any]:
    """One table of the settings (`[sync]`); a key of that name that is not a table is an
    error naming it."""
    found = settings.get(name, {})
    if not isinstance(found, dict):
        raise _damaged(config_path(), f"'{name}' must be a table ([{name}])")
    return found


def write(settings: dict[str, Any]) -> None:
    """Replace the settings file with `settings`, atomically."""
    import tomli_w

    from llmcourse import store

    path = config_path()
    try:
        store.write_atomic(path, tomli_w.dumps(settings).encode("utf-8"))
    except OSError as err:
        raise ConfigFileError(
            f"cannot write settings file {path}: {err.strerror or err}",
            f"Check that the folder is writable, or set {CONFIG_DIR_ENV} to one that is",
        ) from None
