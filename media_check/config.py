"""Policy: the profile, rule selection, rule options and limits, validated with exact errors.

Layers, later wins: rule defaults < profile (a TOML file shipped in ``media_check/profiles`` or given by path)
< project config (``media-check.toml``, or ``[tool.media-check]`` in ``pyproject.toml``) < command-line flags.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from media_check.analysis import AnalysisParams
from media_check.report import Severity
from media_check.rules import ALL_RULES, ALWAYS_ON, RULES, find, matching

DEFAULT_PROFILE = "procore"
UNIVERSAL_RULE_OPTIONS = ("severity", "enabled")
TOP_LEVEL_KEYS = {
    "profile": str, "select": list, "ignore": list, "fail-on": str, "jobs": int, "languages": list,
    "max-pixels": int, "max-file-bytes": int, "ocr-timeout": (int, float), "cache-dir": str, "rules": dict,
}


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the configuration."""


@dataclass(frozen=True)
class Config:
    profile: str = DEFAULT_PROFILE
    profile_title: str = ""
    enabled: tuple[str, ...] = ()  # rule names in force
    severities: dict[str, Severity] = field(default_factory=dict)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    fail_on: Severity = Severity.FAIL
    jobs: int = 0  # 0: usable CPUs
    analysis: AnalysisParams = AnalysisParams()
    cache_dir: str = ".media-check-cache"
    source: str = "defaults"

    def fingerprint(self) -> str:
        material = {"profile": self.profile, "enabled": list(self.enabled),
                    "severities": {k: v.value for k, v in sorted(self.severities.items())},
                    "options": self.options, "fail_on": self.fail_on.value}
        return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def as_toml_dict(self) -> dict[str, Any]:
        """What is in force, shaped like the configuration file (``media-check show-config``)."""
        return {
            "profile": self.profile, "fail-on": self.fail_on.value, "jobs": self.jobs or usable_cpus(),
            "languages": list(self.analysis.languages), "max-pixels": self.analysis.max_pixels,
            "max-file-bytes": self.analysis.max_file_bytes, "ocr-timeout": self.analysis.ocr_timeout,
            "cache-dir": self.cache_dir, "select": list(self.enabled),
            "rules": {name: {"severity": self.severities[name].value, **self.options[name]}
                      for name in self.enabled},
        }


def usable_cpus() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def find_config_file(start: Path | None = None) -> Path | None:
    """The nearest ``media-check.toml``, or ``pyproject.toml`` with a ``[tool.media-check]`` table."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "media-check.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "media-check" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {}):
                    return pyproject
            except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
                return pyproject  # let load_config report the error
    return None


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("media-check", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.media-check] must be a table")
    return data


def load_profile(name_or_path: str, _chain: tuple[str, ...] = ()) -> dict[str, Any]:
    """A profile by name (shipped) or by path to a TOML file. A profile may ``extends = "procore"`` (a name or a
    path): it then starts from that profile's settings and overrides them rule by rule."""
    if name_or_path.endswith(".toml") or os.sep in name_or_path:
        path = Path(name_or_path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read profile {name_or_path}: {exc.strerror or exc}") from None
        where = str(path)
    else:
        resource = resources.files("media_check.profiles") / f"{name_or_path}.toml"
        if not resource.is_file():
            raise ConfigError(f"unknown profile '{name_or_path}' (available: {', '.join(available_profiles())})")
        text = resource.read_text(encoding="utf-8")
        where = f"profile '{name_or_path}'"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from None
    unknown = set(data) - {"name", "title", "owner", "rules", "select", "ignore", "description", "extends"}
    if unknown:
        raise ConfigError(f"{where}: unknown key '{sorted(unknown)[0]}'")
    data.setdefault("name", Path(name_or_path).stem)
    if "extends" in data:
        folder = Path(name_or_path).parent if where != f"profile '{name_or_path}'" else None
        data = _extend(data, where, folder, _chain)
    return data


def _extend(data: dict[str, Any], where: str, folder: Path | None, chain: tuple[str, ...]) -> dict[str, Any]:
    """``data`` on top of the profile it ``extends`` (a shipped name, or a path relative to the extending file):
    the base's rule settings, overridden option by option."""
    base_name = data["extends"]
    if not isinstance(base_name, str):
        raise ConfigError(f"{where}: 'extends' must be a profile name or a path to a profile file")
    if folder is not None and (base_name.endswith(".toml") or os.sep in base_name):
        base_name = str(folder / base_name)
    if base_name in chain or len(chain) > 8:
        raise ConfigError(f"{where}: profiles extend each other in a loop ({' -> '.join((*chain, base_name))})")
    base = load_profile(base_name, _chain=(*chain, base_name))

    def rule_key(key: str) -> str:
        found = find(key)
        return found.name if found else key

    rules = {rule_key(key): dict(value) for key, value in base.get("rules", {}).items() if isinstance(value, dict)}
    own = data.get("rules", {})
    if not isinstance(own, dict):
        raise ConfigError(f"{where}: 'rules' must be a table of rule names")
    for key, value in own.items():
        name = rule_key(key)
        rules[name] = {**rules.get(name, {}), **value} if isinstance(value, dict) else value
    merged = {**{k: v for k, v in base.items() if k not in ("name", "title", "description")}, **data, "rules": rules}
    merged.pop("extends", None)
    return merged


def available_profiles() -> list[str]:
    folder = resources.files("media_check.profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_config(config_file: Path | None = None, *, profile: str | None = None, select: list[str] | None = None,
                ignore: list[str] | None = None, fail_on: str | None = None, jobs: int | None = None,
                cache_dir: str | None = None, discover_from: Path | None = None) -> Config:
    """The configuration in force: file (given or discovered), then command-line overrides."""
    path = config_file or find_config_file(discover_from)
    data = read_config_file(path) if path else {}
    where = str(path) if path else "configuration"
    _check_top_level(data, where)
    profile_data = load_profile(profile or data.get("profile", DEFAULT_PROFILE))

    options = {r.name: dict(r.options) for r in ALL_RULES}
    severities = {r.name: r.severity for r in ALL_RULES}
    enabled = {r.name for r in ALL_RULES}
    for layer_name, layer in ((f"profile '{profile_data['name']}'", profile_data.get("rules", {})),
                              (where, data.get("rules", {}))):
        _apply_rule_layer(layer, layer_name, options, severities, enabled)

    chosen = _select(select if select is not None else data.get("select", profile_data.get("select")),
                     ignore if ignore is not None else data.get("ignore", profile_data.get("ignore", [])),
                     enabled)
    fail_on_value = fail_on or data.get("fail-on", "fail")
    if fail_on_value not in ("warn", "fail"):
        raise ConfigError(f"fail-on must be 'warn' or 'fail', got '{fail_on_value}'")
    jobs_value = jobs if jobs is not None else data.get("jobs", 0)
    if jobs_value < 0:
        raise ConfigError(f"jobs must be 0 (all usable CPUs) or more, got {jobs_value}")
    params = AnalysisParams(
        languages=tuple(data.get("languages", ["eng"])),
        max_pixels=int(data.get("max-pixels", AnalysisParams.max_pixels)),
        max_file_bytes=int(data.get("max-file-bytes", AnalysisParams.max_file_bytes)),
        ocr_timeout=float(data.get("ocr-timeout", AnalysisParams.ocr_timeout)),
    )
    return Config(profile=profile_data["name"], profile_title=profile_data.get("title", profile_data["name"]),
                  enabled=tuple(r.name for r in ALL_RULES if r.name in chosen), severities=severities,
                  options=options, fail_on=Severity(fail_on_value), jobs=jobs_value, analysis=params,
                  cache_dir=cache_dir or data.get("cache-dir", ".media-check-cache"),
                  source=str(path) if path else "defaults")


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **changes)


def _check_top_level(data: dict[str, Any], where: str) -> None:
    for key, value in data.items():
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{where}: unknown option '{key}' (known: {', '.join(sorted(TOP_LEVEL_KEYS))})")
        if not isinstance(value, TOP_LEVEL_KEYS[key]) or isinstance(value, bool):
            raise ConfigError(f"{where}: option '{key}' has the wrong type ({type(value).__name__})")


def _apply_rule_layer(layer: dict[str, Any], where: str, options: dict, severities: dict, enabled: set) -> None:
    if not isinstance(layer, dict):
        raise ConfigError(f"{where}: 'rules' must be a table of rule names")
    for key, values in layer.items():
        rule = find(key)
        if rule is None:
            raise ConfigError(f"{where}: unknown rule '{key}'")
        if not isinstance(values, dict):
            raise ConfigError(f"{where}: settings of rule '{rule.name}' must be a table")
        for option, value in values.items():
            if option == "severity":
                if value not in ("warn", "fail"):
                    raise ConfigError(f"{where}: severity of rule '{rule.name}' must be 'warn' or 'fail', "
                                      f"got '{value}'")
                if rule.name not in ALWAYS_ON:
                    severities[rule.name] = Severity(value)
            elif option == "enabled":
                if not isinstance(value, bool):
                    raise ConfigError(f"{where}: option 'enabled' for rule '{rule.name}' must be true or false")
                if not value:
                    enabled.discard(rule.name)
                else:
                    enabled.add(rule.name)
            elif option not in rule.options:
                known = ", ".join([*UNIVERSAL_RULE_OPTIONS, *rule.options])
                raise ConfigError(f"{where}: unknown option '{option}' for rule '{rule.name}' (known: {known})")
            else:
                options[rule.name][option] = _coerce(value, rule.options[option], option, rule.name, where)


def _coerce(value: Any, default: Any, option: str, rule_name: str, where: str) -> Any:
    ok = (isinstance(value, bool) if isinstance(default, bool)
          else isinstance(value, (int, float)) and not isinstance(value, bool) if isinstance(default, float)
          else isinstance(value, int) and not isinstance(value, bool) if isinstance(default, int)
          else isinstance(value, type(default)))
    if not ok:
        kind = {bool: "true or false", float: "a number", int: "a whole number", str: "a string",
                list: "a list"}.get(type(default), type(default).__name__)
        raise ConfigError(f"{where}: option '{option}' for rule '{rule_name}' must be {kind}, got {value!r}")
    return float(value) if isinstance(default, float) else value


def _select(select: list[str] | None, ignore: list[str], enabled: set[str]) -> set[str]:
    """The rules in force. A prefix or ALL selects among the rules the profile and config leave enabled (a rule a
    profile turns off, such as a store-only rule, stays off); a rule named by its code or name is always on."""
    chosen = set(enabled) if not select else set()
    for token in select or []:
        rules = matching(token)
        if not rules:
            raise ConfigError(f"--select: unknown rule, code or prefix '{token}'")
        named = find(token) is not None
        chosen.update(r.name for r in rules if named or r.name in enabled)
    for token in ignore or []:
        rules = matching(token)
        if not rules:
            raise ConfigError(f"--ignore: unknown rule, code or prefix '{token}'")
        chosen.difference_update(r.name for r in rules)
    return chosen | ALWAYS_ON


def split_tokens(values: list[str] | None) -> list[str] | None:
    """``--select MC1,login-screen --select MC3`` -> ["MC1", "login-screen", "MC3"]."""
    if not values:
        return None
    return [token.strip() for value in values for token in value.split(",") if token.strip()]


__all__ = ["Config", "ConfigError", "RULES", "load_config", "available_profiles", "usable_cpus"]
